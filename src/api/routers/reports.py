"""Reports (issue 18): headcounts and flows over periods, …, as JSON, CSV or XLSX.

For the municipality's roles only (an employer is 403: docs/roles.md); counts
of persons, not data about one, so no processing-log line is written
(docs/reports.md). The parameters and the answer are `api.reporting`'s; the
queries `projections.reports`'.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request, Response

from api.auth import Principal
from api.deps import FreshReads, ServicesDep
from api.policy import REPORTS, allow
from api.reporting import REPORT_RESPONSES, PeriodAskDep, answer_periods, media_type
from api.routing import ApiRoute
from api.schemas.reports import PeriodReportPublic
from projections.reports.flows import flows_report
from projections.reports.headcounts import headcounts_report
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
