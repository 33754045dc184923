"""The headcounts report: per period and group, who lived there at its start, on any day of it, and for how long.

- `headcountAtStart`: the workers living there on the period's first day;
- `distinctResidents`: the workers living there on at least one day of the
  period (a worker who moved within the period counts once in each group it
  lived in, and once in the total);
- `personDays`: the days lived there within the period, summed over the
  workers (a stay's last day is the day before it ends: stays are half-open).

All three are exact and computed over the residence view's bitemporal stays
believed at `as_known_at` (docs/time.md), one statement for the groups and the
totals together, so both come from one snapshot. The totals are counted, not
summed from the groups: a worker transferred or moved within a period is one
resident of the total.

How (docs/reports.md, *Speed*): a stay is a +1 on the day it begins and a −1
on the day it ends. The database puts each of those changes in its one period
(`sql.by_period`, a lookup, not a join with every period) and sums them per
group and period: their number and their day numbers. The headcount on a
period's first day is the sum of the changes up to that day; the person-days
before a day D are Σ v·(D − x) over the changes v on days x < D, so a period's
person-days are a difference of two such sums (prefix sums over the periods,
`_folded`). A worker counts as a resident of a period it did not start in
only on the first stay it begins there: the stay before it in the same group
(`LAG`) ended on or before the period's first day. No `COUNT(DISTINCT …)`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Engine,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from ledger.persistence.database import reading
from projections.reports.sql import boundaries, by_period, day_number, number, stays
from projections.reports.table import Measure, PeriodQuestion, ReportGroup, ReportTable, rectangular, totals_rows

MEASURES = ("headcountAtStart", "distinctResidents", "personDays")
# Every measure counts persons or their days; the first two decide suppression (docs/reports.md).
PEOPLE = ("headcountAtStart", "distinctResidents")

# What a change is, within its period i (its code is 4·i + one of these): on the period's first day; a stay that
# makes a worker a resident of the period (not there on its first day, no earlier stay in the group within it);
# anything else.
_ON_FIRST_DAY, _NEW_RESIDENT, _OTHER = 2, 1, 0


def headcounts_report(engine: Engine, asked: PeriodQuestion) -> ReportTable:
    """The headcounts per period (and group), with a total per period when grouped; groups without labels."""
    statements = [_changes(asked.group_by, asked, total=False)]
    if asked.group_by is not None:
        statements.append(_changes(None, asked, total=True))
    # (is a total, group key) -> code -> [Σ v, Σ v·day]
    sums: defaultdict[tuple[bool, str | None], dict[int, list[int]]] = defaultdict(dict)
    with reading(engine) as conn:
        for row in conn.execute(union_all(*statements)):
            total = bool(row.is_total) or asked.group_by is None
            key = None if total else str(row.group_key)
            sums[(total, key)][int(row.code)] = [int(row.changes), int(row.day_sum)]
    bounds = [d.toordinal() for d in boundaries(asked.periods)]
    found: dict[tuple[int, str], dict[str, Measure]] = {}
    totals: dict[int, dict[str, Measure]] = {}
    for (total, key), by_code in sums.items():
        for index, measures in _folded(by_code, bounds):
            if total:
                totals[index] = measures
            else:
                found[(index, str(key))] = measures
    if asked.group_by is None:
        rows = totals_rows(asked.periods, totals, MEASURES)
        # Without a grouping the rows are the whole municipality's: they are the totals.
        return ReportTable("headcounts", MEASURES, tuple(rows), (), PEOPLE, None)
    return ReportTable(
        "headcounts",
        MEASURES,
        tuple(rectangular(asked.periods, found, MEASURES, {})),
        tuple(totals_rows(asked.periods, totals, MEASURES)),
        PEOPLE,
        asked.group_by,
    )


def _folded(by_code: dict[int, list[int]], bounds: Sequence[int]) -> list[tuple[int, dict[str, Measure]]]:
    """One group's measures per period (those not all zero) from its sums of changes per period and kind.

    `bounds` are the periods' first days and the day after the last, as day numbers.
    """
    changes, day_sum = 0, 0  # of the changes in the periods before this one
    folded = []
    for index in range(len(bounds) - 1):
        first, after = bounds[index], bounds[index + 1]
        here = [by_code.get(4 * index + kind, (0, 0)) for kind in (_ON_FIRST_DAY, _NEW_RESIDENT, _OTHER)]
        at_start = changes + here[0][0]
        residents = at_start + here[1][0]
        # Person-days before a day D: Σ v·(D − x) over the changes v on days x < D.
        before_first = first * changes - day_sum
        changes += sum(n for n, _ in here)
        day_sum += sum(days for _, days in here)
        person_days = after * changes - day_sum - before_first
        if at_start or residents or person_days:
            folded.append((index, {"headcountAtStart": at_start, "distinctResidents": residents, "personDays": person_days}))
    return folded


def _changes(group_by: ReportGroup | None, asked: PeriodQuestion, *, total: bool) -> Select[Any]:
    """Per group and (period, kind of change): the stays' changes, their number (Σ v) and Σ v·day number."""
    first, last = asked.periods[0].start, asked.periods[-1].end
    bounds = boundaries(asked.periods)
    s = stays(group_by, asked.as_known_at, first, last)
    partition = (s.c.worker_id,) if group_by is None else (s.c.worker_id, s.c.group_key)
    marked = select(
        s.c.group_key,
        # A stay begun before the report counts from its first day (it is there on that day).
        case((s.c.valid_from < first, literal(first)), else_=s.c.valid_from).label("since"),
        s.c.valid_to,
        func.lag(s.c.valid_to).over(partition_by=partition, order_by=s.c.valid_from).label("before_to"),
    ).cte("marked_total" if total else "marked")
    m = marked.c

    def began(index: int) -> ColumnElement[int]:
        if index < 0 or index >= len(bounds) - 1:
            return number(-1)  # not reached: every stay here shares a day with the report
        on_first_day = m.since == literal(bounds[index])
        new = or_(m.before_to.is_(None), m.before_to <= literal(bounds[index]))
        return case(
            (on_first_day, number(4 * index + _ON_FIRST_DAY)),
            (new, number(4 * index + _NEW_RESIDENT)),
            else_=number(4 * index + _OTHER),
        )

    def ended(index: int) -> ColumnElement[int]:
        if index < 0 or index >= len(bounds) - 1:
            return number(-1)
        return case((m.valid_to == literal(bounds[index]), number(4 * index + _ON_FIRST_DAY)), else_=number(4 * index))

    begins = select(
        m.group_key, by_period(m.since, bounds, began).label("code"), number(1).label("v"), day_number(m.since).label("x")
    )
    # An end on or after the day after the report changes nothing within it.
    ends = select(
        m.group_key, by_period(m.valid_to, bounds, ended).label("code"), number(-1), day_number(m.valid_to)
    ).where(and_(m.valid_to.is_not(None), m.valid_to <= last))
    changes = union_all(begins, ends).subquery("changes_total" if total else "changes")
    c = changes.c
    return select(
        c.group_key,
        (true() if total else false()).label("is_total"),
        c.code,
        func.sum(c.v).label("changes"),
        func.sum(c.v * c.x).label("day_sum"),
    ).group_by(c.group_key, c.code)
