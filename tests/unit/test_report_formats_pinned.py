"""A report's JSON, CSV and XLSX bytes, pinned: the same table gives the same bytes as when they were first written.

The digests were taken from the code that made a Python object per row (6
December 2026, before the tables were kept as columns); a change in how a
table is kept or written out must not change one byte of what a client gets.
XLSX is compared by its sheet's XML: the workbook's own properties carry the
instant it was written. A table kept as columns gives the bytes of the same
table kept as rows.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from api.report_formats import CSV, JSON, XLSX
from api.reporting import PeriodAsk, answer_periods
from api.schemas.reports import ReportRowPublic, rows_json
from projections.reports.periods import Interval, Period
from projections.reports.suppression import Disclosure, suppress
from projections.reports.table import TOTAL, Columns, Measure, ReportGroup, ReportRow, ReportTable

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


def as_columns(table: ReportTable) -> ReportTable:
    """The same table with its rows and totals kept as columns, as the period reports keep them."""
    values = [[row.measures[m] for row in table.rows] for m in MEASURES]
    rows = Columns(PERIODS, list(LABELS), list(LABELS.values()), MEASURES, values)
    totals = Columns(PERIODS, [None], [TOTAL], MEASURES, [[t.measures[m] for t in table.totals] for m in MEASURES])
    return replace(table, rows=rows, totals=totals)


@pytest.mark.parametrize("media_type", [JSON, CSV, XLSX])
def test_a_table_kept_as_columns_gives_the_same_bytes(media_type: str) -> None:
    table = a_table()
    columns = as_columns(table)

    assert tuple(columns.rows) == table.rows and list(columns.totals) == list(table.totals)
    assert [columns.rows[n] for n in range(len(table.rows))] == list(table.rows)
    assert digest(columns, media_type) == digest(table, media_type)


def test_columns_are_labelled_and_suppressed_as_rows_are() -> None:
    table, columns = a_table(), as_columns(a_table())
    relabel = {"a1": "Dorpsstraat 12", "zz": "nowhere"}

    assert list(columns.labelled(relabel).rows) == list(table.labelled(relabel).rows)
    assert columns.group_keys() == table.group_keys() == list(LABELS)
    assert list(suppress(columns).rows) == list(suppress(table).rows)
    assert list(suppress(columns).totals) == list(suppress(table).totals)


def test_the_rows_json_is_what_the_model_dumps() -> None:
    for table in (a_table(), a_table(suppressed=True), as_columns(a_table())):
        for rows in (table.rows, table.totals):
            dumped = [ReportRowPublic.of(row).model_dump(mode="json", by_alias=True) for row in rows]
            assert rows_json(rows) == dumped
