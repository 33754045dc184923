"""What every report route shares: its parameters resolved and checked, and its table answered in the format asked.

A period report takes `from`, `to` (inclusive dates), `interval`, `groupBy`,
`disclosure`, `asKnownAt` and `minPosition` (`PeriodAsk`, resolved by
`period_ask`: 400 naming `to` for a span that ends before it starts or has
too many periods, naming `groupBy` for a public table grouped by location or
employer). `answer` labels the groups (employers' names, locations'
addresses), suppresses small cells for `disclosure=public`, and answers JSON,
CSV or XLSX by `Accept` (406 for anything else: `api.report_formats`).

Reports are counts: no route here writes a processing-log line (docs/reports.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from api.deps import ServicesDep
from api.parameters import AsKnownAt, moment
from api.report_formats import CSV, JSON, XLSX, file_response, negotiate
from api.schemas.common import ApiModel
from api.schemas.reports import PeriodReportPublic, report_json
from api.schemas.workers import IsoDate
from ledger.errors import RuleViolated
from projections.reports.periods import Interval, Period, periods
from projections.reports.suppression import Disclosure, suppress
from projections.reports.table import IDENTIFYING_GROUPS, ReportGroup, ReportTable

# The 200 answer's other media types, for the OpenAPI document (JSON is the route's model).
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: JSON by default; CSV or XLSX when `Accept` asks for it.",
        "content": {
            CSV: {"schema": {"type": "string", "description": "RFC 4180, UTF-8 with a byte-order mark."}},
            XLSX: {"schema": {"type": "string", "format": "binary", "description": "One sheet, typed cells."}},
        },
    }
}

First = Annotated[IsoDate, Query(alias="from", description="The first day reported on, `YYYY-MM-DD`.")]
Last = Annotated[IsoDate, Query(alias="to", description="The last day reported on (inclusive), `YYYY-MM-DD`.")]
IntervalQuery = Annotated[
    Interval,
    Query(description="How long each period is: calendar days, ISO weeks, months, quarters or years, cut to the span."),
]
GroupByQuery = Annotated[ReportGroup | None, Query(alias="groupBy", description="What to count per; none: per period.")]
DisclosureQuery = Annotated[
    Disclosure,
    Query(
        description="`public` suppresses cells of 1 to 4 persons (and what would give them away), so that the"
        " table may leave the municipality; not with `groupBy` housingLocation or employer."
    ),
]


@dataclass(frozen=True)
class PeriodAsk:
    """A period report's question, checked."""

    first: date
    last: date
    interval: Interval
    periods: list[Period]
    group_by: ReportGroup | None
    disclosure: Disclosure
    as_known_at: datetime


def period_span(
    services: ServicesDep,
    first: First,
    last: Last,
    interval: IntervalQuery = Interval.MONTH,
    as_known_at: AsKnownAt = None,
) -> PeriodAsk:
    """The periods of a report that has no groups (internal): 400 naming `to` for a bad span."""
    return PeriodAsk(
        first=first,
        last=last,
        interval=interval,
        periods=periods(first, last, interval),
        group_by=None,
        disclosure=Disclosure.INTERNAL,
        as_known_at=moment(services, as_known_at=as_known_at).as_known_at,
    )


PeriodSpanDep = Annotated[PeriodAsk, Depends(period_span)]


def period_ask(
    span: PeriodSpanDep, group_by: GroupByQuery = None, disclosure: DisclosureQuery = Disclosure.INTERNAL
) -> PeriodAsk:
    """The periods and the rest of a period report's parameters; 400 naming the parameter for a bad one."""
    check_disclosure(disclosure, group_by)
    return replace(span, group_by=group_by, disclosure=disclosure)


PeriodAskDep = Annotated[PeriodAsk, Depends(period_ask)]


def check_disclosure(disclosure: Disclosure, group_by: ReportGroup | None) -> None:
    """A public table is never grouped by location or employer: such groups can be a household (400)."""
    if disclosure is Disclosure.PUBLIC and group_by in IDENTIFYING_GROUPS:
        raise RuleViolated.single(
            "group_by",
            "identifying_group",
            f"a table grouped by {group_by} can point at a few people: not with disclosure=public",
        )


def media_type(request: Request) -> str:
    """The media type the client accepts (406 when none of the reports')."""
    return negotiate(request.headers.get("accept"))


def answer_periods(services: ServicesDep, table: ReportTable, asked: PeriodAsk, chosen: str) -> Response:
    """A period report's table (labelled by its query), suppressed if public, in the media type chosen."""
    if asked.disclosure is Disclosure.PUBLIC:
        table = suppress(table)
    if chosen != JSON:
        return file_response(table, chosen, f"{table.report}-{asked.first.isoformat()}-{asked.last.isoformat()}")
    envelope = PeriodReportPublic.of(
        table,
        first=asked.first,
        last=asked.last,
        interval=asked.interval,
        disclosure=asked.disclosure,
        as_known_at=asked.as_known_at,
        with_rows=False,
    )
    return json_response(envelope, table)


def json_response(envelope: ApiModel, table: ReportTable) -> JSONResponse:
    """A report's JSON answer, its rows written from the table (it varies with `Accept`, as its other formats do)."""
    return JSONResponse(report_json(envelope, table), headers={"Vary": "Accept"})
