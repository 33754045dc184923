"""Housing locations (huisvestingslocaties): registration and occupancy limits.

The reads of a location (occupancy, residents) live in `routers.occupancy`.
An over-full location is never refused here: counting and alerting are the
read side's job. The route tells the ledger whether the caller is the
municipality (a registrar or an admin) or an employer: the domain then keeps
the number given as the limit or as a proposal, and holds an employer to its
own KvK number as the owner.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, status

from api.auth import Principal
from api.deps import IfMatch, ServicesDep
from api.idempotency import Idempotent
from api.policy import OCCUPANCY_LIMITS, REGISTER_WORKERS_AND_HOUSING, allow, registrant
from api.routing import ApiRoute
from api.schemas.common import Created, Written
from api.schemas.housing import HousingLocationCreate, OccupancyLimitChange

router = APIRouter(prefix="/housing-locations", tags=["housing locations"], route_class=ApiRoute)


@router.post("", status_code=status.HTTP_201_CREATED)
def register_housing_location(
    body: HousingLocationCreate,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(REGISTER_WORKERS_AND_HOUSING))],
    idempotent: Idempotent,
) -> Created:
    """Register a housing location; 409 naming the existing one (`existingId`) if its BAG id or address is known.

    An address is known when the same street, number, letter, addition and
    postcode are registered under another BAG id.

    A registrar's or an admin's `maxOccupants` is the permitted maximum; an
    employer's is recorded as proposed, never counted. An employer may name only
    its own KvK number as `ownerKvkNumber` (400 otherwise).
    """
    receipt = services.ledger.register_housing_location(
        bag_id=body.bag_id,
        address=body.to_address(),
        kind=body.kind.value,
        max_occupants=body.max_occupants,
        floor_area_m2=body.floor_area_m2,
        owner_kvk_number=body.owner_kvk_number,
        registrant=registrant(principal),
    )
    return Created(id=receipt.id, position=receipt.position)


@router.post("/{id}/occupancy-limits", status_code=status.HTTP_201_CREATED)
def change_occupancy_limit(
    id: Annotated[UUID, Path(description="The housing location's id.")],
    body: OccupancyLimitChange,
    services: ServicesDep,
    expected: IfMatch,
    _: Annotated[Principal, Depends(allow(OCCUPANCY_LIMITS))],
    idempotent: Idempotent,
) -> Written:
    """Set the location's permitted maximum number of occupants from `validFrom` on (the municipality's).

    It takes the place of the floor-area limit and of any number an employer
    proposed at registration. Limits form a timeline: a limit holds until the
    next later `validFrom`. A later change with the same `validFrom` wins. 404
    for an unknown location; 412 when `If-Match` names a version that is no
    longer current.
    """
    receipt = services.ledger.change_occupancy_limit(
        id, max_occupants=body.max_occupants, valid_from=body.valid_from, reason=body.reason, expected_version=expected
    )
    return Written(position=receipt.position, version=receipt.version)
