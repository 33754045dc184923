"""The alerts report (issue 18): per period, the alerts opened and closed, by kind; JSON, CSV or XLSX.

Beside the other reports (`api.routers.reports`), under `/reports`, with
their parameters and answer (`api.reporting`): a span of periods,
`disclosure`, `asKnownAt`; no `groupBy`, since its rows are the kinds of
alert. For the municipality's roles only; counts, so no processing-log line
(docs/reports.md). The query is `projections.reports.alerts`'.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.auth import Principal
from api.deps import FreshReads, ServicesDep
from api.policy import REPORTS, allow
from api.reporting import REPORT_RESPONSES, DisclosureQuery, PeriodAsk, PeriodSpanDep, answer_periods, media_type
from api.routing import ApiRoute
from api.schemas.reports import PeriodReportPublic
from projections.reports.alerts import alerts_report
from projections.reports.suppression import Disclosure

router = APIRouter(prefix="/reports", tags=["reports"], route_class=ApiRoute)


def _asked(span: PeriodSpanDep, disclosure: DisclosureQuery = Disclosure.INTERNAL) -> PeriodAsk:
    return replace(span, disclosure=disclosure)


@router.get("/alerts", response_model=PeriodReportPublic, responses=REPORT_RESPONSES)
def alerts(
    request: Request,
    services: ServicesDep,
    _principal: Annotated[Principal, Depends(allow(REPORTS))],
    _: FreshReads,
    asked: Annotated[PeriodAsk, Depends(_asked)],
) -> Response:
    """Alerts opened and closed per period, by kind (`groupKey`), and a total per period.

    An alert is one kind about one worker or location over an unbroken run of
    days on which it holds, as known at `asKnownAt`. `opened`: its first day
    lies within the period; `closed`: the first day it no longer holds does.
    """
    chosen = media_type(request)
    table = alerts_report(
        services.ledger.database.engine, services.ledger.keys, services.settings, asked.periods, asked.as_known_at
    )
    return answer_periods(services, table, asked, chosen)
