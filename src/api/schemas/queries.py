"""The query endpoints' parameters and answers: occupancy, residents, headcounts, workers, alerts, access log.

Answers are built from the read models' records by `of(…)` constructors, so
routes stay a few lines: personal fields read `null` where the subject's key
is gone (`shredded: true`), instants are UTC with `Z`, ids are UUID strings.
The parameters several routes share live here too: `on` / `asKnownAt`
(defaults: today in the municipality's zone, now; any offset accepted) and the
`employerId` filter within an employer-only caller's scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import Depends, Query
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from api.auth import Principal
from api.deps import ServicesDep
from api.schemas.common import ApiModel, RequestModel
from api.schemas.workers import IsoDate
from api.scoping import employer_scope, require_employer_in_scope
from ledger.domain.housing_location import LimitBasis
from ledger.domain.values import (
    EARLIEST_DATE,
    LATEST_DATE,
    SHREDDED,
    Address,
    DocumentType,
    Sealable,
    date_in_range,
)
from ledger.processing_log import LogLine
from projections.alerts import Alert, AlertKind
from projections.headcounts import GroupBy, Headcounts
from projections.history import ResidenceInterval
from projections.labels import Labels
from projections.occupancy import Occupancy, Resident
from projections.register_queries import (
    LegalHold,
    PopulationRegistration,
    PopulationStatus,
    WorkerName,
    WorkerRecord,
    WorkerStatus,
)

T = TypeVar("T")

# Beside every location id: what a person reads (issue 18; `projections.labels`).
LOCATION_LABEL = "The location's address on one line (`Kerkstraat 12A-2, 1671 AB Medemblik`)."


def _plain(value: Sealable[T]) -> T | None:
    """A personal value, or None once its subject's key is gone."""
    return None if value is SHREDDED else value


# -- parameters ----------------------------------------------------------------------


_ISO_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T.+")


def _iso_instant_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    # An unencoded "+01:00" in a query string arrives as " 01:00" (form encoding);
    # the offset is what the client meant, so it is read back rather than refused.
    if len(value) > 6 and value[-6] == " ":
        value = f"{value[:-6]}+{value[-5:]}"
    # Pydantic would also take a Unix timestamp; the contract writes instants in ISO 8601.
    if not _ISO_INSTANT.fullmatch(value):
        raise PydanticCustomError("datetime_format", "expected an ISO 8601 instant, like 2026-03-01T09:30:00Z")
    return value


def _in_utc(instant: datetime) -> datetime:
    try:
        return instant.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is in the year 10000 in UTC
        raise PydanticCustomError("datetime_range", "the instant is out of range in UTC") from None


def _instant_in_range(instant: datetime) -> datetime:
    # The ledger's date bounds hold for instants too: their day in UTC.
    if not date_in_range(instant.date()):
        raise PydanticCustomError(
            "datetime_out_of_range",
            "must be between {earliest} and {latest}",
            {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )
    return instant


# How far ahead of the server's clock `asKnownAt` may be: clocks of clients differ a little,
# but nothing is known about a later moment yet, and an answer "as known then" would change.
AS_KNOWN_AT_LEEWAY = timedelta(minutes=1)


def _not_ahead_of_now(instant: datetime) -> datetime:
    if instant > datetime.now(UTC) + AS_KNOWN_AT_LEEWAY:
        raise PydanticCustomError("datetime_future", "must not be more than a minute ahead of the server's clock")
    return instant


# An instant answered in UTC (serialised with `Z`), whatever offset it came with.
Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]
# An instant in a query string: ISO 8601 with an offset (a naive time is refused: it names no
# instant), converted to UTC, within the ledger's date bounds.
QueryInstant = Annotated[
    AwareDatetime, BeforeValidator(_iso_instant_text), AfterValidator(_in_utc), AfterValidator(_instant_in_range)
]
# The instant a bitemporal answer is as known at: not later than now (plus the leeway).
KnownAt = Annotated[QueryInstant, AfterValidator(_not_ahead_of_now)]

On = Annotated[IsoDate | None, Query(description="The day asked about, `YYYY-MM-DD` (default: today).")]
AsKnownAt = Annotated[
    KnownAt | None,
    Query(
        alias="asKnownAt",
        description="Answer from the events recorded at or before this instant (default: now; "
        "at most a minute ahead of the server's clock).",
    ),
]


@dataclass(frozen=True)
class Moment:
    """A bitemporal point: the day asked about, as known at an instant (UTC)."""

    on: date
    as_known_at: datetime


def moment(services: ServicesDep, on: On = None, as_known_at: AsKnownAt = None) -> Moment:
    """`on` (default today, in the municipality's zone) and `asKnownAt` (default now), resolved."""
    return Moment(
        on=on if on is not None else services.ledger.today(),
        as_known_at=as_known_at if as_known_at is not None else datetime.now(UTC),
    )


