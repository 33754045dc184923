"""Workers (arbeidsmigranten): registration and every later change, by employers and the municipality.

Employers register and change their own workers only: another employer's
worker, or a registration under another employer id, is answered 404 as if
unknown (`api.scoping`). Changes of an existing worker take `If-Match:
"<version>"` (412 when stale) and answer the new `version`. Legal holds are
the inspectors'; erasure is the administrator's; BRP/RNI registrations and
deregistrations are the municipality's (an employer reports a declaration,
which clears nothing). Each write names the worker in the processing log.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, Response, status
from fastapi.exceptions import RequestValidationError

from api.auth import Principal
from api.deps import IfMatch, ProcessingDep, ServicesDep
from api.idempotency import Idempotent
from api.policy import ENFORCEMENT, POPULATION_REGISTER, REGISTER_WORKERS_AND_HOUSING, RETENTION, allow, registrant
from api.routing import ApiRoute
from api.schemas.common import Created, Written
from api.schemas.workers import (
    AddressChange,
    ContractEnd,
    Departure,
    ErasureRequest,
    HousingChange,
    LegalHoldCreate,
    PopulationDeclaration,
    PopulationDeregistration,
    PopulationRegistration,
    RegistrationConfirmation,
    TemporaryProtection,
    WorkAddressChange,
    WorkerCreate,
)
from api.scoping import require_employer_in_scope, require_worker_in_scope
from ledger.domain.erasure import ERASURE_REQUEST_POLICY, erasure_note_id_for
from ledger.processing_log import Activity, Operation


def _untagged(error: dict[str, Any], body: Any) -> dict[str, Any]:
    """The error located by member path only: union tags dropped, a bad tag named by its member."""
    location = list(error.get("loc", ()))
    if location[:1] != ["body"]:
        return error
    kept: list[Any] = ["body"]
    node = body
    for index, part in enumerate(location[1:], start=2):
        # A name that is absent from the body yet has a location below it cannot
        # be a member (errors nest only under members that are there): a union tag.
        if isinstance(node, dict) and isinstance(part, str) and part not in node and index < len(location):
            continue
        kept.append(part)
        node = node.get(part) if isinstance(node, dict) else None
    discriminator = str(error.get("ctx", {}).get("discriminator", ""))
    if error.get("type") in {"union_tag_invalid", "union_tag_not_found"} and discriminator.startswith("'"):
        kept.append(discriminator.strip("'"))
    return {**error, "loc": tuple(kept)}


class MemberPathRoute(ApiRoute):
    """Names invalid members by their path in the body, as the contract does (`validFrom`).

    Pydantic puts the tag of a discriminated union into an error's location
    (`housing.validFrom` for a `{"type": "housing", ...}` body; pydantic issue
    3947), which would name a member the body does not have.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                errors = [_untagged(e, error.body) for e in error.errors()]
                raise RequestValidationError(errors, body=error.body) from None

        return route


router = APIRouter(prefix="/workers", tags=["workers"], route_class=MemberPathRoute)

WorkerId = Annotated[UUID, Path(alias="workerId", description="The worker's id.")]
Registrant = Annotated[Principal, Depends(allow(REGISTER_WORKERS_AND_HOUSING))]
Enforcer = Annotated[Principal, Depends(allow(ENFORCEMENT))]
Municipality = Annotated[Principal, Depends(allow(POPULATION_REGISTER))]
Administrator = Annotated[Principal, Depends(allow(RETENTION))]


@router.post("", status_code=status.HTTP_201_CREATED)
def register_worker(
    body: WorkerCreate,
    services: ServicesDep,
    principal: Registrant,
    processing: ProcessingDep,
    idempotent: Idempotent,
) -> Created:
    """Register a worker with employment and (usually) housing; employers register their own workers only.

    409 if a worker with the same identity document (type, number, nationality) is registered and has not
    ended or departed; `existingId` names it to its own employer and to the municipality.
    """
    require_employer_in_scope(principal, body.employer_id)
    receipt = services.ledger.register_worker(
        employer_id=body.employer_id,
        person=body.person.to_person(),
        employment=body.employment.to_employment(),
        housing_location_id=body.housing.housing_location_id if body.housing else None,
        housing_valid_from=body.housing.valid_from if body.housing else None,
        registrant=registrant(principal),
        housing_outside_municipality=body.housing.outside_municipality if body.housing else False,
    )
    processing.record(Activity.REGISTRATION, Operation.CREATE, receipt.id)
    return Created(id=receipt.id, position=receipt.position)


