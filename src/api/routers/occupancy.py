"""Occupancy of housing locations: who lives there on a day, as known at an instant, and who lived there.

The answers name the people (from the register, one batched lookup), so each
read writes a processing-log line per occupant or resident returned. An
employer sees only its own workers among them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query

from api.auth import Principal
from api.deps import FreshReads, ProcessingDep, ServicesDep
from api.parameters import AsKnownAt, MomentDep, moment
from api.policy import QUERIES, allow
from api.routing import ApiRoute
from api.schemas.occupancy import OccupancyPublic, ResidentsPublic
from api.schemas.workers import IsoDate
from api.scoping import employer_scope
from ledger.audit.processing_log import Activity, Operation
from ledger.errors import NotFound, RuleViolated
from projections.labels import read_labels
from projections.occupancy import occupancy, residents

router = APIRouter(prefix="/housing-locations", tags=["housing locations"], route_class=ApiRoute)

# `{id}`, as in the other routes under /housing-locations.
LocationId = Annotated[UUID, Path(alias="id", description="The housing location's id.")]


@dataclass(frozen=True)
class Period:
    """The days [first, last] a residents query is about."""

    first: date
    last: date


def period(
    first: Annotated[IsoDate, Query(alias="from", description="First day of the period, `YYYY-MM-DD`.")],
    last: Annotated[IsoDate, Query(alias="to", description="Last day of the period (inclusive).")],
) -> Period:
    """`from` and `to`, in order (400 naming `to` otherwise)."""
    if last < first:
        raise RuleViolated.single("to", "before_from", "`to` must not be before `from`")
    return Period(first, last)


@router.get("/{id}/occupancy")
def get_occupancy(
    housing_location_id: LocationId,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    when: MomentDep,
    processing: ProcessingDep,
    _: FreshReads,
) -> OccupancyPublic:
    """Who lives at the location `on` a day as known at `asKnownAt`, and whether it is over-full.

    404 when the location was not registered as of `asKnownAt`. The headcount
    is the location's; an employer sees only its own workers among the occupants.
    `maxOccupants` is the municipality's limit, else the floor area's at the
    norm of that day, else `null` (then `overCapacity` is `null` too).
    """
    engine, scope = services.ledger.database.engine, employer_scope(principal)
    found = occupancy(
        engine,
        housing_location_id,
        on=when.on,
        as_known_at=when.as_known_at,
        norms=services.settings.floor_area_norms_m2,
        employer_id=scope,
    )
    if found is None:
        raise NotFound("housing location", housing_location_id)
    ids = [stay.worker_id for stay in found.occupants]
    processing.record(Activity.HOUSING_SUPERVISION, Operation.READ, *ids)
    # An employer sees the limit, not what another employer may have proposed.
    label = read_labels(engine, locations=[housing_location_id]).location(housing_location_id)
    return OccupancyPublic.of(found, services.register.names(ids), show_proposal=scope is None, label=label)


@router.get("/{id}/residents")
def get_residents(
    housing_location_id: LocationId,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    days: Annotated[Period, Depends(period)],
    processing: ProcessingDep,
    _: FreshReads,
    as_known_at: AsKnownAt = None,
) -> ResidentsPublic:
    """Everyone who lived at the location on any day in [from, to], as known at `asKnownAt` (404: unknown then)."""
    known = moment(services, as_known_at=as_known_at).as_known_at
    engine, scope = services.ledger.database.engine, employer_scope(principal)
    stays = residents(
        engine, housing_location_id, first=days.first, last=days.last, as_known_at=known, employer_id=scope
    )
    if stays is None:
        raise NotFound("housing location", housing_location_id)
    ids = [stay.worker_id for stay in stays]
    processing.record(Activity.HOUSING_SUPERVISION, Operation.READ, *ids)
    label = read_labels(engine, locations=[housing_location_id]).location(housing_location_id)
    return ResidentsPublic.of(housing_location_id, known, stays, services.register.names(ids), label)