MomentDep = Annotated[Moment, Depends(moment)]


def scoped_employer(principal: Principal, asked: UUID | None) -> UUID | None:
    """The `employerId` filter to apply: the asked one within the caller's scope (another employer is 404)."""
    if asked is None:
        return employer_scope(principal)
    require_employer_in_scope(principal, asked)
    return asked


# -- occupancy and residents ------------------------------------------------------------


class OccupantPublic(ApiModel):
    """A worker living at the location on the day asked."""

    worker_id: UUID
    family_name: str | None = Field(description="`null` once the worker's personal data is erased.")
    given_names: str | None
    since: date = Field(description="First day of the current stay at this location.")
    shredded: bool

    @classmethod
    def of(cls, stay: Resident, name: WorkerName | None) -> OccupantPublic:
        """An occupant from a stay and the worker's name (None: not yet in the register)."""
        family, given, shredded = _names(name)
        return cls(
            worker_id=stay.worker_id, family_name=family, given_names=given, since=stay.valid_from, shredded=shredded
        )


class OccupancyPublic(ApiModel):
    """A housing location on a day, as known at an instant."""

    housing_location_id: UUID
    housing_location_label: str | None = Field(default=None, description=LOCATION_LABEL)
    on: date
    as_known_at: Instant
    headcount: int = Field(description="Everyone living there, whoever employs them.")
    max_occupants: int | None = Field(
        description=(
            "The permitted maximum on `on`: the municipality's limit, else floor(floor area / the floor-area norm"
            " in force that day), else `null`: not assessed (alert `limit_not_assessed`)."
        )
    )
    limit_basis: LimitBasis | None = Field(
        description="Where `maxOccupants` comes from: the municipality, or the floor area and the norm; `null` with it."
    )
    proposed_max_occupants: int | None = Field(
        description=(
            "The number an employer gave at registration: recorded, never counted. `null` when none was"
            " proposed, and for a caller that is an employer."
        )
    )
    over_capacity: bool | None = Field(description="`null` while the permitted maximum is unknown.")
    over_capacity_since: date | None = Field(description="First day of the unbroken over-full run up to `on`.")
    occupants: list[OccupantPublic]

    @classmethod
    def of(
        cls, occupancy: Occupancy, names: dict[UUID, WorkerName], *, show_proposal: bool, label: str | None = None
    ) -> OccupancyPublic:
        """The answer from the occupancy query and the occupants' names; the proposal only if `show_proposal`."""
        return cls(
            housing_location_id=occupancy.housing_location_id,
            housing_location_label=label,
            on=occupancy.on,
            as_known_at=occupancy.as_known_at,
            headcount=occupancy.headcount,
            max_occupants=occupancy.max_occupants,
            limit_basis=occupancy.limit_basis,
            proposed_max_occupants=occupancy.proposed_max_occupants if show_proposal else None,
            over_capacity=occupancy.over_capacity,
            over_capacity_since=occupancy.over_capacity_since,
            occupants=[OccupantPublic.of(s, names.get(s.worker_id)) for s in occupancy.occupants],
        )


class ResidentPublic(ApiModel):
    """A stay at the location that shares at least one day with the period asked."""

    worker_id: UUID
    family_name: str | None
    given_names: str | None
    valid_from: date
    valid_to: date | None = Field(description="Exclusive; `null` while the stay lasts.")
    shredded: bool

    @classmethod
    def of(cls, stay: Resident, name: WorkerName | None) -> ResidentPublic:
        """A resident from a stay and the worker's name (None: not yet in the register)."""
        family, given, shredded = _names(name)
        return cls(
            worker_id=stay.worker_id,
            family_name=family,
            given_names=given,
            valid_from=stay.valid_from,
            valid_to=stay.valid_to,
            shredded=shredded,
        )


class ResidentsPublic(ApiModel):
    """Everyone who lived at a location on any day of a period."""

    housing_location_id: UUID
    housing_location_label: str | None = Field(default=None, description=LOCATION_LABEL)
    as_known_at: Instant
    residents: list[ResidentPublic]

    @classmethod
    def of(
        cls,
        location_id: UUID,
        as_known_at: datetime,
        stays: list[Resident],
        names: dict[UUID, WorkerName],
        label: str | None = None,
    ) -> ResidentsPublic:
        """The answer from the residents query and the residents' names."""
        residents = [ResidentPublic.of(stay, names.get(stay.worker_id)) for stay in stays]
        return cls(
            housing_location_id=location_id, housing_location_label=label, as_known_at=as_known_at, residents=residents
        )


