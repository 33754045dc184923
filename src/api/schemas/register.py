"""The answers about workers, from the worker register: one worker, a page of them, a search, the residence history.

Personal fields read `null` where the subject's key is gone (`shredded: true`); the BSN only
for the municipal roles, a hold's reason only for those who may read it.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

from api.schemas.common import LOCATION_LABEL, ApiModel, Instant, RequestModel, plain
from api.schemas.workers import IsoDate
from ledger.domain.values import Address, DocumentType
from projections.history import ResidenceInterval
from projections.labels import Labels
from projections.register_records import LegalHold, PopulationRegistration, PopulationStatus, WorkerRecord, WorkerStatus


class AddressPublic(ApiModel):
    """A Dutch postal address."""

    street: str
    house_number: int
    house_letter: str | None
    house_number_addition: str | None
    postcode: str
    city: str

    @classmethod
    def of(cls, address: Address) -> AddressPublic:
        """From the domain's address."""
        return cls(
            street=address.street,
            house_number=address.house_number,
            house_letter=address.house_letter,
            house_number_addition=address.house_number_addition,
            postcode=address.postcode,
            city=address.city,
        )


class IdentityDocumentPublic(ApiModel):
    """The identity document shown at registration."""

    type: str
    number: str
    expires_on: date


class PersonPublic(ApiModel):
    """Who the worker is; every member but the nationality is `null` once the data is erased."""

    family_name: str | None
    given_names: str | None
    birth_date: date | None
    nationality: str
    id_document: IdentityDocumentPublic | None
    bsn: str | None = Field(
        description="Recorded by the municipality only; `null` in every answer to an employer (Wabb art. 1, 10;"
        " UAVG art. 46)."
    )


class PopulationDeclarationPublic(ApiModel):
    """A registration the employer reported as declared: shown as such, it is no registration and clears no alert."""

    population_register: str = Field(alias="register", description="BRP or RNI, as the employer reported it.")
    declared_on: date


class PopulationRegistrationPublic(ApiModel):
    """The worker's registration in the BRP (ingezetene) or the RNI (niet-ingezetene), as far as it is known.

    `status`: `registered` or `deregistered` after the municipality's latest
    fact; `declared_by_employer` when only the employer reported one.
    """

    status: PopulationStatus
    # Not `register`: that would shadow `BaseModel.register` (ABCMeta); the wire name is kept by the alias.
    population_register: str | None = Field(
        alias="register",
        description="BRP or RNI: the municipality's latest registration (`null` when it recorded none).",
    )
    registered_on: date | None
    municipality_code: str | None = Field(
        description="BRP: the CBS gemeentecode of the municipality where the BRP address is (4 digits)."
    )
    address_since: date | None = Field(description="BRP: the first day of the BRP address.")
    deregistered_on: date | None
    deregistration_reason: str | None = Field(description="`emigrated` or `unknown_whereabouts`.")
    declaration: PopulationDeclarationPublic | None = Field(description="The employer's latest declaration.")

    @classmethod
    def of(cls, p: PopulationRegistration) -> PopulationRegistrationPublic:
        """From the register's record."""
        declared = None
        if p.declared_register is not None and p.declared_on is not None:
            declared = PopulationDeclarationPublic(register=p.declared_register, declared_on=p.declared_on)
        return cls(
            status=p.status,
            register=p.register,
            registered_on=p.registered_on,
            municipality_code=p.municipality_code,
            address_since=p.address_since,
            deregistered_on=p.deregistered_on,
            deregistration_reason=p.deregistration_reason,
            declaration=declared,
        )


class LegalHoldPublic(ApiModel):
    """A legal hold in place: erasure is refused while it is."""

    case_reference: str
    placed_at: Instant


class LegalHoldWithReason(LegalHoldPublic):
    """A legal hold with its reason (inspectors and admins only; `null` once the data is erased)."""

    reason: str | None


