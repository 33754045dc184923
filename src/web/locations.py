"""Locaties (`/locaties`): housing locations found by postcode and house number, street, city, over capacity.

The list is `GET /housing-locations`' answer to the same question, from the
same query (`projections.location_queries.locations`), a page at a time with
the API's own cursor: the search fields are the API's parameters under the
API's names, checked by the same rules, and a refusal is shown at its field in
the page's language (400; the page shows no list then). It names no person
and writes no processing-log line, as the API's list. The time-travel control
sets the day and the knowledge the headcounts and limits are of.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.auth import Principal
from api.deps import ServicesDep
from api.routers.location_queries import CURSOR
from api.schemas.directory import HousingLocationPublic
from api.services import Services
from projections.location_queries import Asked, LocationFilter, locations
from web.access import STAFF_PAGES, page_user
from web.errors import error_page
from web.fields import Fields
from web.moment import TimeTravel, time_travel
from web.templating import moment_label, page_language, query, render

router = APIRouter(include_in_schema=False)

StaffPage = Annotated[Principal, Depends(page_user(STAFF_PAGES))]
PAGE_SIZE = 25
SEARCH_FIELDS = ("postcode", "houseNumber", "street", "city", "overCapacity")


def travel_context(request: Request, services: Services, travel: TimeTravel) -> dict[str, object]:
    """What the time-travel control needs on a page: the moment, the zone, and the instant as a person reads it."""
    zone, language = services.settings.timezone, page_language(request)
    return {
        "travel": travel,
        "zone": zone,
        "known_at_label": moment_label(travel.moment.as_known_at, zone, language),
        "when": lambda instant: moment_label(instant, zone, language),
    }


@router.get("/locaties")
def locations_page(request: Request, services: ServicesDep, _: StaffPage) -> Response:
    """The locations matching the search, on the day asked as known at the instant asked, a page at a time."""
    travel = time_travel(request, services)
    fields = Fields(request.query_params)
    postcode = fields.postcode("postcode")
    house_number = fields.whole_number("houseNumber", low=1, high=99_999, out_of_range="house_number_out_of_range")
    street, city = fields.text("street"), fields.text("city")
    over_capacity = True if fields.value("overCapacity") == "true" else None
    after: UUID | None = None
    if fields.value("cursor"):
        try:
            decoded = CURSOR.decode(fields.value("cursor"))
        except ValueError:
            return error_page(request, 400)  # not a field anyone typed: a link the pages did not give out
        after = decoded if isinstance(decoded, UUID) else None
    context: dict[str, object] = {
        **travel_context(request, services, travel),
        "fields": fields,
        "items": [],
        "next_query": None,
        "first_query": "",
        "paged": after is not None,
        "searched": any(fields.value(name) for name in SEARCH_FIELDS),
    }
    if travel.errors or fields.errors:
        return render(request, "locations.html", context, status=400)
    moment = travel.moment
    found = locations(
        services.ledger.database.engine,
        Asked(moment.on, moment.as_known_at, services.settings),
        LocationFilter(postcode, house_number, street, city, None, over_capacity),
        limit=PAGE_SIZE + 1,  # one more tells whether there is a next page
        after=after,
    )
    page = found[:PAGE_SIZE]
    context["items"] = [HousingLocationPublic.of(r, on=moment.on, as_known_at=moment.as_known_at) for r in page]
    if len(found) > PAGE_SIZE:
        asked = {name: fields.value(name) for name in SEARCH_FIELDS}
        context["next_query"] = query(
            **asked, on=travel.on, asKnownAt=travel.as_known_at, cursor=CURSOR.encode(page[-1].id)
        )
    context["first_query"] = query(
        **{name: fields.value(name) for name in SEARCH_FIELDS}, on=travel.on, asKnownAt=travel.as_known_at
    )
    return render(request, "locations.html", context)
