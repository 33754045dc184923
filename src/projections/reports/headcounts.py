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

How (docs/reports.md, *Speed*): a stay is a +1 on the day it begins and a -1
on the day it ends. The database puts each of those changes in its one period
(`sql.by_period`, a lookup, not a join with every period) and sums them per
group and period: their number and their day numbers. The headcount on a
period's first day is the sum of the changes up to that day; the person-days
before a day D are the sum of v * (D - x) over the changes v on days x < D, so a period's
person-days are a difference of two such sums (prefix sums over the periods,
`_folded`). A worker counts as a resident of a period it did not start in
only on the first stay it begins there: the stay before it in the same group
(`LAG`) ended on or before the period's first day. No `COUNT(DISTINCT …)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

from projections.reports.labels import group_labels
from projections.reports.sql import boundaries, by_period, day_number, number, report_reading, stays
from projections.reports.table import TOTAL, Measure, PeriodQuestion, ReportGroup, ReportRow, ReportTable

MEASURES = ("headcountAtStart", "distinctResidents", "personDays")
# Every measure counts persons or their days; the first two decide suppression (docs/reports.md).
PEOPLE = ("headcountAtStart", "distinctResidents")

# What a change is, within its period i (its code is 4·i + one of these): on the period's first day; a stay that
# makes a worker a resident of the period (not there on its first day, no earlier stay in the group within it);
# anything else.
_ON_FIRST_DAY, _NEW_RESIDENT, _OTHER = 2, 1, 0


def headcounts_report(engine: Engine, asked: PeriodQuestion) -> ReportTable:
    """The headcounts per period (and group), with a total per period when grouped; locations and employers labelled."""
    statements = [_changes(asked.group_by, asked, total=False)]
    if asked.group_by is not None:
        statements.append(_changes(None, asked, total=True))
    width = 4 * len(asked.periods)
    # Per group (None: the total): the changes' number by code, then their day numbers' sum by code.
    sums: dict[str | None, list[int]] = {}
    with report_reading(engine) as conn:
        for key, is_total, code, changes, day_sum in conn.execute(union_all(*statements)):
            group = None if is_total or asked.group_by is None else str(key)
            if (cells := sums.get(group)) is None:
                cells = sums[group] = [0] * (2 * width)
            cells[code] = changes
            cells[width + code] = day_sum
    bounds = [d.toordinal() for d in boundaries(asked.periods)]
    measures = {group: _folded(cells, bounds) for group, cells in sums.items()}
    total = measures.pop(None, None) or _folded([0] * (2 * width), bounds)
    totals = tuple(ReportRow(p.start, p.end, None, TOTAL, m) for p, m in zip(asked.periods, total, strict=True))
    if asked.group_by is None:
        # Without a grouping the rows are the whole municipality's: they are the totals.
        return ReportTable("headcounts", MEASURES, totals, (), PEOPLE, None)
    # Rectangular: every group found (each lived there on some day of the report) in every period.
    keys = sorted(key for key in measures if key is not None)
    labels = group_labels(engine, asked.group_by, keys)
    rows = tuple(
        ReportRow(period.start, period.end, key, labels.get(key), measures[key][index])
        for index, period in enumerate(asked.periods)
        for key in keys
    )
    return ReportTable("headcounts", MEASURES, rows, totals, PEOPLE, asked.group_by)


def _folded(cells: list[int], bounds: Sequence[int]) -> list[Mapping[str, Measure]]:
    """One group's measures in each period, from its sums of changes per code (`_changes`).

    `bounds` are the periods' first days and the day after the last, as day numbers.
    """
    width = 4 * (len(bounds) - 1)
    changes, day_sum = 0, 0  # of the changes in the periods before this one
    folded: list[Mapping[str, Measure]] = []
    for index in range(len(bounds) - 1):
        code = 4 * index
        at_start = changes + cells[code + _ON_FIRST_DAY]
        # Person-days before a day D: the sum of v * (D - x) over the changes v on days x before D.
        before_first = bounds[index] * changes - day_sum
        changes += cells[code] + cells[code + 1] + cells[code + 2] + cells[code + 3]
        day_sum += cells[width + code] + cells[width + code + 1] + cells[width + code + 2] + cells[width + code + 3]
        folded.append(
            {
                "headcountAtStart": at_start,
                "distinctResidents": at_start + cells[code + _NEW_RESIDENT],
                "personDays": bounds[index + 1] * changes - day_sum - before_first,
            }
        )
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
        m.group_key,
        by_period(m.since, bounds, began).label("code"),
        number(1).label("v"),
        day_number(m.since).label("x"),
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
