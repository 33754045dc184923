"""Alerts: the warnings in force on a day (over-full locations, unhoused workers, missing BRP registration, minors, …).

Read from the alerts view (`projections.alerts`): on `on` as known at
`asKnownAt`, as occupancy is (docs/time.md), a page at a time in order of kind
and subject. Alerts about a worker are data about that person: each one
returned writes a processing-log line. An employer sees only the alerts about
its own workers: those it employs now, and, on a day as known at an instant,
whose employer the alert named then.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BeforeValidator, WithJsonSchema

from api.auth import Principal
from api.cursors import DESCRIPTION, KeyedIdCursor
from api.deps import FreshReads, ProcessingDep, ServicesDep
from api.parameters import MomentDep, scoped_employer
from api.policy import QUERIES, allow
from api.routers.worker_queries import DEFAULT_LIMIT, Limit
from api.routing import ApiRoute
from api.schemas.alerts import AlertPublic, AlertsPage
from api.scoping import employer_scope
from ledger.audit.processing_log import Activity, Operation
from projections.alert_spans import LOCATION_KINDS, Alert, AlertKind
from projections.alerts import AlertQuery, alert_page
from projections.labels import read_labels

router = APIRouter(prefix="/alerts", tags=["alerts"], route_class=ApiRoute)

CURSOR = KeyedIdCursor("alerts", [kind.value for kind in AlertKind])
Cursor = Annotated[
    str | None, BeforeValidator(CURSOR.decode), WithJsonSchema(CURSOR.schema), Query(description=DESCRIPTION)
]


def about_people(found: list[Alert]) -> list[UUID]:
    """The workers the alerts are about (the subjects of the processing log)."""
    return [alert.subject_id for alert in found if alert.kind not in LOCATION_KINDS]


@router.get("")
def get_alerts(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    processing: ProcessingDep,
    when: MomentDep,
    _: FreshReads,
    kind: Annotated[AlertKind | None, Query(description="Only alerts of this kind.")] = None,
    housing_location_id: Annotated[UUID | None, Query(alias="housingLocationId")] = None,
    employer_id: Annotated[UUID | None, Query(alias="employerId")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> AlertsPage:
    """The alerts in force on `on` as known at `asKnownAt` (default today, now), by kind and subject, a page at a time.

    Pass `nextCursor` as `cursor` for the next page.
    """
    after = None
    if cursor is not None:
        key, subject = CURSOR.split(cursor)
        after = (AlertKind(key), subject)
    asked = AlertQuery(
        on=when.on,
        as_known_at=when.as_known_at,
        kind=kind,
        housing_location_id=housing_location_id,
        employer_id=scoped_employer(principal, employer_id),
        # An employer sees what concerns its workers of now only, whatever instant it asks about.
        employed_now_by=employer_scope(principal),
    )
    found = alert_page(
        services.ledger.database.engine,
        services.ledger.keys,
        services.settings,
        asked,
        limit=limit + 1,  # one more tells whether there is a next page
        after=after,
    )
    page = found[:limit]
    processing.record(Activity.HOUSING_SUPERVISION, Operation.READ, *about_people(page))
    labels = read_labels(
        services.ledger.database.engine,
        employers=[a.employer_id for a in page],
        locations=[a.housing_location_id for a in page],
    )
    last = page[-1] if page else None
    return AlertsPage(
        items=[AlertPublic.of(alert, labels) for alert in page],
        next_cursor=CURSOR.encode_key(last.kind.value, last.subject_id) if last and len(found) > limit else None,
    )
