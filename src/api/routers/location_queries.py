"""Reading housing locations back (issue 18): the list, filtered by address, kind, over-capacity or employer; one.

Finding a location by its address is one call: `postcode` (any case, with or
without the space) and `houseNumber`. The answers name no person (a count of
occupants, a building's address): no processing-log line is written. An
employer sees the locations housing its workers on `on` or proposed by it,
with the counts of its own workers (`projections.location_queries`); another
location is 404. Registration and limits are in `api.routers.housing_locations`,
occupancy and residents in `api.routers.occupancy`.

`employerId` is how a client pages an employer's homes (the employers' list
carries none): the locations housing its workers on `on` as known at
`asKnownAt`, under the employer of the day. For an employer it meets the
scope: its own id, the locations housing its workers (not those it merely
proposed); another's, an empty page: where another employer's workers
live is not its to know, not even where its own live too.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BeforeValidator, WithJsonSchema

from api.auth import Principal
from api.cursors import DESCRIPTION, IdCursor
from api.deps import FreshReads, ServicesDep
from api.parameters import Moment, MomentDep, SearchText
from api.policy import QUERIES, allow
from api.routers.worker_queries import DEFAULT_LIMIT, Limit
from api.routing import ApiRoute
from api.schemas import patterns
from api.schemas.directory import HousingLocationPublic, HousingLocationsPage
from api.scoping import employer_scope
from api.services import Services
from ledger.domain.checks import checked_postcode
from ledger.domain.errors import Violations
from ledger.domain.values import HousingKind
from ledger.errors import NotFound
from projections.location_queries import Asked, LocationFilter, location, locations

router = APIRouter(prefix="/housing-locations", tags=["housing locations"], route_class=ApiRoute)

CURSOR = IdCursor("housing-locations")
Cursor = Annotated[
    UUID | None, BeforeValidator(CURSOR.decode), WithJsonSchema(CURSOR.schema), Query(description=DESCRIPTION)
]
_TEXT = {"min_length": 1, "max_length": 200}


def _asked(services: Services, principal: Principal, when: Moment) -> Asked:
    return Asked(when.on, when.as_known_at, services.settings, employer_id=employer_scope(principal))


@router.get("")
def list_housing_locations(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    when: MomentDep,
    _: FreshReads,
    postcode: Annotated[
        str | None,
        # The pattern documents; the domain's rule refuses, with a reason a person can read (not the pattern).
        Query(
            description="Any case, with or without the space (`1671ab`, `1671 AB`).",
            json_schema_extra={"pattern": patterns.POSTCODE},
        ),
    ] = None,
    house_number: Annotated[int | None, Query(alias="houseNumber", ge=1, le=99_999)] = None,
    street: Annotated[
        SearchText | None, Query(description="A part of the street; case and accents do not matter.", **_TEXT)
    ] = None,
    city: Annotated[
        SearchText | None, Query(description="A part of the city; case and accents do not matter.", **_TEXT)
    ] = None,
    kind: Annotated[HousingKind | None, Query()] = None,
    over_capacity: Annotated[
        bool | None, Query(alias="overCapacity", description="Over-full on `on` (not for employers).")
    ] = None,
    employer_id: Annotated[
        UUID | None,
        Query(
            alias="employerId",
            description="Housing this employer's workers on `on` as known at `asKnownAt`: the employer of that day, "
            "after any transfer. An employer gets its own workers' homes for its own id (not the locations it "
            "only proposed), and an empty page for another's.",
        ),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> HousingLocationsPage:
    """Housing locations in id order, a page at a time (pass `nextCursor` as `cursor`), on `on` as known at `asKnownAt`.

    An employer sees those housing its workers on `on` or proposed by it; it
    may not filter on `overCapacity`, which it is not shown (400).
    """
    v = Violations()
    if postcode is not None:
        postcode = checked_postcode(postcode, "postcode", v)  # the domain's rule: 400 naming `postcode`
    asked = _asked(services, principal, when)
    if over_capacity is not None and asked.employer_id is not None:
        v.add("over_capacity", "not_permitted", "an employer is not shown whether a location is over-full")
    v.raise_if_any()
    found = locations(
        services.ledger.database.engine,
        asked,
        LocationFilter(postcode, house_number, street, city, kind.value if kind else None, over_capacity, employer_id),
        limit=limit + 1,  # one more tells whether there is a next page
        after=cursor,
    )
    page = found[:limit]
    return HousingLocationsPage(
        items=[HousingLocationPublic.of(record, on=when.on, as_known_at=when.as_known_at) for record in page],
        next_cursor=CURSOR.encode(page[-1].id) if len(found) > limit else None,
    )


@router.get("/{id}")
def get_housing_location(
    location_id: Annotated[UUID, Path(alias="id", description="The housing location's id.")],
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    when: MomentDep,
    _: FreshReads,
) -> HousingLocationPublic:
    """One housing location, its limits' history, headcount, free places, alerts and last inspection.

    404 when it was not registered as of `asKnownAt`, and for an employer
    whose workers do not live there on `on` and which did not propose it.
    """
    record = location(services.ledger.database.engine, location_id, _asked(services, principal, when))
    if record is None:
        raise NotFound("housing location", location_id)
    return HousingLocationPublic.of(record, on=when.on, as_known_at=when.as_known_at)
