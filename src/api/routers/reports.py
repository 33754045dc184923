"""Reports (issue 18): headcounts, flows and inspections over periods, capacity on a day; JSON, CSV or XLSX.

For the municipality's roles only (an employer is 403: docs/roles.md); counts
of persons, not data about one, so no processing-log line is written
(docs/reports.md). The parameters and the answer are `api.reporting`'s; the
queries `projections.reports`'.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response

from api.auth import Principal
from api.deps import FreshReads, ServicesDep
from api.parameters import MomentDep
from api.policy import REPORTS, allow
from api.report_formats import JSON, file_response
from api.reporting import REPORT_RESPONSES, PeriodAskDep, PeriodSpanDep, answer_periods, json_response, media_type
from api.routing import ApiRoute
from api.schemas.reports import CapacityReportPublic, PeriodReportPublic
from projections.labels import read_labels
from projections.reports.capacity import CapacityGroup, capacity_report
from projections.reports.flows import flows_report
from projections.reports.headcounts import headcounts_report
from projections.reports.inspections import inspections_report
from projections.reports.table import PeriodQuestion

router = APIRouter(prefix="/reports", tags=["reports"], route_class=ApiRoute)


@router.get("/headcounts", response_model=PeriodReportPublic, responses=REPORT_RESPONSES)
def headcounts(
    request: Request,
    services: ServicesDep,
    _principal: Annotated[Principal, Depends(allow(REPORTS))],
    _: FreshReads,
    asked: PeriodAskDep,
) -> Response:
    """Housed workers per period and group: at the period's start, on any day of it, and their days.

    `headcountAtStart`: living there on the period's first day;
    `distinctResidents`: living there on at least one day of the period;
    `personDays`: the days lived there within the period, summed. Exact, from
    the residence history as known at `asKnownAt`. The totals are counted, not
    summed: a worker who moved within a period is one resident of the total.
    """
    chosen = media_type(request)
    table = headcounts_report(
        services.ledger.database.engine, PeriodQuestion(asked.periods, asked.group_by, asked.as_known_at)
    )
    return answer_periods(services, table, asked, chosen)


@router.get("/flows", response_model=PeriodReportPublic, responses=REPORT_RESPONSES)
def flows(
    request: Request,
    services: ServicesDep,
    _principal: Annotated[Principal, Depends(allow(REPORTS))],
    _: FreshReads,
    asked: PeriodAskDep,
) -> Response:
    """Who came and went per period and group: registrations, stays begun and ended, contract ends, departures.

    `workersRegistered`: registrations recorded within the period, by what
    they said (the location, employer and nationality registered);
    `housingStarts`, `housingEnds`: stays that began or ended within it (a
    move ends one and starts another); `contractEnds`, `departures`: each
    worker's latest recorded, by where the worker was housed at the event.
    As known at `asKnownAt`.
    """
    chosen = media_type(request)
    question = PeriodQuestion(asked.periods, asked.group_by, asked.as_known_at)
    table = flows_report(services.ledger.database.engine, question, ZoneInfo(services.settings.timezone))
    return answer_periods(services, table, asked, chosen)


@router.get("/capacity", response_model=CapacityReportPublic, responses=REPORT_RESPONSES)
def capacity(
    request: Request,
    services: ServicesDep,
    _principal: Annotated[Principal, Depends(allow(REPORTS))],
    _: FreshReads,
    when: MomentDep,
    group_by: Annotated[
        CapacityGroup | None, Query(alias="groupBy", description="What the totals are grouped by; none: one total.")
    ] = None,
) -> Response:
    """Every housing location `on` a day: its permitted maximum, headcount, free places, overBy and utilisation.

    The locations over capacity first (the most over-full first); totals per
    postcode area or kind and of all locations. A maximum that is not known
    (no municipal limit, no floor area) leaves free places, overBy and
    utilisation unknown (`null`), never 0; a total adds up the locations whose
    maximum is known. As known at `asKnownAt`.
    """
    chosen = media_type(request)
    engine = services.ledger.database.engine
    table = capacity_report(
        engine, on=when.on, as_known_at=when.as_known_at, norms=services.settings.floor_area_norms_m2, group_by=group_by
    )
    found = read_labels(engine, locations=[UUID(row.group_key) for row in table.rows if row.group_key])
    table = table.labelled({key.hex: label for key, label in found.locations.items()})
    if chosen != JSON:
        return file_response(table, chosen, f"capacity-{when.on.isoformat()}")
    envelope = CapacityReportPublic.of(
        table, on=when.on, group_by=group_by, as_known_at=when.as_known_at, with_rows=False
    )
    return json_response(envelope, table)


@router.get("/inspections", response_model=PeriodReportPublic, responses=REPORT_RESPONSES)
def inspections(
    request: Request,
    services: ServicesDep,
    _principal: Annotated[Principal, Depends(allow(REPORTS))],
    _: FreshReads,
    asked: PeriodSpanDep,
) -> Response:
    """Inspections and sanctions per period: by outcome, findings by kind, sanctions by kind and against whom.

    `inspections` and one count per outcome (by the day inspected); one count
    per coded finding; `sanctions`, one count per kind and per whom they are
    against, and `amountEur`, their amounts summed (by the day imposed). As
    recorded by `asKnownAt`. One row per period; no groups.
    """
    chosen = media_type(request)
    table = inspections_report(services.ledger.database.engine, asked.periods, asked.as_known_at)
    return answer_periods(services, table, asked, chosen)