@router.post("/{workerId}/address-changes", status_code=status.HTTP_201_CREATED)
def change_address(
    worker_id: WorkerId,
    body: AddressChange,
    services: ServicesDep,
    principal: Registrant,
    processing: ProcessingDep,
    expected: IfMatch,
    idempotent: Idempotent,
) -> Written:
    """Record where the worker lives (`housing`; null: not housed here) or works (`work`) from `validFrom` on.

    A worker who lives outside the municipality (a commuter) has `housingLocationId` null and
    `outsideMunicipality` true: known to live elsewhere, counted nowhere here.
    """
    require_worker_in_scope(services, principal, worker_id)
    processing.record(Activity.REGISTRATION, Operation.UPDATE, worker_id)
    match body:
        case HousingChange():
            receipt = services.ledger.change_housing(
                worker_id,
                housing_location_id=body.housing_location_id,
                valid_from=body.valid_from,
                outside_municipality=body.outside_municipality,
                expected_version=expected,
            )
        case WorkAddressChange():
            receipt = services.ledger.change_work_address(
                worker_id,
                work_address=body.work_address.to_address(),
                valid_from=body.valid_from,
                expected_version=expected,
            )
    return Written(position=receipt.position, version=receipt.version)


@router.post("/{workerId}/contract-ends", status_code=status.HTTP_201_CREATED)
def end_contract(
    worker_id: WorkerId,
    body: ContractEnd,
    services: ServicesDep,
    principal: Registrant,
    processing: ProcessingDep,
    expected: IfMatch,
    idempotent: Idempotent,
) -> Written:
    """Record the end of the worker's employment; a later end date corrects an earlier one."""
    require_worker_in_scope(services, principal, worker_id)
    processing.record(Activity.REGISTRATION, Operation.UPDATE, worker_id)
    receipt = services.ledger.end_contract(
        worker_id, end_date=body.end_date, reason=body.reason, expected_version=expected
    )
    return Written(position=receipt.position, version=receipt.version)


@router.post("/{workerId}/departures", status_code=status.HTTP_201_CREATED)
def record_departure(
    worker_id: WorkerId,
    body: Departure,
    services: ServicesDep,
    principal: Registrant,
    processing: ProcessingDep,
    expected: IfMatch,
    idempotent: Idempotent,
) -> Written:
    """Record that the worker left the municipality; housing ends from `departedOn`."""
    require_worker_in_scope(services, principal, worker_id)
    processing.record(Activity.REGISTRATION, Operation.UPDATE, worker_id)
    receipt = services.ledger.record_departure(worker_id, departed_on=body.departed_on, expected_version=expected)
    return Written(position=receipt.position, version=receipt.version)


@router.post("/{workerId}/population-registrations", status_code=status.HTTP_201_CREATED)
def record_population_registration(
    worker_id: WorkerId,
    body: PopulationRegistration,
    services: ServicesDep,
    principal: Municipality,
    processing: ProcessingDep,
    expected: IfMatch,
    idempotent: Idempotent,
) -> Written:
    """Record the worker's registration in the BRP (with its address) or the RNI, with the BSN when known.

    The municipality's fact, from the BRP: a BRP registration clears the BRP
    alerts for good; its address raises `brp_address_differs` while it is
    not the registered housing.
    """
    require_worker_in_scope(services, principal, worker_id)
    processing.record(Activity.REGISTRATION, Operation.UPDATE, worker_id)
    receipt = services.ledger.record_population_registration(
        worker_id,
        register=body.population_register.value,
        registered_on=body.registered_on,
        bsn=body.bsn,
        address=body.address.to_address() if body.address else None,
        expected_version=expected,
    )
    return Written(position=receipt.position, version=receipt.version)


@router.post("/{workerId}/confirmations", status_code=status.HTTP_201_CREATED)
def confirm_registration(
    worker_id: WorkerId,
    body: RegistrationConfirmation,
    services: ServicesDep,
    principal: Registrant,
    processing: ProcessingDep,
    expected: IfMatch,
    idempotent: Idempotent,
) -> Written:
    """Confirm that the worker is still employed, with the expected end from now on; clears `stale_registration`."""
    require_worker_in_scope(services, principal, worker_id)
    processing.record(Activity.REGISTRATION, Operation.UPDATE, worker_id)
    receipt = services.ledger.confirm_registration(
        worker_id,
        confirmed_on=body.confirmed_on,
        expected_end_date=body.expected_end_date,
        expected_version=expected,
    )
    return Written(position=receipt.position, version=receipt.version)


@router.post("/{workerId}/population-deregistrations", status_code=status.HTTP_201_CREATED)
def record_population_deregistration(
    worker_id: WorkerId,
    body: PopulationDeregistration,
    services: ServicesDep,
    principal: Municipality,
    processing: ProcessingDep,
    expected: IfMatch,
    idempotent: Idempotent,
) -> Written:
    """Record that the BRP ended the worker's registration (emigrated, or whereabouts unknown)."""
    require_worker_in_scope(services, principal, worker_id)
    processing.record(Activity.REGISTRATION, Operation.UPDATE, worker_id)
    receipt = services.ledger.record_population_deregistration(
        worker_id, deregistered_on=body.deregistered_on, reason=body.reason.value, expected_version=expected
    )
    return Written(position=receipt.position, version=receipt.version)


