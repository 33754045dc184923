"""Inspections (controles) of housing locations and the sanctions imposed after them.

An inspection's notes may describe people: they are personal data, sealed
under the inspection's own key, so recording them is a line in the processing
log (activity enforcement). So is a legal hold on an inspection, whose reason
is sealed under the same key: it keeps the notes past their retention period
until it is lifted.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, status

from api.auth import Principal
from api.deps import IfMatch, ProcessingDep, ServicesDep
from api.idempotency import Idempotent
from api.policy import ENFORCEMENT, allow
from api.routing import ApiRoute
from api.schemas.common import Created, Written
from api.schemas.inspections import InspectionCreate, SanctionCreate
from api.schemas.workers import LegalHoldCreate
from ledger.audit.processing_log import Activity, Operation

router = APIRouter(prefix="/inspections", tags=["inspections"], route_class=ApiRoute)


@router.post("", status_code=status.HTTP_201_CREATED)
def record_inspection(
    body: InspectionCreate,
    services: ServicesDep,
    processing: ProcessingDep,
    _: Annotated[Principal, Depends(allow(ENFORCEMENT))],
    idempotent: Idempotent,
) -> Created:
    """Record an inspection of a registered housing location (400 naming `housingLocationId` if it is not)."""
    receipt = services.ledger.record_inspection(
        housing_location_id=body.housing_location_id,
        inspected_on=body.inspected_on,
        occupants_found=body.occupants_found,
        findings=[finding.value for finding in body.findings],
        outcome=body.outcome.value,
        notes=body.notes,
    )
    if body.notes is not None:  # only the notes are personal data
        processing.record(Activity.ENFORCEMENT, Operation.CREATE, receipt.id, subject_type="inspection")
    return Created(id=receipt.id, position=receipt.position)


@router.post("/{id}/sanctions", status_code=status.HTTP_201_CREATED)
def impose_sanction(
    id: Annotated[UUID, Path(description="The inspection's id.")],
    body: SanctionCreate,
    services: ServicesDep,
    expected: IfMatch,
    _: Annotated[Principal, Depends(allow(ENFORCEMENT))],
    idempotent: Idempotent,
) -> Written:
    """Impose a sanction after an inspection; 409 unless the inspection found violations.

    A sanction names whom it is imposed on: `employerId` (a registered
    employer) with `against: employer`, `ownerKvkNumber` with `against:
    owner`. An administrative fine and an order subject to penalty need
    `amountEur`; an order subject to penalty also needs a `deadline`. 404 for
    an unknown inspection; 412 when `If-Match` is stale.
    """
    receipt = services.ledger.impose_sanction(
        id,
        kind=body.kind.value,
        against=body.against.value,
        employer_id=body.employer_id,
        owner_kvk_number=body.owner_kvk_number,
        amount_eur=body.amount_eur,
        deadline=body.deadline,
        expected_version=expected,
    )
    return Written(position=receipt.position, version=receipt.version)


@router.post("/{id}/legal-holds", status_code=status.HTTP_201_CREATED)
def place_legal_hold(
    id: Annotated[UUID, Path(description="The inspection's id.")],
    body: LegalHoldCreate,
    services: ServicesDep,
    processing: ProcessingDep,
    expected: IfMatch,
    _: Annotated[Principal, Depends(allow(ENFORCEMENT))],
    idempotent: Idempotent,
) -> Written:
    """Place a legal hold on an inspection: its notes are kept past their retention period until it is lifted.

    The hold is due for review from `reviewOn` (default: in 12 months). 404
    for an unknown inspection; 409 if the case's hold is in place, or the
    notes are shredded already; 412 when `If-Match` is stale.
    """
    receipt = services.ledger.place_inspection_legal_hold(
        id,
        case_reference=body.case_reference,
        reason=body.reason,
        review_on=body.review_on,
        expected_version=expected,
    )
    processing.record(Activity.ENFORCEMENT, Operation.UPDATE, id, subject_type="inspection")
    return Written(position=receipt.position, version=receipt.version)


@router.delete("/{id}/legal-holds/{caseReference}")
def lift_legal_hold(
    id: Annotated[UUID, Path(description="The inspection's id.")],
    case_reference: Annotated[str, Path(alias="caseReference", description="The case whose hold is lifted.")],
    services: ServicesDep,
    processing: ProcessingDep,
    expected: IfMatch,
    _: Annotated[Principal, Depends(allow(ENFORCEMENT))],
    idempotent: Idempotent,
) -> Written:
    """Lift the legal hold of a closed case from an inspection; 404 if it has no hold for it."""
    receipt = services.ledger.lift_inspection_legal_hold(id, case_reference=case_reference, expected_version=expected)
    processing.record(Activity.ENFORCEMENT, Operation.UPDATE, id, subject_type="inspection")
    return Written(position=receipt.position, version=receipt.version)