def _names(name: WorkerName | None) -> tuple[str | None, str | None, bool]:
    if name is None:
        return None, None, False
    return _plain(name.family_name), _plain(name.given_names), name.shredded


# -- headcounts --------------------------------------------------------------------------


class HeadcountGroup(ApiModel):
    """The housed workers of one group."""

    key: str = Field(description="A housing location or employer id, a nationality, or a postcode's four digits.")
    label: str | None = Field(
        default=None, description="The employer's name or the location's address on one line; `null` for the others."
    )
    headcount: int


class HeadcountsPublic(ApiModel):
    """Housed workers per group on a day, as known at an instant."""

    on: date
    as_known_at: Instant
    group_by: GroupBy
    total: int
    groups: list[HeadcountGroup]

    @classmethod
    def of(cls, counts: Headcounts, labels: Labels | None = None) -> HeadcountsPublic:
        """The answer from the headcount query (ids as UUID strings, like everywhere in the API), ids labelled."""
        labels = labels or Labels()
        label = {GroupBy.HOUSING_LOCATION: labels.location, GroupBy.EMPLOYER: labels.employer}.get(counts.group_by)
        return cls(
            on=counts.on,
            as_known_at=counts.as_known_at,
            group_by=counts.group_by,
            total=counts.total,
            groups=[
                HeadcountGroup(key=str(UUID(k)), label=label(UUID(k)), headcount=n)
                if label
                else HeadcountGroup(key=k, headcount=n)
                for k, n in counts.groups.items()
            ],
        )


# -- workers -----------------------------------------------------------------------------


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
        _plain(person.id_document_type),
        _plain(person.id_document_number),
        _plain(person.id_document_expires_on),
    )
    document = None
    if kind is not None and number is not None and expires is not None:
        document = IdentityDocumentPublic(type=kind, number=number, expires_on=expires)
    return PersonPublic(
        family_name=_plain(person.family_name),
        given_names=_plain(person.given_names),
        birth_date=_plain(person.birth_date),
        nationality=record.nationality,
        id_document=document,
        bsn=_plain(person.bsn) if bsn else None,
    )


def _hold(hold: LegalHold, *, with_reason: bool) -> LegalHoldWithReason | LegalHoldPublic:
    if with_reason:
        return LegalHoldWithReason(
            case_reference=hold.case_reference, placed_at=hold.placed_at, reason=_plain(hold.reason)
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


# -- alerts and the access log -------------------------------------------------------------


class AlertPublic(ApiModel):
    """One warning in force today."""

    kind: AlertKind
    subject_id: UUID = Field(description="The housing location or the worker the alert is about.")
    since: date
    detail: str
    housing_location_id: UUID | None
    housing_location_label: str | None = Field(default=None, description=LOCATION_LABEL)
    employer_id: UUID | None
    employer_name: str | None = Field(default=None, description="The employer's trade name.")

    @classmethod
    def of(cls, alert: Alert, labels: Labels | None = None) -> AlertPublic:
        """From the alerts query, its ids labelled."""
        labels = labels or Labels()
        return cls(
            kind=alert.kind,
            subject_id=alert.subject_id,
            since=alert.since,
            detail=alert.detail,
            housing_location_id=alert.housing_location_id,
            housing_location_label=labels.location(alert.housing_location_id),
            employer_id=alert.employer_id,
            employer_name=labels.employer(alert.employer_id),
        )


class AlertsPublic(ApiModel):
    """The alerts in force today."""

    items: list[AlertPublic]


class AccessLogLine(ApiModel):
    """One line of the processing log: who processed whose data, when, for what."""

    at: Instant
    actor: str
    role: str
    processing_activity: str
    subject_id: UUID
    operation: str
    outcome: str
    trace_id: str
    reason_code: str | None = Field(
        default=None,
        description="Why: an erasure's reason code, or why an export opened the personal data; `null` on other lines.",
    )
    destroy_on: date | None = Field(
        default=None,
        description="By when the copy an export with opened personal data made is to be destroyed; `null` on other "
        "lines (a person's own export belongs to the person).",
    )

    @classmethod
    def of(cls, line: LogLine) -> AccessLogLine:
        """From the processing log."""
        return cls(
            at=line.at,
            actor=line.actor,
            role=line.role,
            processing_activity=line.processing_activity,
            subject_id=line.subject_id,
            operation=line.operation,
            outcome=line.outcome,
            trace_id=line.trace_id,
            reason_code=line.reason_code,
            destroy_on=line.destroy_on,
        )


class AccessLogPublic(ApiModel):
    """A page of processing-log lines in time order."""

    items: list[AccessLogLine]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; `null` on the last page.")
