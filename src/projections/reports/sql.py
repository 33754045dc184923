"""The reports' SQL building blocks: day numbers, the periods as a table, and each worker's stays per group.

Both backends answer the same SQL: the periods are a common table expression
of `VALUES` (`WITH periods(…) AS (VALUES …)`, which SQLite and PostgreSQL both
take), dates are compared as dates, and the only arithmetic on dates — days
lived within a period — goes through `day_number`, the date's proleptic
Gregorian ordinal (`date.toordinal()`), which each backend computes its way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnClause,
    ColumnElement,
    Connection,
    Date,
    Engine,
    Executable,
    FromClause,
    Integer,
    Select,
    and_,
    case,
    column,
    literal,
    literal_column,
    null,
    or_,
    select,
    values,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ledger.persistence.database import UTCDateTime, reading
from projections.bitemporal import known_at
from projections.reports.periods import Period
from projections.reports.table import ReportGroup
from projections.residence_tables import employment_history, location_facts, residence_history

# Later than any day a stay can end (the ledger's dates end in 2100): an open stay's end as a day number.
OPEN_END = date(9999, 12, 31).toordinal()


class day_number(FunctionElement[int]):  # noqa: N801 (a SQL function, named as one)
    """A date's ordinal (1 for 0001-01-01, as Python's `date.toordinal`), in SQL."""

    type = Integer()
    inherit_cache = True


@compiles(day_number, "sqlite")
def _day_number_sqlite(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps a date as its ISO text; its Julian day number is 1721424.5 more than the ordinal.
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 1721424.5 AS INTEGER)"


@compiles(day_number, "postgresql")
def _day_number_postgresql(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    # date - date is a whole number of days on PostgreSQL.
    return f"(({compiler.process(element.clauses, **kw)}) - DATE '0001-01-01' + 1)"


def periods_table(report_periods: Sequence[Period], instants: Sequence[tuple[datetime, datetime]] = ()) -> CTE:
    """The periods as a table: `idx`, `first`, `last` (dates, inclusive), `first_n`, `next_n` (day numbers).

    With `instants` (one per period: its first instant and the first instant
    after it, in UTC), also `starts` and `ends`, for what is dated by the
    instant it was recorded.
    """
    columns: list[ColumnClause[Any]] = [
        column("idx", Integer),
        column("first", Date),
        column("last", Date),
        column("first_n", Integer),
        column("next_n", Integer),
    ]
    rows: list[tuple[Any, ...]] = [
        (n, p.start, p.end, p.start.toordinal(), (p.end + timedelta(days=1)).toordinal())
        for n, p in enumerate(report_periods)
    ]
    if instants:
        columns += [column("starts", UTCDateTime()), column("ends", UTCDateTime())]
        rows = [(*row, *instant) for row, instant in zip(rows, instants, strict=True)]
    return values(*columns, name="periods").data(rows).cte("periods")


@contextmanager
def report_reading(engine: Engine) -> Iterator[Connection]:
    """A connection for a report's statement (`reading`), with PostgreSQL's JIT compilation off on it.

    A report's statement is planned as costly (a year of stays), so PostgreSQL
    compiled its expressions — the nested `CASE`s of `by_period` — before
    running it: 190 ms of a flows report's 830 ms at 100 000 workers (`EXPLAIN
    ANALYZE`, bench/README.md), for a statement that runs once. The audit scan
    turns JIT off for the same reason.
    """
    with reading(engine) as conn:
        if conn.dialect.name != "postgresql":
            yield conn
            return
        conn.exec_driver_sql("SET jit = off")
        try:
            yield conn
        finally:
            conn.exec_driver_sql("RESET jit")


def fetched(conn: Connection, statement: Executable) -> list[tuple[Any, ...]]:
    """The statement's rows as the driver gives them: tuples, not SQLAlchemy rows (a report reads ~100 000).

    For statements whose columns are numbers and text only, which neither
    dialect converts: 20-40 % less time than `Result.all()` (B13).
    """
    return list(conn.execute(statement).cursor.fetchall())


def boundaries(report_periods: Sequence[Period]) -> list[date]:
    """Each period's first day, then the day after the last period: period i is [bounds[i], bounds[i + 1])."""
    return [p.start for p in report_periods] + [report_periods[-1].end + timedelta(days=1)]


def by_period(
    value: ColumnElement[Any], bounds: Sequence[Any], leaf: Callable[[int], ColumnElement[Any]], type_: Any = Date
) -> ColumnElement[Any]:
    """`leaf(i)` for the i with bounds[i] <= value < bounds[i + 1]; i is -1 before bounds[0], len(bounds) - 1 after.

    A binary search written out as nested `CASE`s (about log2 of the
    periods' number of comparisons a row, 9 for a year by day): each row is
    put in its one period by a lookup, instead of being joined to every
    period and tested against each (docs/reports.md, *Speed*).
    """

    def within(low: int, high: int) -> ColumnElement[Any]:
        # value is known to lie in [bounds[low], bounds[high]) (low -1: no lower bound; high len: no upper).
        if high - low == 1:
            return leaf(low)
        middle = (low + high) // 2
        return case((value < literal(bounds[middle], type_), within(low, middle)), else_=within(middle, high))

    return within(-1, len(bounds))


def number(n: int) -> ColumnElement[int]:
    """A whole number written into the statement (a leaf of `by_period`; no parameter each)."""
    return literal_column(str(int(n)), Integer)


def overlapping(stay_from: Any, stay_to: Any, periods: CTE) -> ColumnElement[bool]:
    """A stay [stay_from, stay_to) (stay_to None: open) shares a day with the period."""
    return and_(stay_from <= periods.c.last, or_(stay_to.is_(None), stay_to > periods.c.first))


def days_within(stay_from: Any, stay_to: Any, periods: CTE) -> ColumnElement[int]:
    """How many days of the stay [stay_from, stay_to) fall in the period (for stays that overlap it)."""
    start = day_number(stay_from)
    end = case((stay_to.is_(None), OPEN_END), else_=day_number(stay_to))
    clipped_end = case((end < periods.c.next_n, end), else_=periods.c.next_n)
    clipped_start = case((start > periods.c.first_n, start), else_=periods.c.first_n)
    return clipped_end - clipped_start


def stays(group_by: ReportGroup | None, as_known_at: datetime, first: date, last: date) -> FromClause:
    """Each worker's stays believed at `as_known_at` that share a day with [first, last], with their group.

    Columns: `worker_id`, `group_key` (None without a grouping), `valid_from`,
    `valid_to` (None: open), and the whole stay's `stay_from` and `stay_to`.
    Grouped by employer, a stay is cut where the worker's employer changed (a
    transfer: `projections.employment`), so that each piece counts for the
    employer of its days; elsewhere a piece is the whole stay.
    """
    r = residence_history.c
    if group_by is ReportGroup.EMPLOYER:
        return _stays_by_employer(as_known_at, first, last)
    key: Any
    source: Any = residence_history
    if group_by is ReportGroup.KIND:
        source = residence_history.join(location_facts, location_facts.c.housing_location_id == r.housing_location_id)
        key = location_facts.c.kind
    elif group_by is None:
        key = null()
    else:
        key = {
            ReportGroup.HOUSING_LOCATION: r.housing_location_id,
            ReportGroup.NATIONALITY: r.nationality,
            ReportGroup.POSTCODE_AREA: r.postcode_area,
        }[group_by]
    statement: Select[Any] = (
        select(
            r.worker_id,
            key.label("group_key"),
            r.valid_from,
            r.valid_to,
            r.valid_from.label("stay_from"),
            r.valid_to.label("stay_to"),
        )
        .select_from(source)
        .where(known_at(residence_history, as_known_at))
        .where(r.valid_from <= last, or_(r.valid_to.is_(None), r.valid_to > first))
    )
    return statement.subquery("stays")


def _stays_by_employer(as_known_at: datetime, first: date, last: date) -> FromClause:
    r, e = residence_history.c, employment_history.c
    # A worker transferred at least once has believed employments covering all of time; any other worker is
    # the registering employer's (the residence row's) throughout.
    joined = residence_history.outerjoin(
        employment_history,
        and_(
            e.worker_id == r.worker_id,
            known_at(employment_history, as_known_at),
            e.valid_from < end_or_last_day(r.valid_to),
            or_(e.valid_to.is_(None), e.valid_to > r.valid_from),
        ),
    )
    start = case((and_(e.valid_from.is_not(None), e.valid_from > r.valid_from), e.valid_from), else_=r.valid_from)
    end = case(
        (r.valid_to.is_(None), e.valid_to),
        (e.valid_to.is_(None), r.valid_to),
        (e.valid_to < r.valid_to, e.valid_to),
        else_=r.valid_to,
    )
    employer = case((e.employer_id.is_not(None), e.employer_id), else_=r.employer_id)
    pieces = (
        select(
            r.worker_id,
            employer.label("group_key"),
            start.label("valid_from"),
            end.label("valid_to"),
            r.valid_from.label("stay_from"),
            r.valid_to.label("stay_to"),
        )
        .select_from(joined)
        .where(known_at(residence_history, as_known_at))
        .where(r.valid_from <= last, or_(r.valid_to.is_(None), r.valid_to > first))
        .subquery("pieces")
    )
    p = pieces.c
    # Pieces of a stay outside [first, last] (the stay overlaps it, the employment of that piece does not).
    return (
        select(p.worker_id, p.group_key, p.valid_from, p.valid_to, p.stay_from, p.stay_to)
        .where(p.valid_from <= last, or_(p.valid_to.is_(None), p.valid_to > first))
        .subquery("stays")
    )


def end_or_last_day(valid_to: Any) -> ColumnElement[Any]:
    """A stay's end, an open one as the last day there is (for comparing with another interval's start)."""
    return case((valid_to.is_(None), literal(date(9999, 12, 31), Date)), else_=valid_to)
