"""A report's JSON, CSV and XLSX bytes, pinned: the same table gives the same bytes as when they were first written.

The digests were taken from the code that made a Python object per row (6
December 2026, before the tables were kept as columns); a change in how a
table is kept or written out must not change one byte of what a client gets.
XLSX is compared by its sheet's XML: the workbook's own properties carry the
instant it was written.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from api.report_formats import CSV, JSON, XLSX
from api.reporting import PeriodAsk, answer_periods
from projections.reports.periods import Interval, Period
from projections.reports.suppression import Disclosure
from projections.reports.table import TOTAL, Measure, ReportGroup, ReportRow, ReportTable

MEASURES = ("headcountAtStart", "distinctResidents", "personDays", "amountEur", "utilisation")
PERIODS = [Period(date(2026, 3, 10), date(2026, 3, 31)), Period(date(2026, 4, 1), date(2026, 4, 30))]
LABELS = {"a1": 'Bouw & Zn, "De Ster"', "b2": '=HYPERLINK("x")', "c3": "Ĳsselmeer Uitzend", "d4": None}


def _measures(n: int) -> dict[str, Measure]:
    values: tuple[Measure, ...] = (n, n + 3, 31 * n, Decimal(f"{n * 125}.50") if n % 2 else None, n / 8 if n else None)
    return dict(zip(MEASURES, values, strict=True))


def a_table(*, suppressed: bool = False) -> ReportTable:
    rows = []
    for index, period in enumerate(PERIODS):
        for n, (key, label) in enumerate(LABELS.items()):
            hidden = suppressed and n == 1
            measures = dict.fromkeys(MEASURES) if hidden else _measures(index * 4 + n)
            rows.append(ReportRow(period.start, period.end, key, label, measures, hidden))
    totals = [ReportRow(p.start, p.end, None, TOTAL, _measures(9 + i)) for i, p in enumerate(PERIODS)]
    return ReportTable("headcounts", MEASURES, tuple(rows), tuple(totals), MEASURES[:2], ReportGroup.HOUSING_LOCATION)


def asked(disclosure: Disclosure) -> PeriodAsk:
    return PeriodAsk(
        first=PERIODS[0].start,
        last=PERIODS[-1].end,
        interval=Interval.MONTH,
        periods=PERIODS,
        group_by=ReportGroup.HOUSING_LOCATION,
        disclosure=disclosure,
        as_known_at=datetime(2026, 5, 1, 12, tzinfo=UTC) + timedelta(microseconds=250),
    )


def digest(table: ReportTable, media_type: str) -> str:
    body = bytes(answer_periods(None, table, asked(Disclosure.INTERNAL), media_type).body)  # type: ignore[arg-type]
    if media_type == XLSX:
        body = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml")
    return hashlib.sha256(body).hexdigest()[:16]


@pytest.mark.parametrize(
    ("media_type", "suppressed", "pinned"),
    [
        (JSON, False, "aa95101d96708f63"),
        (JSON, True, "4818daae980c92b3"),
        (CSV, False, "8da732b08e066d50"),
        (CSV, True, "5f10319903acd33f"),
        (XLSX, False, "f55d0626196d1d78"),
        (XLSX, True, "2bc033e74da741e4"),
    ],
)
def test_the_bytes_of_each_format_are_as_pinned(media_type: str, suppressed: bool, pinned: str) -> None:
    assert digest(a_table(suppressed=suppressed), media_type) == pinned
