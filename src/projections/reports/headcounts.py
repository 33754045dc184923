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
on the day it ends. One statement reads the stays believed at `as_known_at`
that share a day with the report (their first and end days as day numbers);
one pass over them in Python puts each change in its one period (a binary
search of the periods' first days) and sums them per group and period, and
for the total at once: their number and their day numbers. The headcount on
a period's first day is the sum of the changes up to that day; the
person-days before a day D are the sum of v * (D - x) over the changes v on
days x < D, so a period's person-days are a difference of two such sums
(prefix sums over the periods, `_folded`). A worker counts as a resident of a
period it did not start in only on the first stay it begins there: its stay
before in the same group (for the total: any stay before) ended on or before
the period's first day. No `COUNT(DISTINCT …)`, and no sort of the stays in
the database: a worker's few stays are ordered in Python.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, Select, select, union_all

from projections.reports.labels import group_labels
from projections.reports.periods import Period
from projections.reports.sql import boundaries, day_number, fetched, number, report_reading, stays
from projections.reports.table import TOTAL, Columns, PeriodQuestion, ReportGroup, ReportTable

MEASURES = ("headcountAtStart", "distinctResidents", "personDays")
# Every measure counts persons or their days; the first two decide suppression (docs/reports.md).
PEOPLE = ("headcountAtStart", "distinctResidents")

# What a change is, within its period i (its code is 4·i + one of these): on the period's first day; a stay that
# makes a worker a resident of the period (not there on its first day, no earlier stay in the group within it);
# anything else.
_ON_FIRST_DAY, _NEW_RESIDENT, _OTHER = 2, 1, 0

# Groupings whose total reads stays of its own: by employer the groups count the pieces of a stay cut at
# transfers, the total the whole stays. (By kind the stays are joined with their location's facts, which drops
# none: the residence view records a location's facts before any stay there, `projections.residence`.)
_APART = (ReportGroup.EMPLOYER,)

# A worker's stay as read: whether it is read for the total apart (1) or not (0), the worker, its group's key
# (None without a grouping), its first day and its end (None: open).
Stay = tuple[int, str, str | None, int, int | None]


def headcounts_report(engine: Engine, asked: PeriodQuestion) -> ReportTable:
    """The headcounts per period (and group), with a total per period when grouped; locations and employers labelled."""
    bounds = [d.toordinal() for d in boundaries(asked.periods)]
    grouped: defaultdict[str, list[Stay]] = defaultdict(list)  # each worker's stays, for the groups (and the total)
    whole: defaultdict[str, list[Stay]] = defaultdict(list)  # grouped `_APART`: each worker's whole stays, the total's
    with report_reading(engine) as conn:
        stays_read: list[Stay] = fetched(conn, _stays(asked))
    # The rows as read, each under its worker (half the time of unpacking each into a tuple of its own).
    if asked.group_by in _APART:
        for stay in stays_read:
            (whole if stay[0] else grouped)[stay[1]].append(stay)
    else:
        for stay in stays_read:
            grouped[stay[1]].append(stay)
    if asked.group_by is None:
        total = _Sums(bounds, None)
        total.add(grouped.values(), groups=False, total=True)
        # Without a grouping the rows are the whole municipality's: they are the totals.
        return ReportTable("headcounts", MEASURES, total.total_columns(asked.periods), (), PEOPLE, None)
    # Rectangular: every group found (each lived there on some day of the report) in every period.
    keys: list[str] = sorted({stay[2] for stay in stays_read if not stay[0] and stay[2] is not None})
    sums = _Sums(bounds, keys)
    apart = asked.group_by in _APART
    sums.add(grouped.values(), groups=True, total=not apart)
    if apart:
        sums.add(whole.values(), groups=False, total=True)
    labels = group_labels(engine, asked.group_by, keys)
    rows = sums.columns(asked.periods, [labels.get(key) for key in keys])
    totals = sums.total_columns(asked.periods)
    return ReportTable("headcounts", MEASURES, rows, totals, PEOPLE, asked.group_by)


class _Sums:
    """The stays' changes summed per code and group, and for the total; then folded into the measures' columns.

    A change's code is 4 · its period's index + what it is (`_ON_FIRST_DAY`,
    `_NEW_RESIDENT`, `_OTHER`). Per code and group (at code · groups + the
    group's place in `keys`): the changes' number (Σ v) and their day numbers'
    sum (Σ v · day); the same per code for the total.
    """

    def __init__(self, bounds: list[int], keys: list[str] | None) -> None:
        self.bounds, self.keys = bounds, keys or []
        self.width = 4 * (len(bounds) - 1)
        self.place = {key: n for n, key in enumerate(self.keys)}
        self.counts, self.days = [0] * (self.width * len(self.keys)), [0] * (self.width * len(self.keys))
        self.total_counts, self.total_days = [0] * self.width, [0] * self.width

    def add(self, workers: Iterable[list[Stay]], *, groups: bool, total: bool) -> None:
        """Add each worker's stays: to their groups' sums, to the total's, or both."""
        bounds, place, size = self.bounds, self.place, len(self.keys)
        counts, days, total_counts, total_days = self.counts, self.days, self.total_counts, self.total_days
        first, after = bounds[0], bounds[-1]
        for mine in workers:
            if len(mine) > 1:
                mine.sort(key=_first_day)
            before: dict[str | None, int | None] = {}  # the end of the worker's latest stay so far, per group
            latest: int | None = None  # the end of its latest stay so far (None: none, or an open one)
            for _, _, key, start, end in mine:
                # A stay begun before the report counts from its first day (it is there on that day).
                since = start if start > first else first
                index = bisect_right(bounds, since) - 1
                bound = bounds[index]
                if since == bound:
                    code = whole = 4 * index + _ON_FIRST_DAY
                else:
                    ended = before.get(key)
                    code = 4 * index + (_NEW_RESIDENT if ended is None or ended <= bound else _OTHER)
                    whole = 4 * index + (_NEW_RESIDENT if latest is None or latest <= bound else _OTHER)
                before[key] = latest = end
                # An end on or after the day after the report changes nothing within it.
                stop = -1
                if end is not None and end < after:
                    stop = bisect_right(bounds, end) - 1
                    stop = 4 * stop + (_ON_FIRST_DAY if end == bounds[stop] else _OTHER)
                if groups:
                    at = code * size + place[key]  # type: ignore[index]
                    counts[at] += 1
                    days[at] += since
                    if stop >= 0:
                        at = stop * size + place[key]  # type: ignore[index]
                        counts[at] -= 1
                        days[at] -= end  # type: ignore[operator]
                if total:
                    total_counts[whole] += 1
                    total_days[whole] += since
                    if stop >= 0:
                        total_counts[stop] -= 1
                        total_days[stop] -= end  # type: ignore[operator]

    def columns(self, periods: Sequence[Period], labels: Sequence[str | None]) -> Columns:
        """The groups' rows, with these labels (none without keys)."""
        values = _folded(self.counts, self.days, self.bounds, len(self.keys))
        return Columns(periods, self.keys, labels, MEASURES, values)

    def total_columns(self, periods: Sequence[Period]) -> Columns:
        """The total's rows, one per period."""
        return Columns(periods, [None], [TOTAL], MEASURES, _folded(self.total_counts, self.total_days, self.bounds, 1))


def _first_day(stay: Stay) -> int:
    return stay[3]


def _folded(counts: list[int], days: list[int], bounds: Sequence[int], size: int) -> list[list[int]]:
    """The measures' columns (period by period, `size` groups each) from the sums of changes per code (`_Sums`).

    Prefix sums over the periods, a whole period's groups at a time.
    """
    changes, day_sum = [0] * size, [0] * size  # of the changes in the periods before this one, per group
    at_starts: list[int] = []
    residents: list[int] = []
    person_days: list[int] = []
    for index in range(len(bounds) - 1):
        first, after = bounds[index], bounds[index + 1]
        at = 4 * index * size
        c0, c1, c2, c3 = (counts[at + n * size : at + (n + 1) * size] for n in range(4))
        d0, d1, d2, d3 = (days[at + n * size : at + (n + 1) * size] for n in range(4))
        at_start = [c + on_first for c, on_first in zip(changes, c2, strict=True)]
        at_starts += at_start
        residents += [a + new for a, new in zip(at_start, c1, strict=True)]
        # Person-days before a day D: the sum of v * (D - x) over the changes v on days x before D.
        before_first = [first * c - d for c, d in zip(changes, day_sum, strict=True)]
        changes = [c + a + b + e + f for c, a, b, e, f in zip(changes, c0, c1, c2, c3, strict=True)]
        day_sum = [d + a + b + e + f for d, a, b, e, f in zip(day_sum, d0, d1, d2, d3, strict=True)]
        person_days += [after * c - d - b for c, d, b in zip(changes, day_sum, before_first, strict=True)]
    return [at_starts, residents, person_days]


def _stays(asked: PeriodQuestion) -> Select[Any]:
    """The stays that share a day with the report: for the total (1, 0 with the groups' own), worker, key, days."""
    first, last = asked.periods[0].start, asked.periods[-1].end

    def read(group_by: ReportGroup | None, for_total: int) -> Select[Any]:
        s = stays(group_by, asked.as_known_at, first, last)
        return select(
            number(for_total).label("for_total"),
            s.c.worker_id,
            s.c.group_key,
            day_number(s.c.valid_from).label("start"),
            day_number(s.c.valid_to).label("end"),
        )

    if asked.group_by in _APART:
        return union_all(read(asked.group_by, 0), read(None, 1))  # type: ignore[return-value]
    return read(asked.group_by, 0)
