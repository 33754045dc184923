"""The headcounts report: per period and group, who lived there at its start, on any day of it, and for how long.

- `headcountAtStart`: the workers living there on the period's first day;
- `distinctResidents`: the workers living there on at least one day of the
  period (a worker who moved within the period counts once in each group it
  lived in, and once in the total);
- `personDays`: the days lived there within the period, summed over the
  workers (a stay's last day is the day before it ends: stays are half-open).

All three are exact and computed by the database over the residence view's
bitemporal stays believed at `as_known_at` (docs/time.md), one statement for
the groups and the totals together, so both come from one snapshot. The
totals are counted, not summed from the groups: a worker transferred or moved
within a period is one resident of the total.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CTE, Engine, Select, and_, case, distinct, false, func, or_, select, true, union_all

from ledger.persistence.database import reading
from projections.reports.sql import days_within, overlapping, periods_table, stays
from projections.reports.table import Measure, PeriodQuestion, ReportGroup, ReportTable, rectangular, totals_rows

MEASURES = ("headcountAtStart", "distinctResidents", "personDays")
# Every measure counts persons or their days; the first two decide suppression (docs/reports.md).
PEOPLE = ("headcountAtStart", "distinctResidents")


def headcounts_report(engine: Engine, asked: PeriodQuestion) -> ReportTable:
    """The headcounts per period (and group), with a total per period when grouped; groups without labels."""
    periods = periods_table(asked.periods)
    statements = [_counts(asked.group_by, asked, periods, total=False)]
    if asked.group_by is not None:
        statements.append(_counts(None, asked, periods, total=True))
    found: dict[tuple[int, str], dict[str, Measure]] = {}
    totals: dict[int, dict[str, Measure]] = {}
    with reading(engine) as conn:
        for row in conn.execute(union_all(*statements)):
            counted = (int(row.at_start), int(row.residents), int(row.days))
            measures: dict[str, Measure] = dict(zip(MEASURES, counted, strict=True))
            if row.is_total or asked.group_by is None:
                totals[row.idx] = measures
            else:
                found[(row.idx, str(row.group_key))] = measures
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


def _counts(group_by: ReportGroup | None, asked: PeriodQuestion, periods: CTE, *, total: bool) -> Select[Any]:
    """Per period (and group): the three measures over the stays that share a day with the period."""
    s = stays(group_by, asked.as_known_at, asked.periods[0].start, asked.periods[-1].end)
    p = s.c
    lives_at_start = and_(p.valid_from <= periods.c.first, or_(p.valid_to.is_(None), p.valid_to > periods.c.first))
    return (
        select(
            periods.c.idx,
            p.group_key,
            (true() if total else false()).label("is_total"),
            func.count(distinct(case((lives_at_start, p.worker_id)))).label("at_start"),
            func.count(distinct(p.worker_id)).label("residents"),
            func.sum(days_within(p.valid_from, p.valid_to, periods)).label("days"),
        )
        .select_from(periods.join(s, overlapping(p.valid_from, p.valid_to, periods)))
        .group_by(periods.c.idx, p.group_key)
    )
