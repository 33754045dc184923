"""Rapportages (`/rapportages`): each report of issue 18 as a chart and a table, with CSV and XLSX downloads.

The question (`web.report_data`: report, period, interval, grouping,
disclosure, and the time-travel control's `on` and `asKnownAt`) is the API's
(`GET /api/v1/reports/…`), checked by its rules; a refusal is shown at its
field in the page's language (400, no table). The chart is an SVG image of its
own (`/rapportages/grafiek.svg`, `web.charts`) of the totals; the downloads
(`/rapportages/bestand.csv`, `.xlsx`) are the API's files for the same question,
written by the same code (`api.report_formats`). Reports count workers and
show none: no route here writes a processing-log line (docs/reports.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from babel.dates import format_date
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.auth import Principal
from api.deps import ServicesDep
from api.policy import REPORTS
from api.report_formats import CSV, XLSX, file_response
from api.services import Services
from projections.reports.periods import Interval
from projections.reports.table import ReportRow, ReportTable
from web.access import page_user
from web.charts import CHART_CSP, report_chart
from web.errors import error_page
from web.fields import Fields
from web.i18n import translations
from web.locations import travel_context
from web.moment import time_travel
from web.report_data import CHARTED, GROUPED, Report, ReportQuestion, read_question, report_table
from web.report_names import DISCLOSURES, GROUPS, INTERVALS, MEASURES, REPORT_NAMES, translated
from web.templating import page_language, query, render

router = APIRouter(include_in_schema=False)

# Whoever the API's report routes admit (api.policy.REPORTS: the municipality's staff).
ReportPage = Annotated[Principal, Depends(page_user(REPORTS))]
QUESTION_FIELDS = ("report", "from", "to", "interval", "groupBy", "disclosure")


def _asked(request: Request, services: Services) -> tuple[Fields, ReportQuestion, dict[str, object]]:
    travel = time_travel(request, services)
    fields = Fields(request.query_params)
    question = read_question(fields, travel.moment)
    context: dict[str, object] = {**travel_context(request, services, travel), "fields": fields, "question": question}
    return fields, question, context


def _same_question(request: Request) -> str:
    """The query string of the question and moment asked (for the chart and the downloads)."""
    params = request.query_params
    return query(**{name: params.get(name) for name in (*QUESTION_FIELDS, "on", "asKnownAt")})


@router.get("/rapportages")
def reports_page(request: Request, services: ServicesDep, _: ReportPage) -> Response:
    """The report asked (default: housed workers per month over the last twelve months), as chart and table."""
    fields, question, context = _asked(request, services)
    gettext = translations(page_language(request)).gettext
    context.update(
        {
            "reports": list(Report),
            "intervals": list(Interval),
            "grouped": [r.value for r in GROUPED],
            "measure_names": translated(MEASURES, gettext),
            "report_names": translated(REPORT_NAMES, gettext),
            "interval_names": translated(INTERVALS, gettext),
            "group_names": translated(GROUPS, gettext),
            "disclosure_names": translated(DISCLOSURES, gettext),
            "table": None,
            "plain": _data_value,
            "period_label": lambda row: _period_text(row, page_language(request)),
            "same": _same_question(request),
        }
    )
    travel = context["travel"]
    if fields.errors or getattr(travel, "errors", None):
        return render(request, "reports.html", context, status=400)
    context["table"] = report_table(services, question)
    return render(request, "reports.html", context)


@router.get("/rapportages/grafiek.svg")
def report_chart_image(request: Request, services: ServicesDep, _: ReportPage) -> Response:
    """The report's totals per period as a bar chart, one bar per charted measure."""
    fields, question, context = _asked(request, services)
    if fields.errors or getattr(context["travel"], "errors", None):
        return error_page(request, 400)
    table = report_table(services, question)
    whole = table.totals or table.rows  # a report without groups has one row per period and no totals
    language = page_language(request)
    gettext = translations(language).gettext
    svg = report_chart(
        [_period_label(row.period_start, question, language) for row in whole],
        {
            gettext(MEASURES[name]): [_plain(row.measures.get(name)) for row in whole]
            for name in CHARTED[question.report]
        },
        title=gettext(REPORT_NAMES[question.report.value]),
    )
    return Response(svg, media_type="image/svg+xml", headers={"Content-Security-Policy": CHART_CSP})


@router.get("/rapportages/bestand.csv")
def report_csv(request: Request, services: ServicesDep, _: ReportPage) -> Response:
    """The report as the API's CSV file for the same question."""
    return _download(request, services, CSV)


@router.get("/rapportages/bestand.xlsx")
def report_xlsx(request: Request, services: ServicesDep, _: ReportPage) -> Response:
    """The report as the API's XLSX file for the same question."""
    return _download(request, services, XLSX)


def _download(request: Request, services: Services, media_type: str) -> Response:
    fields, question, context = _asked(request, services)
    if fields.errors or getattr(context["travel"], "errors", None):
        return error_page(request, 400)  # the page shows why, at the field; a link from it is never refused
    table: ReportTable = report_table(services, question)
    return file_response(table, media_type, question.file_name)


def _data_value(value: object) -> str:
    """A measure as the API's JSON gives it (an amount as a number), for the table's `data-value`."""
    plain = _plain(value) if isinstance(value, Decimal) else value
    return "" if plain is None else str(plain)


def _period_text(row: ReportRow, language: str) -> str:
    first, last = (format_date(day, format="medium", locale=language) for day in (row.period_start, row.period_end))
    return first if row.period_start == row.period_end else f"{first} - {last}"


def _plain(value: object) -> float | None:
    return float(value) if isinstance(value, int | float | Decimal) else None


def _period_label(start: date, question: ReportQuestion, language: str) -> str:
    if question.report is Report.CAPACITY:
        return format_date(question.moment.on, format="medium", locale=language)
    pattern = {Interval.MONTH: "MMM yy", Interval.YEAR: "yyyy", Interval.QUARTER: "QQQ yyyy"}.get(
        question.interval, "d MMM"
    )
    return format_date(start, format=pattern, locale=language)
