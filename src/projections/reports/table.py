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

A table's rows may be kept as columns (`Columns`): a row per period by group,
made only when asked for one. A table by location over a year by month has
some 200 000 rows at 100 000 workers, and a Python object each (a row and a
dict of its measures) cost most of a report's second; the formats write the
columns out as they are (`cells`, docs/reports.md, *Speed*).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import islice
from typing import overload

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


# One row as the formats write it: period start and end, key, label, the measures in the table's order, suppressed.
Cells = tuple[date, date, str | None, str | None, Sequence[Measure], bool]


class Columns(Sequence[ReportRow]):
    """Rows kept as columns: every period by every key, in period and then key order (rectangular).

    `values` holds one column per measure (in `measures`' order), each with a
    value per row: row n is period n // len(keys), key n % len(keys). A
    `ReportRow` is made only when one is asked for (by index or iteration);
    `cells` gives the rows without making one each.
    """

    __slots__ = ("keys", "labels", "measures", "periods", "values")

    def __init__(
        self,
        periods: Sequence[Period],
        keys: Sequence[str | None],
        labels: Sequence[str | None],
        measures: Sequence[str],
        values: Sequence[Sequence[Measure]],
    ) -> None:
        """Rows of `periods` by `keys` (with their `labels`), the measures' `values` a column each."""
        self.periods, self.keys, self.labels = periods, keys, labels
        self.measures, self.values = tuple(measures), values

    def __len__(self) -> int:
        return len(self.periods) * len(self.keys)

    @overload
    def __getitem__(self, index: int) -> ReportRow: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[ReportRow]: ...

    def __getitem__(self, index: int | slice) -> ReportRow | Sequence[ReportRow]:
        if isinstance(index, slice):
            return [self[n] for n in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        period, key = divmod(index, len(self.keys))
        at = self.periods[period]
        measures = dict(zip(self.measures, (column[index] for column in self.values), strict=True))
        return ReportRow(at.start, at.end, self.keys[key], self.labels[key], measures)

    def __iter__(self) -> Iterator[ReportRow]:
        for start, end, key, label, values, _ in self.cells():
            yield ReportRow(start, end, key, label, dict(zip(self.measures, values, strict=True)))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Sequence)
            and len(self) == len(other)
            and all(a == b for a, b in zip(self, other, strict=True))
        )

    __hash__ = None  # type: ignore[assignment]

    # As the tuple of rows a table held before (the report page's template joins rows and totals so).
    def __add__(self, other: Sequence[ReportRow]) -> tuple[ReportRow, ...]:
        return (*self, *other)

    def __radd__(self, other: Sequence[ReportRow]) -> tuple[ReportRow, ...]:
        return (*other, *self)

    def cells(self) -> Iterator[Cells]:
        """Each row's cells, in order, without a `ReportRow` or a dict each."""
        values = zip(*self.values, strict=True)
        width = len(self.keys)
        for period in self.periods:
            start, end = period.start, period.end
            for key, label, measures in zip(self.keys, self.labels, islice(values, width), strict=True):
                yield start, end, key, label, measures, False

    def labelled(self, labels: Mapping[str, str | None]) -> Columns:
        """The same rows with each key's label from `labels` (keys not in it keep theirs)."""
        relabelled = [
            label if key is None or key not in labels else labels[key]
            for key, label in zip(self.keys, self.labels, strict=True)
        ]
        return Columns(self.periods, self.keys, relabelled, self.measures, self.values)


def cells(rows: Sequence[ReportRow], measures: Sequence[str]) -> Iterator[Cells]:
    """The rows' cells in order, the measures in `measures`' order (None where a row has none)."""
    if isinstance(rows, Columns) and rows.measures == tuple(measures):
        yield from rows.cells()
        return
    for row in rows:
        got = row.measures
        yield (
            row.period_start,
            row.period_end,
            row.group_key,
            row.group_label,
            [got.get(m) for m in measures],
            row.suppressed,
        )


@dataclass(frozen=True)
class ReportTable:
    """A report's rows and totals, the names of its measures in column order, and those that count persons."""

    report: str
    measures: tuple[str, ...]
    rows: Sequence[ReportRow]
    totals: Sequence[ReportRow] = ()
    people: tuple[str, ...] = ()
    group_by: ReportGroup | None = None

    def with_rows(self, rows: Iterable[ReportRow], totals: Iterable[ReportRow]) -> ReportTable:
        """The same table with other rows and totals."""
        return replace(self, rows=tuple(rows), totals=tuple(totals))

    def group_keys(self) -> list[str]:
        """The group keys of the rows (and of the totals of groups), once each, in order."""
        return list(dict.fromkeys(key for part in (self.rows, self.totals) for key in _keys(part) if key is not None))

    def labelled(self, labels: Mapping[str, str | None]) -> ReportTable:
        """The table with each group's label from `labels` (by key); keys not in it keep theirs."""

        def label(row: ReportRow) -> ReportRow:
            if row.group_key is None or row.group_key not in labels:
                return row
            return ReportRow(
                row.period_start, row.period_end, row.group_key, labels[row.group_key], row.measures, row.suppressed
            )

        def relabelled(rows: Sequence[ReportRow]) -> Sequence[ReportRow]:
            return rows.labelled(labels) if isinstance(rows, Columns) else tuple(map(label, rows))

        return replace(self, rows=relabelled(self.rows), totals=relabelled(self.totals))


def _keys(rows: Sequence[ReportRow]) -> Iterable[str | None]:
    return rows.keys if isinstance(rows, Columns) else (row.group_key for row in rows)


def found_columns(
    report_periods: Sequence[Period],
    found: Iterable[tuple[int, str, str, Measure]],
    measures: Sequence[str],
    labels: Callable[[list[str]], Mapping[str, str | None]],
) -> Columns:
    """A row for every period by every group found in any period (zeros where a group had nothing), in key order.

    `found` holds each (period index, group key, measure, value) found;
    `labels` gives the keys' labels (it is asked once, with every key). Each
    value goes straight into its column: a table by location has some 200 000
    rows at 100 000 workers, and no row or dict is made for one.
    """
    cells = list(found)
    keys = sorted({key for _, key, _, _ in cells})
    place, size = {key: n for n, key in enumerate(keys)}, len(keys)
    values: dict[str, list[Measure]] = {name: [0] * (len(report_periods) * size) for name in measures}
    for index, key, name, value in cells:
        values[name][index * size + place[key]] = value
    named = labels(keys)
    return Columns(report_periods, keys, [named.get(key) for key in keys], measures, [values[m] for m in measures])


def rectangular(
    report_periods: Sequence[Period],
    found: Mapping[tuple[int, str], Mapping[str, Measure]],
    measures: Sequence[str],
    labels: Mapping[str, str | None],
) -> Columns:
    """`found_columns` of `found` by (period index, group key), the measures found in each."""
    cells = ((index, key, name, value) for (index, key), cell in found.items() for name, value in cell.items())
    return found_columns(report_periods, cells, measures, lambda _: labels)


def totals_rows(
    report_periods: Sequence[Period], found: Mapping[int, Mapping[str, Measure]], measures: Sequence[str]
) -> Columns:
    """One total row per period (zeros where nothing was found)."""
    values = [[found.get(index, {}).get(name, 0) for index in range(len(report_periods))] for name in measures]
    return Columns(report_periods, [None], [TOTAL], measures, values)
