"""A report as JSON, CSV or XLSX by `Accept`, and the CSV and XLSX files read back: RFC 4180 text, typed cells."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from fastapi import HTTPException

from api.report_formats import CSV, JSON, XLSX, csv_bytes, negotiate, xlsx_bytes
from projections.reports.table import TOTAL, ReportRow, ReportTable

MEASURES = ("headcountAtStart", "personDays", "amountEur", "utilisation")


def a_table() -> ReportTable:
    rows = (
        ReportRow(
            date(2026, 3, 10),
            date(2026, 3, 31),
            "e1",
            'Bouw & Zn, "De Ster"',
            dict(zip(MEASURES, (7, 150, Decimal("1250.50"), 0.875), strict=True)),
        ),
        ReportRow(
            date(2026, 3, 10), date(2026, 3, 31), "e2", '=HYPERLINK("x")', dict.fromkeys(MEASURES), suppressed=True
        ),
        ReportRow(
            date(2026, 3, 10),
            date(2026, 3, 31),
            "e3",
            "Ĳsselmeer Uitzend",
            dict(zip(MEASURES, (0, 0, None, None), strict=True)),
        ),
    )
    totals = (
        ReportRow(
            date(2026, 3, 10),
            date(2026, 3, 31),
            None,
            TOTAL,
            dict(zip(MEASURES, (12, 300, Decimal("1250.50"), 0.5), strict=True)),
        ),
    )
    return ReportTable("headcounts", MEASURES, rows, totals, ("headcountAtStart",))


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        ("text/csv", CSV),
        ("text/*", CSV),
        ("text/csv;q=0.5, application/json", JSON),
        ("application/json;q=0.1, text/csv", CSV),
        (XLSX, XLSX),
        ("application/*;q=0.9, text/csv;q=0.1", JSON),
        ("text/html, */*;q=0.8", JSON),
    ],
)
def test_the_media_type_follows_accept(accept: str | None, chosen: str) -> None:
    assert negotiate(accept) == chosen


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "application/json;q=0", "nonsense"])
def test_an_accept_that_names_none_of_the_three_is_406(accept: str) -> None:
    with pytest.raises(HTTPException) as refused:
        negotiate(accept)
    assert refused.value.status_code == 406


def test_csv_is_rfc_4180_with_a_byte_order_mark_and_reads_back() -> None:
    body = csv_bytes(a_table())

    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, so spreadsheet programs read the accents
    text = body.decode("utf-8-sig")
    assert text.count("\r\n") == 5 and text.endswith("\r\n")  # CRLF after each record (RFC 4180 § 2)
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records[0] == ["periodStart", "periodEnd", "groupKey", "groupLabel", *MEASURES]
    assert records[1] == ["2026-03-10", "2026-03-31", "e1", 'Bouw & Zn, "De Ster"', "7", "150", "1250.50", "0.875"]
    # Suppressed: `<5` in each measure. A label a spreadsheet would run as a formula is written as text.
    assert records[2] == ["2026-03-10", "2026-03-31", "e2", '\'=HYPERLINK("x")', "<5", "<5", "<5", "<5"]
    assert records[3][3] == "Ĳsselmeer Uitzend"
    assert records[3][6:] == ["", ""]  # unknown is empty
    assert records[4] == ["2026-03-10", "2026-03-31", "", TOTAL, "12", "300", "1250.50", "0.5"]


def test_xlsx_has_one_sheet_with_typed_cells() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(a_table())))

    assert book.sheetnames == ["headcounts"]
    sheet = book["headcounts"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["periodStart", "periodEnd", "groupKey", "groupLabel", *MEASURES]
    first = values[1]
    assert first[:2] == [datetime(2026, 3, 10), datetime(2026, 3, 31)]  # dates, not text
    assert sheet.cell(row=2, column=1).is_date
    assert first[4:] == [7, 150, 1250.5, 0.875]
    assert all(isinstance(v, int | float) for v in first[4:])
    assert values[2][3] == '=HYPERLINK("x")'  # a string, never a formula
    assert sheet.cell(row=3, column=4).data_type == "s"
    assert values[2][4:] == ["<5"] * 4
    assert values[3][6:] == [None, None]
    assert values[4][2:4] == [None, TOTAL]
