"""Small-cell suppression: a report as it may leave the municipality (`disclosure=public`).

The rule is issue 18's (docs/reports.md, *Disclosure*): the threshold rule
for frequency tables of persons, with secondary suppression so that a
suppressed cell cannot be worked back from a total (Hundepool et al.,
*Statistical Disclosure Control*, Wiley 2012, the chapter on frequency
tables):

1. **Primary.** A row in which a measure that counts persons (the table's
   `people`, for headcounts `headcountAtStart` and `distinctResidents`) is 1
   to 4 is suppressed: every measure `None`, `suppressed` true. Zero is shown:
   that nobody lived somewhere points at no one.
2. **Secondary.** Where a period has exactly one suppressed row, the total of
   the period less the rows shown would give it back; so the next-smallest row
   of that period (by its largest count of persons, then by key; never a row
   of zeros, which would protect nothing) is suppressed too.
3. **Totals.** A period's total is shown only when no suppressed row can be
   derived from it: not when the period still has exactly one suppressed row
   (it had no other row to pair it with), nor when the total itself counts 1
   to 4 persons.

Each period is treated on its own: a row of one period says nothing about
another's (the periods do not add up to anything a report shows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from enum import StrEnum

from projections.reports.table import ReportRow, ReportTable

# A count of persons this small can point at someone (1 to 4).
SMALLEST_SHOWN = 5


class Disclosure(StrEnum):
    """Who a report is for (the API's `disclosure`): the municipality's staff, or anyone (suppressed)."""

    INTERNAL = "internal"
    PUBLIC = "public"


def is_small(row: ReportRow, people: Sequence[str]) -> bool:
    """Whether a measure of `row` that counts persons is 1 to 4."""
    return any(_count(row, name) in range(1, SMALLEST_SHOWN) for name in people)


def suppress(table: ReportTable) -> ReportTable:
    """The table with small rows suppressed (primary and secondary) and underivable totals only."""
    people = table.people
    # Made once: rows kept as columns are made anew each time they are read, and are told apart by identity below.
    shown = list(table.rows)
    by_period: defaultdict[date, list[ReportRow]] = defaultdict(list)
    for row in shown:
        by_period[row.period_start].append(row)
    hidden: set[int] = set()  # the rows' positions in `shown`
    single: set[date] = set()  # periods left with exactly one suppressed row
    index = {id(row): n for n, row in enumerate(shown)}
    for start, rows in by_period.items():
        small = [row for row in rows if is_small(row, people)]
        if len(small) == 1:
            others = [row for row in rows if row is not small[0] and _size(row, people) > 0]
            if others:
                small.append(min(others, key=lambda row: (_size(row, people), row.group_key or "")))
        hidden |= {index[id(row)] for row in small}
        if len(small) == 1:
            single.add(start)
    rows = [_withheld(row) if n in hidden else row for n, row in enumerate(shown)]
    totals = [
        _withheld(total) if total.period_start in single or is_small(total, people) else total for total in table.totals
    ]
    return table.with_rows(rows, totals)


def suppressed_rows(rows: Iterable[ReportRow]) -> list[ReportRow]:
    """The rows that are suppressed."""
    return [row for row in rows if row.suppressed]


def _withheld(row: ReportRow) -> ReportRow:
    return replace(row, measures=dict.fromkeys(row.measures), suppressed=True)


def _count(row: ReportRow, name: str) -> int:
    value = row.measures.get(name)
    return int(value) if value is not None else 0


def _size(row: ReportRow, people: Sequence[str]) -> int:
    """A row's largest count of persons: the smallest rows are the ones paired with a suppressed one."""
    return max((_count(row, name) for name in people), default=0)
