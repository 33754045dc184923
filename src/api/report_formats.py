"""A report table as the client asks for it by `Accept`: JSON (the default), CSV or XLSX; 406 for anything else.

- **CSV** (RFC 4180): comma-separated, CRLF after every record, fields quoted
  where they hold a comma, a quote or a line break; UTF-8 with a byte-order
  mark, so that spreadsheet programs read the accents of names and streets.
  The columns are `periodStart`, `periodEnd` (ISO dates), `groupKey`,
  `groupLabel`, then the measures named as in JSON; a suppressed measure is
  `<5`, an unknown one empty.
- **XLSX** (openpyxl): one sheet named after the report, the same columns,
  typed cells — dates as dates, counts and amounts as numbers, `<5` as text.

A label comes from what employers typed (a trade name): a text cell that a
spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`, a tab
or a carriage return) is written as text — in CSV with a `'` before it, as
OWASP's *CSV Injection* advises, in XLSX as a string cell. Counts and dates
are never text, so they are never changed.

Negotiation follows RFC 9110 § 12.5.1 (media ranges, `q`), by
python-mimeparse; of equal preference JSON wins, so `*/*` is JSON.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import mimeparse
from fastapi import HTTPException, Response, status
from openpyxl import Workbook
from openpyxl.cell import Cell as XlsxCell
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from projections.reports.table import ReportTable, cells

JSON = "application/json"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# In increasing preference: a tie (`*/*`, or no preference said) goes to the last, JSON.
OFFERED = (XLSX, CSV, JSON)
EXTENSIONS = {CSV: "csv", XLSX: "xlsx"}

# What a suppressed measure reads in CSV and XLSX (fewer than five persons).
SUPPRESSED = "<5"
# A text cell starting so would be run as a formula by a spreadsheet program.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = date | str | int | float | Decimal | None


def negotiate(accept: str | None) -> str:
    """The media type to answer with for this `Accept` header (None or empty: JSON); 406 when none of the three."""
    if accept is None or not accept.strip():
        return JSON
    try:
        chosen = str(mimeparse.best_match(list(OFFERED), accept))
    except ValueError:  # MimeTypeParseException: a media range without a type and subtype
        chosen = ""
    if not chosen:
        raise HTTPException(
            status.HTTP_406_NOT_ACCEPTABLE,
            detail=f"a report is given as {JSON}, {CSV} or {XLSX}; the Accept header names none of them",
        )
    return chosen


def columns(table: ReportTable) -> list[str]:
    """The header of the CSV and XLSX files."""
    return ["periodStart", "periodEnd", "groupKey", "groupLabel", *table.measures]


def records(table: ReportTable) -> Iterator[list[Cell]]:
    """Each row and then each total, as cells in the order of `columns` (a suppressed measure `<5`).

    From the table's columns as they are kept (`projections.reports.table.cells`): no row object each.
    """
    withheld = [SUPPRESSED] * len(table.measures)
    for part in (table.rows, table.totals):
        for start, end, key, label, measures, suppressed in cells(part, table.measures):
            yield [start, end, key, label, *(withheld if suppressed else measures)]


def csv_bytes(table: ReportTable) -> bytes:
    """The table as RFC 4180 CSV in UTF-8 with a byte-order mark."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n")  # comma, minimal quoting, CRLF
    writer.writerow(columns(table))
    for record in records(table):
        writer.writerow([_csv_text(cell) for cell in record])
    return out.getvalue().encode("utf-8-sig")


def _csv_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, str):
        return f"'{cell}" if cell != SUPPRESSED and cell.startswith(_FORMULA_STARTS) else cell
    return str(cell)


def xlsx_bytes(table: ReportTable) -> bytes:
    """The table as a workbook of one sheet, named after the report, with typed cells."""
    book = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = book.create_sheet(title=table.report[:31])  # a sheet's name has at most 31
    sheet.append(columns(table))
    for record in records(table):
        sheet.append([_xlsx_cell(sheet, cell) for cell in record])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell) -> XlsxCell | Cell:
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl would take a text starting with `=` for a formula
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet)
        cell.value = value  # a date cell: a number with a date format
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value


def file_response(table: ReportTable, media_type: str, name: str) -> Response:
    """The table as a CSV or XLSX download named `name` (with the extension of its type)."""
    body = csv_bytes(table) if media_type == CSV else xlsx_bytes(table)
    headers = {"Content-Disposition": f'attachment; filename="{name}.{EXTENSIONS[media_type]}"', "Vary": "Accept"}
    return Response(body, media_type=f"{CSV}; charset=utf-8" if media_type == CSV else XLSX, headers=headers)
