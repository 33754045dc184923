"""Reading employers back (issue 18): the list, filtered by name or KvK number, and one employer.

An employer's name and KvK number are the Handelsregister's, not personal
data of a worker (docs/data-classification.md), and the answers name no
worker: no processing-log line is written. An employer sees only itself
(another employer is 404). The registration route is in `api.routers.employers`.

The list's items carry no homes (`EmployerListItem`): a large employer houses
thousands, and every page of the list carried them all
(`projections.employer_queries` says what that cost). One employer carries
them; `GET /housing-locations?employerId=` pages them.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BeforeValidator, WithJsonSchema

from api.auth import Principal
from api.cursors import DESCRIPTION, IdCursor
from api.deps import FreshReads, ServicesDep
from api.parameters import MomentDep, SearchText
from api.policy import QUERIES, allow
from api.routers.worker_queries import DEFAULT_LIMIT, Limit
from api.routing import ApiRoute
from api.schemas import patterns
from api.schemas.directory import EmployerListItem, EmployerPublic, EmployersPage
from api.scoping import employer_scope
from ledger.errors import NotFound
from projections.employer_queries import employer, employers

router = APIRouter(prefix="/employers", tags=["employers"], route_class=ApiRoute)

CURSOR = IdCursor("employers")
Cursor = Annotated[
    UUID | None, BeforeValidator(CURSOR.decode), WithJsonSchema(CURSOR.schema), Query(description=DESCRIPTION)
]
# Exactly 8 digits, as the KvK number is stored (white space is not trimmed in a query parameter).
_KVK_NUMBER = patterns.KVK_NUMBER.replace(f"[{patterns.WHITE_SPACE}]*", "")


@router.get("")
def list_employers(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    when: MomentDep,
    _: FreshReads,
    name: Annotated[
        SearchText | None,
        Query(min_length=1, max_length=200, description="A part of the name; case and accents do not matter."),
    ] = None,
    kvk_number: Annotated[str | None, Query(alias="kvkNumber", pattern=_KVK_NUMBER, description="Exactly.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> EmployersPage:
    """Employers in id order, a page at a time (pass `nextCursor` as `cursor`); an employer sees only itself.

    Workers are counted by their status on `on`. The locations housing them
    are not in the list (a large employer houses thousands): they are on the
    employer (`GET /employers/{id}`) and, a page at a time, at `GET
    /housing-locations?employerId=`.
    """
    found = employers(
        services.ledger.database.engine,
        on=when.on,
        as_known_at=when.as_known_at,
        name=name,
        kvk_number=kvk_number,
        employer_id=employer_scope(principal),
        limit=limit + 1,  # one more tells whether there is a next page
        after=cursor,
    )
    page = found[:limit]
    return EmployersPage(
        items=[EmployerListItem.of(record, on=when.on, as_known_at=when.as_known_at) for record in page],
        next_cursor=CURSOR.encode(page[-1].id) if len(found) > limit else None,
    )


@router.get("/{id}")
def get_employer(
    employer_id: Annotated[UUID, Path(alias="id", description="The employer's id.")],
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    when: MomentDep,
    _: FreshReads,
) -> EmployerPublic:
    """One employer, its workers' counts and every location housing them; 404 when unknown as of `asKnownAt`.

    The locations a page at a time, with their counts: `GET /housing-locations?employerId=`.
    """
    scope = employer_scope(principal)
    record = None
    if scope in (None, employer_id):
        record = employer(services.ledger.database.engine, employer_id, on=when.on, as_known_at=when.as_known_at)
    if record is None:
        raise NotFound("employer", employer_id)
    return EmployerPublic.with_homes(record, on=when.on, as_known_at=when.as_known_at)
