"""Employers (werkgevers, uitzendbureaus): registration by the municipality."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import Field

from api.auth import Principal
from api.deps import ServicesDep
from api.idempotency import Idempotent
from api.policy import REGISTER_EMPLOYERS, allow
from api.routing import ApiRoute
from api.schemas import patterns
from api.schemas.common import Created, RequestModel

router = APIRouter(prefix="/employers", tags=["employers"], route_class=ApiRoute)


class EmployerCreate(RequestModel):
    """An employer to register."""

    kvk_number: str = Field(
        description="KvK number, 8 digits (white space around them is ignored).",
        examples=["34781256"],
        json_schema_extra={"pattern": patterns.KVK_NUMBER},
    )
    name: str = Field(
        description="Trade name as in the Handelsregister.",
        examples=["Flexwerk West-Friesland B.V."],
        json_schema_extra={"minLength": 1, "maxLength": 200},
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def register_employer(
    body: EmployerCreate,
    services: ServicesDep,
    _: Annotated[Principal, Depends(allow(REGISTER_EMPLOYERS))],
    idempotent: Idempotent,
) -> Created:
    """Register an employer; 409 naming the existing id (`existingId`) if its KvK number is registered already."""
    receipt = services.ledger.register_employer(kvk_number=body.kvk_number, name=body.name)
    return Created(id=receipt.id, position=receipt.position)
