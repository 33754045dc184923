"""Headcounts: housed workers on a day, as known at an instant, grouped four ways.

Counts are not personal data, so no processing-log line is written. An
employer's figures count only its own workers.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.auth import Principal
from api.deps import FreshReads, ServicesDep
from api.parameters import MomentDep
from api.policy import QUERIES, allow
from api.routing import ApiRoute
from api.schemas.occupancy import HeadcountsPublic
from api.scoping import employer_scope
from projections.headcounts import GroupBy, headcounts
from projections.labels import read_labels

router = APIRouter(prefix="/headcounts", tags=["headcounts"], route_class=ApiRoute)


@router.get("")
def get_headcounts(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    group_by: Annotated[GroupBy, Query(alias="groupBy", description="What to count per.")],
    when: MomentDep,
    _: FreshReads,
) -> HeadcountsPublic:
    """Housed workers `on` a day as known at `asKnownAt`, per housing location, employer, nationality or area."""
    engine = services.ledger.database.engine
    counts = headcounts(
        engine,
        group_by=group_by,
        on=when.on,
        as_known_at=when.as_known_at,
        employer_id=employer_scope(principal),
    )
    # Groups of ids carry their labels: the employer's name, the location's address.
    keys = [UUID(key) for key in counts.groups] if group_by in (GroupBy.HOUSING_LOCATION, GroupBy.EMPLOYER) else []
    labels = read_labels(engine, **{"locations" if group_by == GroupBy.HOUSING_LOCATION else "employers": keys})
    return HeadcountsPublic.of(counts, labels)
