"""Overzicht (`/`): today's numbers, a year of month-start headcounts, capacity use, what needs attention first.

Every figure honours the time-travel control (`on`, `asKnownAt`) where its
query can (`web.figures` says which cannot, and the page says so). Bad input
in the control is the page again, 400, with the refusal at its field. The
chart is an SVG image of its own (`web.charts`), for the same moment. The
numbers, capacity use and open alerts are a live block (`web.live`): its
fragment `/overzicht/cijfers` refreshes them while the page is open.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.auth import Principal
from api.deps import ServicesDep
from api.services import Services
from web.access import STAFF_PAGES, live_user, page_user
from web.charts import CHART_CSP, monthly_chart
from web.errors import error_page
from web.figure_memo import Counted, figure_memo
from web.figures import OverviewFigures, overview_figures
from web.i18n import translations
from web.live import fragment, live, poll
from web.moment import TimeTravel, time_travel
from web.templating import clock_label, moment_label, page_language, render

router = APIRouter(include_in_schema=False)

StaffPage = Annotated[Principal, Depends(page_user(STAFF_PAGES))]
LiveStaff = Annotated[Principal, Depends(live_user(STAFF_PAGES))]
NUMBERS = "/overzicht/cijfers"
OVERVIEW = "overview"  # its figures in the memo (web.figure_memo)


@router.get("/")
def overview_page(request: Request, services: ServicesDep, _: StaffPage) -> Response:
    """The overview page for the moment asked (default: today as known now)."""
    travel = time_travel(request, services)
    if travel.errors:
        nothing = {"travel": travel, "figures": None, "counted_at_label": None, "zone": _zone(services)}
        return render(request, "overview.html", nothing, status=400)
    counted = _latest(request, services, travel)
    figures = counted.answer
    if not counted.behind:
        figures = replace(figures, moment=travel.moment)  # a kept answer is the same; the moment is this request's
    # Counted today, at most LEDGER_WEB_FIGURES_BEHIND_SECONDS ago: the time of day says when.
    behind = clock_label(counted.counted_at, _zone(services), page_language(request)) if counted.behind else None
    return render(
        request,
        "overview.html",
        {
            **_numbers_context(request, services, travel, counted.position, figures.numbers),
            "figures": figures,
            "counted_at_label": behind,
        },
    )


@router.get(NUMBERS)
def overview_numbers(request: Request, services: ServicesDep, _: LiveStaff) -> Response:
    """The overview's live block alone: 204 while the read models have not moved past the `position` asked."""
    travel = time_travel(request, services)
    position = poll(request, services)
    if isinstance(position, Response):
        return position
    if travel.errors:
        return error_page(request, 400)
    # The whole overview, kept for every open overview and the next page (its ranking costs little more).
    numbers = (
        figure_memo(request.app.state)
        .figures(services, travel, OVERVIEW, lambda: overview_figures(services, travel.moment))
        .numbers
    )
    return fragment(request, "_overview_numbers.html", _numbers_context(request, services, travel, position, numbers))


def _numbers_context(
    request: Request, services: Services, travel: TimeTravel, position: int, numbers: object
) -> dict[str, object]:
    return {
        "travel": travel,
        "zone": _zone(services),
        "known_at_label": moment_label(travel.moment.as_known_at, _zone(services), page_language(request)),
        "numbers": numbers,
        "live": live(services, travel, position, NUMBERS),
    }


@router.get("/overzicht/bewoners-per-maand.svg")
def monthly_chart_image(request: Request, services: ServicesDep, _: StaffPage) -> Response:
    """The housed workers on the first day of each of the last 12 months, as a bar chart."""
    travel = time_travel(request, services)
    if travel.errors:
        return error_page(request, 400)
    language = page_language(request)
    title = translations(language).gettext("Housed workers on the first of the month")
    months = _latest(request, services, travel).answer.months  # the page's own, when it showed figures counted behind
    svg = monthly_chart(months, title=title, language=language)
    return Response(svg, media_type="image/svg+xml", headers={"Content-Security-Policy": CHART_CSP})


def _latest(request: Request, services: Services, travel: TimeTravel) -> Counted[OverviewFigures]:
    """The overview's figures, or, just after the views moved, the last counted while the newer are counted."""
    return figure_memo(request.app.state).latest(
        services,
        travel,
        OVERVIEW,
        lambda: overview_figures(services, travel.moment),
        behind=services.settings.web_figures_behind_seconds,
    )


def _zone(services: Services) -> str:
    return services.settings.timezone