@router.post("/{workerId}/population-declarations", status_code=status.HTTP_201_CREATED)
def report_population_declaration(
    worker_id: WorkerId,
    body: PopulationDeclaration,
    services: ServicesDep,
    principal: Registrant,
    processing: ProcessingDep,
    expected: IfMatch,
    idempotent: Idempotent,
) -> Written:
    """Report that the worker declared a BRP or RNI registration: shown as declared by the employer.

    It is no registration: it clears no alert (only the municipality records one).
    """
    require_worker_in_scope(services, principal, worker_id)
    processing.record(Activity.REGISTRATION, Operation.UPDATE, worker_id)
    receipt = services.ledger.report_population_declaration(
        worker_id,
        register=body.population_register.value,
        declared_on=body.declared_on,
        expected_version=expected,
    )
    return Written(position=receipt.position, version=receipt.version)


@router.post("/{workerId}/temporary-protections", status_code=status.HTTP_201_CREATED)
def record_temporary_protection(
    worker_id: WorkerId,
    body: TemporaryProtection,
    services: ServicesDep,
    principal: Registrant,
    processing: ProcessingDep,
    expected: IfMatch,
    idempotent: Idempotent,
) -> Written:
    """Record that the worker is under temporary protection from `validFrom`: the BRP within 5 days of arrival."""
    require_worker_in_scope(services, principal, worker_id)
    processing.record(Activity.REGISTRATION, Operation.UPDATE, worker_id)
    receipt = services.ledger.record_temporary_protection(
        worker_id, valid_from=body.valid_from, expected_version=expected
    )
    return Written(position=receipt.position, version=receipt.version)


@router.post("/{workerId}/legal-holds", status_code=status.HTTP_201_CREATED)
def place_legal_hold(
    worker_id: WorkerId,
    body: LegalHoldCreate,
    services: ServicesDep,
    principal: Enforcer,
    processing: ProcessingDep,
    expected: IfMatch,
    idempotent: Idempotent,
) -> Written:
    """Place a legal hold for an open enforcement case: the worker's data may not be erased; 409 if in place.

    The hold is due for review from `reviewOn` (default: in 12 months) until it is lifted.
    """
    require_worker_in_scope(services, principal, worker_id)
    processing.record(Activity.ENFORCEMENT, Operation.UPDATE, worker_id)
    receipt = services.ledger.place_legal_hold(
        worker_id,
        case_reference=body.case_reference,
        reason=body.reason,
        review_on=body.review_on,
        expected_version=expected,
    )
    return Written(position=receipt.position, version=receipt.version)


@router.delete("/{workerId}/legal-holds/{caseReference}")
def lift_legal_hold(
    worker_id: WorkerId,
    case_reference: Annotated[str, Path(alias="caseReference", description="The case whose hold is lifted.")],
    services: ServicesDep,
    principal: Enforcer,
    processing: ProcessingDep,
    expected: IfMatch,
    idempotent: Idempotent,
) -> Written:
    """Lift the legal hold of a closed case; 404 if the worker has no hold for it."""
    require_worker_in_scope(services, principal, worker_id)
    processing.record(Activity.ENFORCEMENT, Operation.UPDATE, worker_id)
    receipt = services.ledger.lift_legal_hold(worker_id, case_reference=case_reference, expected_version=expected)
    return Written(position=receipt.position, version=receipt.version)


@router.post("/{workerId}/erasure")
def erase_worker(
    worker_id: WorkerId,
    body: ErasureRequest,
    services: ServicesDep,
    principal: Administrator,
    processing: ProcessingDep,
    idempotent: Idempotent,
) -> Written:
    """Erase the worker's personal data for good (its key is destroyed); 409 while a legal hold is in place.

    `reasonCode` is kept with the erasure and shown in the access log and the
    exports; the optional `reason` text becomes a note of its own, readable
    by auditors in the event feed until its retention period ends.
    """
    require_worker_in_scope(services, principal, worker_id)
    code = body.reason_code.value
    processing.record(Activity.DATA_SUBJECT_RIGHTS, Operation.DELETE, worker_id, reason_code=code)
    receipt = services.ledger.shred_subject(
        worker_id, policy=ERASURE_REQUEST_POLICY, reason_code=code, note=body.reason
    )
    if body.reason and body.reason.strip():  # the note is a staff record that may name the person
        note = erasure_note_id_for(worker_id)
        processing.record(Activity.DATA_SUBJECT_RIGHTS, Operation.CREATE, note, subject_type="erasure_note")
    return Written(position=receipt.position, version=receipt.version)
