"""Reports over periods (issue 18): headcounts, …, as JSON, CSV or XLSX.

For the municipality's roles only (an employer is 403: docs/roles.md); counts
of persons, not data about one, so no processing-log line is written
(docs/reports.md). The parameters and the answer are `api.reporting`'s; the
queries `projections.reports`'.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.auth import Principal
from api.deps import FreshReads, ServicesDep
from api.policy import REPORTS, allow
from api.reporting import REPORT_RESPONSES, PeriodAskDep, answer_periods, media_type
from api.routing import ApiRoute
from api.schemas.reports import PeriodReportPublic
from projections.reports.headcounts import PeriodQuestion, headcounts_report

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
