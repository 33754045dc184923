"""Alerts: the warnings in force today (over-full locations, unhoused workers, missing BRP registration, minors, …).

Alerts about a worker are data about that person: each one returned writes a
processing-log line. An employer sees only the alerts about its own workers.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.auth import Principal
from api.deps import FreshReads, ProcessingDep, ServicesDep
from api.parameters import scoped_employer
from api.policy import QUERIES, allow
from api.routing import ApiRoute
from api.schemas.alerts import AlertPublic, AlertsPublic
from ledger.audit.processing_log import Activity, Operation
from projections.alert_rules import Alert, AlertKind
from projections.alerts import alerts
from projections.labels import read_labels

router = APIRouter(prefix="/alerts", tags=["alerts"], route_class=ApiRoute)

# The kinds whose subject is a housing location; every other alert is about a worker.
LOCATION_KINDS = frozenset({AlertKind.OVER_CAPACITY, AlertKind.FLOOR_AREA_BELOW_NORM, AlertKind.LIMIT_NOT_ASSESSED})


def about_people(found: list[Alert]) -> list[UUID]:
    """The workers the alerts are about (the subjects of the processing log)."""
    return [alert.subject_id for alert in found if alert.kind not in LOCATION_KINDS]


@router.get("")
def get_alerts(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    processing: ProcessingDep,
    _: FreshReads,
    kind: Annotated[AlertKind | None, Query(description="Only alerts of this kind.")] = None,
    housing_location_id: Annotated[UUID | None, Query(alias="housingLocationId")] = None,
    employer_id: Annotated[UUID | None, Query(alias="employerId")] = None,
) -> AlertsPublic:
    """The alerts in force today, as known now, optionally filtered."""
    found = alerts(
        services.ledger.database.engine,
        services.settings,
        today=services.ledger.today(),
        kind=kind,
        housing_location_id=housing_location_id,
        employer_id=scoped_employer(principal, employer_id),
        keys=services.ledger.keys,
    )
    processing.record(Activity.HOUSING_SUPERVISION, Operation.READ, *about_people(found))
    labels = read_labels(
        services.ledger.database.engine,
        employers=[a.employer_id for a in found],
        locations=[a.housing_location_id for a in found],
    )
    return AlertsPublic(items=[AlertPublic.of(alert, labels) for alert in found])
