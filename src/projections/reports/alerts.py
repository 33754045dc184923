"""The alerts report: per period and kind of alert, the alerts opened and the alerts closed.

An alert is one kind about one subject (a worker or a location) over an
unbroken run of days on which it holds, as the alerts view believed at
`as_known_at` (docs/alerts.md); the view keeps a run in several rows where
what it says changes (its detail, the worker's location), which this report
joins again.

- `opened`: the alerts whose first day lies within the period;
- `closed`: the alerts whose end lies within the period: the first day on
  which they no longer hold (as a stay ends on the first day the worker no
  longer lives there, docs/reports.md). An alert still in force has none.

Rows: one per period and kind (the kind is the group key; it has no label),
and a total per period (each alert is of one kind, so the total is the sum).
Every alert but a minor's is counted by the database: a row begins an alert
when no row of the same kind and subject ends the day it begins, and ends one
when none begins the day it ends. A minor's alert ends at the latest on the
18th birthday, which the view keeps sealed: those few rows are read and their
birthdays opened here, with one key lookup, and without keys (or once a
worker is shredded) they count for nothing, as in `GET /alerts`.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    FromClause,
    and_,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)

from ledger.crypto.keystore import KeyStore
from ledger.persistence.database import reading
from ledger.settings import Settings
from projections.alert_spans import AlertKind
from projections.alert_tables import alert_intervals
from projections.alert_view import check_settings
from projections.alerts import minor_until
from projections.reports.periods import Period
from projections.reports.sql import periods_table
from projections.reports.table import Measure, ReportTable, rectangular, totals_rows

MEASURES = ("opened", "closed")
# Alerts are mostly about people (a location's are counted alike): small counts are suppressed in public.
PEOPLE = MEASURES
_MINOR = AlertKind.MINOR_IN_HOUSING.value


def alerts_report(
    engine: Engine, keys: KeyStore | None, settings: Settings, report_periods: Sequence[Period], as_known_at: datetime
) -> ReportTable:
    """The alerts opened and closed per period and kind, as known at `as_known_at`, with a total per period.

    `AlertsViewSettingsChanged` when the view was worked out under other settings than `settings`.
    """
    found: defaultdict[tuple[int, str], dict[str, Measure]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    with reading(engine) as conn:
        check_settings(conn, settings)
        for index, kind, measure, count in conn.execute(_counted(report_periods, as_known_at)):
            found[(index, kind)][measure] = int(count)
        for index, measure in _minors(conn, keys, report_periods, as_known_at):
            cell = found[(index, _MINOR)]
            cell[measure] = int(cell[measure] or 0) + 1
    totals: defaultdict[int, dict[str, Measure]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for (index, _), cell in found.items():
        for measure in MEASURES:
            totals[index][measure] = int(totals[index][measure] or 0) + int(cell[measure] or 0)
    return ReportTable(
        "alerts",
        MEASURES,
        rectangular(report_periods, found, MEASURES, {}),
        totals_rows(report_periods, totals, MEASURES),
        PEOPLE,
    )


def _believed(table: FromClause, instant: datetime) -> ColumnElement[bool]:
    # `projections.bitemporal.known_at`, for an alias of the table.
    c = table.c
    return and_(c.recorded_from <= instant, or_(c.recorded_to.is_(None), c.recorded_to > instant))


def _counted(report_periods: Sequence[Period], instant: datetime) -> Any:
    """(period index, kind, measure, count): the alerts other than a minor's that begin or end in each period."""
    periods = periods_table(report_periods)
    row, other = alert_intervals.alias("a"), alert_intervals.alias("b")
    a, b = row.c, other.c
    same = and_(b.subject_id == a.subject_id, b.kind == a.kind, _believed(other, instant))
    statements = []
    for measure, day, continued in (
        ("opened", a.valid_from, b.valid_to == a.valid_from),  # no row of it ends the day this one begins
        ("closed", a.valid_to, b.valid_from == a.valid_to),  # no row of it begins the day this one ends
    ):
        statements.append(
            select(periods.c.idx, a.kind, literal(measure).label("measure"), func.count().label("n"))
            .select_from(periods.join(row, and_(day >= periods.c.first, day <= periods.c.last)))
            .where(_believed(row, instant), a.kind != _MINOR, ~exists().where(same, continued))
            .group_by(periods.c.idx, a.kind)
        )
    return union_all(*statements)


def _minors(
    conn: Connection, keys: KeyStore | None, report_periods: Sequence[Period], instant: datetime
) -> list[tuple[int, str]]:
    """(period index, measure) for each minor's alert that begins or ends in a period (none without keys)."""
    i = alert_intervals.c
    rows = conn.execute(
        select(i.subject_id, i.valid_from, i.valid_to)
        .where(i.kind == _MINOR, _believed(alert_intervals, instant))
        .order_by(i.subject_id, i.valid_from)
    ).all()
    adult_on = minor_until(conn, keys, {row.subject_id for row in rows}) if rows else {}
    runs: defaultdict[str, list[tuple[date, date | None]]] = defaultdict(list)
    for subject, start, stay_end in rows:
        until = adult_on.get(subject)
        if until is None or start >= until:
            continue  # not opened (no key, shredded), or from the 18th birthday on: no alert
        end = until if stay_end is None or stay_end > until else stay_end
        held = runs[subject]
        if held and held[-1][1] == start:
            held[-1] = (held[-1][0], end)  # the same alert, in the next stay
        else:
            held.append((start, end))
    first, last = report_periods[0].start, report_periods[-1].end
    starts = [period.start for period in report_periods]
    found = []
    for held in runs.values():
        for start, end in held:
            for day, measure in ((start, "opened"), (end, "closed")):
                if day is not None and first <= day <= last:
                    found.append((bisect.bisect_right(starts, day) - 1, measure))
    return found
