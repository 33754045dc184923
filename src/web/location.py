"""One location (`/locaties/{id}`) and the registrar's occupancy-limit form (`POST /locaties/{id}/maximum`).

The page shows what `web.location_data` reads (as the API's routes read it,
logged as they log it), for the moment of the time-travel control and a period
(`from`, `to`: the timeline of residents; by default the three calendar months
up to the day). Every staff role sees the residents' names, as every staff role
may ask the API's occupancy route for them (`api.policy.QUERIES`).

The form is the API's `POST /housing-locations/{id}/occupancy-limits`: the
same policy (registrars and admins, `OCCUPANCY_LIMITS`), the same application
command (`Ledger.change_occupancy_limit`) and so the same refusals, each shown
at its field by its code in the page's language (400, the page again with what
was typed; nothing is stored). Sent well, it redirects (303) to the location
page, which waits for the write to reach the views (`minPosition`, as the API's
reads do) before it reads them.

The counts (headcount, maximum, free places, over capacity, open alerts) are a
live block (`web.live`): its fragment `/locaties/{id}/cijfers` refreshes them
while the page is open; the names (occupants, residents) are read again only
when the person reloads the page.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import Principal
from api.deps import Processing, ProcessingDep, ServicesDep
from api.policy import OCCUPANCY_LIMITS
from api.services import Services
from ledger.errors import RuleViolated
from web.access import STAFF_PAGES, CheckedForm, live_user, page_user
from web.errors import error_page
from web.fields import Fields
from web.live import Live, fragment, live, poll, views_position
from web.location_data import default_period, location_counts, location_page
from web.locations import travel_context
from web.moment import TimeTravel, time_travel
from web.templating import render

router = APIRouter(include_in_schema=False)

StaffPage = Annotated[Principal, Depends(page_user(STAFF_PAGES))]
LiveStaff = Annotated[Principal, Depends(live_user(STAFF_PAGES))]
LimitForm = Annotated[Principal, Depends(page_user(OCCUPANCY_LIMITS))]
LocationId = Annotated[UUID, Path(alias="id")]
# The period a timeline may span: beyond two years its columns (months) no longer fit a page.
MAX_PERIOD_DAYS = 2 * 366
# The domain's names of the form's fields → the page's (the API's camelCase).
_FORM_FIELDS = {"max_occupants": "maxOccupants", "valid_from": "validFrom", "reason": "reason"}
MAX_OCCUPANTS = 10_000
MAX_REASON = 2000


def _may_change_limits(principal: Principal) -> bool:
    return bool(principal.roles & OCCUPANCY_LIMITS.roles)


@router.get("/locaties/{id}")
def location_detail(
    location_id: LocationId,
    request: Request,
    services: ServicesDep,
    principal: StaffPage,
    processing: ProcessingDep,
) -> Response:
    """The location on the day asked as known at the instant asked, and its residents over the period asked."""
    written = Fields(request.query_params).whole_number("minPosition", low=0, high=2**62, out_of_range="invalid")
    if written is not None:
        services.wait_for(written)  # the write this page follows from (the form's redirect) is in the views
    return _page(request, services, principal, processing, location_id, Fields({}))


@router.get("/locaties/{id}/cijfers")
def location_live_counts(location_id: LocationId, request: Request, services: ServicesDep, _: LiveStaff) -> Response:
    """The location's live block alone: 204 while the read models have not moved past the `position` asked."""
    travel = time_travel(request, services)
    position = poll(request, services)
    if isinstance(position, Response):
        return position
    if travel.errors:
        return error_page(request, 400)
    counts = location_counts(services, location_id, travel.moment)
    if counts is None:
        return error_page(request, 404)
    return fragment(
        request,
        "_location_counts.html",
        {
            **travel_context(request, services, travel),
            "counts": counts,
            "live": _live(services, travel, location_id, position),
        },
    )


def _live(services: Services, travel: TimeTravel, location_id: UUID, position: int) -> Live:
    return live(services, travel, position, f"/locaties/{location_id}/cijfers")


@router.post("/locaties/{id}/maximum")
def change_limit(
    location_id: LocationId,
    request: Request,
    services: ServicesDep,
    principal: LimitForm,
    form: CheckedForm,
    processing: ProcessingDep,
) -> Response:
    """Set the location's permitted maximum from a day on, as the API's occupancy-limits route does."""
    fields = Fields(form)
    maximum = fields.whole_number(
        "maxOccupants", low=1, high=MAX_OCCUPANTS, out_of_range="maxOccupants:out_of_range", required=True
    )
    valid_from = fields.day("validFrom", required=True)
    reason = fields.text("reason", max_length=MAX_REASON)
    if not fields.errors and maximum is not None and valid_from is not None:
        try:
            receipt = services.ledger.change_occupancy_limit(
                location_id, max_occupants=maximum, valid_from=valid_from, reason=reason
            )
        except RuleViolated as refused:
            fields.refused_by(refused, _FORM_FIELDS)
        else:
            return RedirectResponse(f"/locaties/{location_id}?minPosition={receipt.position}#maximum", status_code=303)
    return _page(request, services, principal, processing, location_id, fields, status=400)


def _page(
    request: Request,
    services: Services,
    principal: Principal,
    processing: Processing,
    location_id: UUID,
    form: Fields,
    *,
    status: int = 200,
) -> Response:
    travel = time_travel(request, services)
    asked = Fields(request.query_params)
    first, last = default_period(travel.moment.on)
    first = asked.day("from", default=first) or first
    last = asked.day("to", default=last) or last
    if not asked.errors and last < first:
        asked.errors["to"] = "before_from"
    elif not asked.errors and (last - first).days > MAX_PERIOD_DAYS:
        asked.errors["to"] = "period_too_long"
    context: dict[str, object] = {
        **travel_context(request, services, travel),
        "period": asked,
        "first": first,
        "last": last,
        "form": form,
        "may_change_limits": _may_change_limits(principal),
        "saved": "minPosition" in request.query_params,
        "data": None,
        "location_id": location_id,
    }
    if travel.errors or asked.errors:
        return render(request, "location.html", context, status=400)
    position = views_position(services)  # before the counts are read (web.live)
    data = location_page(services, location_id, travel.moment, (first, last), processing)
    if data is None:
        return error_page(request, 404)
    context["data"] = data
    context["counts"] = data.counts
    context["live"] = _live(services, travel, location_id, position)
    return render(request, "location.html", context, status=status)
