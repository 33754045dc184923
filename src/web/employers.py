"""Werkgevers (`/werkgevers`, `/werkgevers/{id}`): the employers, and one with its workers and their homes.

- The list is `GET /employers`' answer to the same question (`projections.employer_queries.employers`: a part
  of the name, or the KvK number exactly), a page at a time with the API's cursor: names, KvK numbers and
  workers' counts, not the homes (a large employer houses thousands; issue 18). An employer's name and KvK
  number are the Handelsregister's, not a worker's personal data: no processing-log line, as the API writes none.
- An employer's page: the employer and its workers' counts (as `GET /employers/{id}`, read without its
  homes); the locations housing its workers on the day asked as known at the instant asked, a page at a time
  as `GET /housing-locations?employerId=` pages them (same query, same cursor, under `homesCursor`), with the
  count of the page shown, not of them all (that would need them all); and its workers as `GET
  /workers?employerId=` shows them to the role (`api.routers.worker_queries.published`: the register of today,
  as known now; the page says so while travelling in time), a page at a time with that route's cursor, each
  worker shown writing a `registration` read line, as that route writes. Each list's links keep the other's page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from api.auth import Principal
from api.deps import ProcessingDep, ServicesDep
from api.routers.employer_queries import CURSOR
from api.routers.location_queries import CURSOR as LOCATION_CURSOR
from api.routers.worker_queries import Cursor as WorkerCursor
from api.routers.worker_queries import encode_cursor, published
from api.schemas.directory import EmployerListItem, HousingLocationPublic
from ledger.audit.processing_log import Activity, Operation
from projections.employer_queries import employers
from projections.location_queries import Asked, LocationFilter, locations
from web.access import STAFF_PAGES, page_user
from web.errors import error_page
from web.fields import Fields
from web.locations import travel_context
from web.moment import time_travel
from web.templating import query, render

router = APIRouter(include_in_schema=False)

StaffPage = Annotated[Principal, Depends(page_user(STAFF_PAGES))]
PAGE_SIZE = 25
WORKERS_PAGE_SIZE = 50
HOMES_PAGE_SIZE = 50  # as `GET /housing-locations`' default page
SEARCH_FIELDS = ("name", "kvkNumber")
# The workers list's own cursor type (`GET /workers`): a page's link carries what that route gives out.
_WORKER_CURSOR: TypeAdapter[UUID | None] = TypeAdapter(WorkerCursor)


@router.get("/werkgevers")
def employers_page(request: Request, services: ServicesDep, _: StaffPage) -> Response:
    """The employers matching the search, a page at a time."""
    travel = time_travel(request, services)
    fields = Fields(request.query_params)
    name = fields.text("name")
    kvk_number = fields.value("kvkNumber") or None
    if kvk_number is not None and not (len(kvk_number) == 8 and kvk_number.isascii() and kvk_number.isdigit()):
        fields.errors["kvkNumber"] = "invalid_kvk_number"  # the API's pattern: exactly 8 digits
    try:
        after = _decoded(CURSOR.decode, fields.value("cursor"))
    except ValueError:
        return error_page(request, 400)
    asked = {field: fields.value(field) for field in SEARCH_FIELDS}
    context: dict[str, object] = {
        **travel_context(request, services, travel),
        "fields": fields,
        "items": [],
        "next_query": None,
        "first_query": query(**asked, on=travel.on, asKnownAt=travel.as_known_at),
        "paged": after is not None,
        "searched": any(asked.values()),
    }
    if travel.errors or fields.errors:
        return render(request, "employers.html", context, status=400)
    moment = travel.moment
    found = employers(
        services.ledger.database.engine,
        on=moment.on,
        as_known_at=moment.as_known_at,
        name=name,
        kvk_number=kvk_number,
        limit=PAGE_SIZE + 1,  # one more tells whether there is a next page
        after=after,
    )
    page = found[:PAGE_SIZE]
    context["items"] = [EmployerListItem.of(r, on=moment.on, as_known_at=moment.as_known_at) for r in page]
    if len(found) > PAGE_SIZE:
        cursor = CURSOR.encode(page[-1].id)
        context["next_query"] = query(**asked, on=travel.on, asKnownAt=travel.as_known_at, cursor=cursor)
    return render(request, "employers.html", context)


@router.get("/werkgevers/{id}")
def employer_page(
    employer_id: Annotated[UUID, Path(alias="id")],
    request: Request,
    services: ServicesDep,
    principal: StaffPage,
    processing: ProcessingDep,
) -> Response:
    """The employer and its homes on the day asked as known at the instant asked, and its workers (today's)."""
    travel = time_travel(request, services)
    cursors = {name: request.query_params.get(name, "") for name in ("cursor", "homesCursor")}
    try:
        after = _decoded(_worker_cursor, cursors["cursor"])
        homes_after = _decoded(LOCATION_CURSOR.decode, cursors["homesCursor"])
    except ValueError:
        return error_page(request, 400)
    moment_query = {"on": travel.on, "asKnownAt": travel.as_known_at}
    context: dict[str, object] = {
        **travel_context(request, services, travel),
        "employer": None,
        "workers": [],
        "next_query": None,
        # Each list's links keep the other list's page.
        "first_query": query(**moment_query, homesCursor=cursors["homesCursor"]),
        "paged": after is not None,
        "homes": [],
        "homes_next_query": None,
        "homes_first_query": query(**moment_query, cursor=cursors["cursor"]),
        "homes_paged": homes_after is not None,
    }
    if travel.errors:
        return render(request, "employer.html", context, status=400)
    moment = travel.moment
    engine = services.ledger.database.engine
    # The employer without its homes (`GET /employers/{id}` reads them all): the page shows one page of them.
    found_employer = employers(engine, on=moment.on, as_known_at=moment.as_known_at, employer_id=employer_id, limit=1)
    if not found_employer:
        return error_page(request, 404)
    asked = Asked(moment.on, moment.as_known_at, services.settings)
    homes = locations(
        engine, asked, LocationFilter(employer_id=employer_id), limit=HOMES_PAGE_SIZE + 1, after=homes_after
    )
    homes_page = homes[:HOMES_PAGE_SIZE]
    context["homes"] = [HousingLocationPublic.of(h, on=moment.on, as_known_at=moment.as_known_at) for h in homes_page]
    if len(homes) > HOMES_PAGE_SIZE:
        next_homes = LOCATION_CURSOR.encode(homes_page[-1].id)
        context["homes_next_query"] = query(**moment_query, cursor=cursors["cursor"], homesCursor=next_homes)
    found = services.register.workers(
        employer_id=employer_id, limit=WORKERS_PAGE_SIZE + 1, after=after, today=services.ledger.today()
    )
    page = found[:WORKERS_PAGE_SIZE]
    processing.record(Activity.REGISTRATION, Operation.READ, *(worker.id for worker in page))
    context["employer"] = EmployerListItem.of(found_employer[0], on=moment.on, as_known_at=moment.as_known_at)
    context["workers"] = published(services, principal, page)
    if len(found) > WORKERS_PAGE_SIZE:
        next_workers = encode_cursor(page[-1].id)
        context["next_query"] = query(**moment_query, cursor=next_workers, homesCursor=cursors["homesCursor"])
    return render(request, "employer.html", context)


def _worker_cursor(value: str) -> object:
    return _WORKER_CURSOR.validate_python(value)


def _decoded(decode: Callable[[str], object], value: str) -> UUID | None:
    """The id a cursor holds; None without one; ValueError for a cursor the pages did not give out (a 400 page)."""
    if not value:
        return None
    try:
        found = decode(value)
    except ValidationError as e:
        raise ValueError(value) from e
    if not isinstance(found, UUID):
        raise ValueError(value)
    return found
