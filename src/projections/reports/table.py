"""The one shape of every report: rows of (period, group, measures), the totals beside them.

A row is one period by one group: `period_start` and `period_end` (inclusive),
`group_key` (the id or code the report groups by; None in a total of all
groups) and `group_label` (what a person reads beside the key: an employer's
name, a location's address; `TOTAL` for a total), the measures by name, and
whether the row is `suppressed` (small-cell suppression: `suppression`).
Measures are whole numbers, amounts (`Decimal`) or ratios (`float`); `None`
is unknown, or withheld in a suppressed row.

A table also says which of its measures count persons (`people`): those
decide whether a row is small enough to point at someone. A table is
rectangular: every group has a row in every period, with zeros where nothing
happened, so that a spreadsheet of it has no holes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from projections.reports.periods import Period

Measure = int | float | Decimal | None

# The label of a total row (its key is None).
TOTAL = "Total"


class ReportGroup(StrEnum):
    """What a report's rows are grouped by (the API's `groupBy`)."""

    HOUSING_LOCATION = "housingLocation"
    EMPLOYER = "employer"
    NATIONALITY = "nationality"
    POSTCODE_AREA = "postcodeArea"  # the four digits of the location's postcode
    KIND = "kind"  # the location's kind (`ledger.domain.values.HousingKind`)


# Groups of one location or one employer can hold a single household or a handful of people: a table
# grouped so never leaves the municipality (`disclosure=public` is refused with them: docs/reports.md).
IDENTIFYING_GROUPS = frozenset({ReportGroup.HOUSING_LOCATION, ReportGroup.EMPLOYER})


@dataclass(frozen=True)
class PeriodQuestion:
    """What a period report is asked: its periods, its grouping (None: none) and the instant it is as known at."""

    periods: Sequence[Period]
    group_by: ReportGroup | None
    as_known_at: datetime


@dataclass(frozen=True)
class ReportRow:
    """One period by one group (or the total of a period: `group_key` None)."""

    period_start: date
    period_end: date
    group_key: str | None
    group_label: str | None
    measures: Mapping[str, Measure]
    suppressed: bool = False


@dataclass(frozen=True)
class ReportTable:
    """A report's rows and totals, the names of its measures in column order, and those that count persons."""

    report: str
    measures: tuple[str, ...]
    rows: tuple[ReportRow, ...]
    totals: tuple[ReportRow, ...] = ()
    people: tuple[str, ...] = ()
    group_by: ReportGroup | None = None

    def with_rows(self, rows: Iterable[ReportRow], totals: Iterable[ReportRow]) -> ReportTable:
        """The same table with other rows and totals."""
        return replace(self, rows=tuple(rows), totals=tuple(totals))

    def group_keys(self) -> list[str]:
        """The group keys of the rows (and of the totals of groups), once each, in order."""
        return list(dict.fromkeys(r.group_key for r in (*self.rows, *self.totals) if r.group_key is not None))

    def labelled(self, labels: Mapping[str, str | None]) -> ReportTable:
        """The table with each group's label from `labels` (by key); keys not in it keep theirs."""

        def label(row: ReportRow) -> ReportRow:
            if row.group_key is None or row.group_key not in labels:
                return row
            # Made anew rather than by `dataclasses.replace`, which costs several times more: a table by
            # location has a row per location and period (some 200 000 a year by month at 100 000 workers).
            return ReportRow(
                row.period_start, row.period_end, row.group_key, labels[row.group_key], row.measures, row.suppressed
            )

        return self.with_rows(map(label, self.rows), map(label, self.totals))


def rectangular(
    report_periods: Sequence[Period],
    found: Mapping[tuple[int, str], Mapping[str, Measure]],
    measures: Sequence[str],
    labels: Mapping[str, str | None],
) -> list[ReportRow]:
    """A row for every period by every group found in any period (zeros where a group had nothing), in key order.

    `found` maps (period index, group key) to the measures found; a cell that
    has every measure becomes its row's measures as it is (a table by location
    has some 200 000 rows at 100 000 workers: no copy each).
    """
    keys = sorted({key for _, key in found})
    zero = dict.fromkeys(measures, 0)
    rows = []
    for index, period in enumerate(report_periods):
        start, end = period.start, period.end
        for key in keys:
            cell = found.get((index, key))
            if cell is None:
                cell = dict(zero)
            elif len(cell) != len(zero):
                cell = {**zero, **cell}
            rows.append(ReportRow(start, end, key, labels.get(key), cell))
    return rows


def totals_rows(
    report_periods: Sequence[Period], found: Mapping[int, Mapping[str, Measure]], measures: Sequence[str]
) -> list[ReportRow]:
    """One total row per period (zeros where nothing was found)."""
    zero = dict.fromkeys(measures, 0)
    return [
        ReportRow(period.start, period.end, None, TOTAL, {**zero, **found.get(index, {})})
        for index, period in enumerate(report_periods)
    ]