class WorkerPublic(ApiModel):
    """A worker as the register knows it today."""

    id: UUID
    employer_id: UUID
    employer_name: str | None = Field(default=None, description="The employer's trade name.")
    status: WorkerStatus
    person: PersonPublic
    shredded: bool
    housing_location_id: UUID | None = Field(description="Where the worker lives today; `null` if not housed.")
    housing_location_label: str | None = Field(default=None, description=LOCATION_LABEL)
    outside_municipality: bool = Field(
        description="The worker lives outside the municipality today (a commuter; `housingLocationId` is `null`)."
    )
    work_address: AddressPublic
    contract_start: date
    expected_end_date: date | None
    contract_end: date | None
    departed_on: date | None
    population_register: PopulationRegistrationPublic | None
    temporary_protection_from: date | None = Field(
        description="The first day of temporary protection (then BRP, never RNI, whatever the expected stay)."
    )
    retention_due_on: date | None = Field(default=None, description="When the personal data is due for erasure.")
    legal_holds: list[LegalHoldWithReason | LegalHoldPublic]
    version: int = Field(description="The aggregate version, for `If-Match`.")

    @classmethod
    def of(
        cls,
        record: WorkerRecord,
        *,
        hold_reasons: bool,
        bsn: bool,
        retention_due_on: date | None = None,
        labels: Labels | None = None,
    ) -> WorkerPublic:
        """From a register record, ids labelled; the holds' reasons only when `hold_reasons`, the BSN when `bsn`."""
        labels = labels or Labels()
        return cls(
            id=record.id,
            employer_id=record.employer_id,
            employer_name=labels.employer(record.employer_id),
            status=record.status,
            person=_person(record, bsn=bsn),
            shredded=record.shredded,
            housing_location_id=record.housing_location_id,
            housing_location_label=labels.location(record.housing_location_id),
            outside_municipality=record.outside_municipality,
            work_address=AddressPublic.of(record.work_address),
            contract_start=record.contract_start,
            expected_end_date=record.expected_end_date,
            contract_end=record.contract_end,
            departed_on=record.departed_on,
            population_register=(PopulationRegistrationPublic.of(p) if (p := record.population_register) else None),
            temporary_protection_from=record.temporary_protection_from,
            retention_due_on=retention_due_on,
            legal_holds=[_hold(h, with_reason=hold_reasons) for h in record.legal_holds],
            version=record.version,
        )


def _person(record: WorkerRecord, *, bsn: bool) -> PersonPublic:
    person = record.person
    kind, number, expires = (
        plain(person.id_document_type),
        plain(person.id_document_number),
        plain(person.id_document_expires_on),
    )
    document = None
    if kind is not None and number is not None and expires is not None:
        document = IdentityDocumentPublic(type=kind, number=number, expires_on=expires)
    return PersonPublic(
        family_name=plain(person.family_name),
        given_names=plain(person.given_names),
        birth_date=plain(person.birth_date),
        nationality=record.nationality,
        id_document=document,
        bsn=plain(person.bsn) if bsn else None,
    )


def _hold(hold: LegalHold, *, with_reason: bool) -> LegalHoldWithReason | LegalHoldPublic:
    if with_reason:
        return LegalHoldWithReason(
            case_reference=hold.case_reference, placed_at=hold.placed_at, reason=plain(hold.reason)
        )
    return LegalHoldPublic(case_reference=hold.case_reference, placed_at=hold.placed_at)


class WorkersPage(ApiModel):
    """A page of workers in id order."""

    items: list[WorkerPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; `null` on the last page.")


class DocumentSearch(RequestModel):
    """An identity document: type, number and nationality, matched through the blind index (docs/claims.md)."""

    type: DocumentType
    number: str = Field(
        min_length=1, max_length=40, description="Spaces and case do not matter.", examples=["EA1234567"]
    )
    nationality: str = Field(min_length=1, max_length=3, description="ISO 3166-1 alpha-3.", examples=["POL"])


class WorkerSearch(RequestModel):
    """A search by family name, by identity document, or both.

    The family name is matched exactly once normalised (case, marks and
    spacing do not matter); the document answers "is this person already
    registered?", also after the registration ended.
    """

    family_name: str | None = Field(default=None, min_length=1, max_length=200, examples=["Kowalska"])
    birth_date: IsoDate | None = None
    id_document: DocumentSearch | None = None


class WorkerList(ApiModel):
    """Workers found."""

    items: list[WorkerPublic]


class ResidenceIntervalPublic(ApiModel):
    """The worker lived at a location over [validFrom, validTo); the ledger recorded this at `recordedAt`."""

    housing_location_id: UUID
    housing_location_label: str | None = Field(default=None, description=LOCATION_LABEL)
    valid_from: date
    valid_to: date | None
    recorded_at: Instant

    @classmethod
    def of(cls, interval: ResidenceInterval, labels: Labels | None = None) -> ResidenceIntervalPublic:
        """From the history query's interval, its location labelled."""
        return cls(
            housing_location_id=interval.housing_location_id,
            housing_location_label=(labels or Labels()).location(interval.housing_location_id),
            valid_from=interval.valid_from,
            valid_to=interval.valid_to,
            recorded_at=interval.recorded_at,
        )


class ResidenceHistoryPublic(ApiModel):
    """Where a worker lived, as believed at an instant."""

    worker_id: UUID
    as_known_at: Instant
    intervals: list[ResidenceIntervalPublic]
