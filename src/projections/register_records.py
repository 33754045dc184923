"""What the worker register's queries answer: frozen records, personal fields opened or `SHREDDED`.

Whole workers (`WorkerRecord`), or just the names that lists of occupants and
residents show (`WorkerName`); and the pieces a record is read from a row with.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from ledger.domain.timeline import Timeline
from ledger.domain.values import SHREDDED, Address, Sealable
from projections.register_tables import PERSONAL_FIELDS


class WorkerStatus(StrEnum):
    """Where a worker stands on a given day (see `projections.register` for the rules)."""

    ACTIVE = "active"
    CONTRACT_ENDED = "contract_ended"
    DEPARTED = "departed"
    SHREDDED = "shredded"


@dataclass(frozen=True)
class PersonalDetails:
    """The worker's personal fields, opened; each is `SHREDDED` once the key is gone."""

    family_name: Sealable[str]
    given_names: Sealable[str]
    birth_date: Sealable[date]
    id_document_type: Sealable[str]
    id_document_number: Sealable[str]
    id_document_expires_on: Sealable[date]
    bsn: Sealable[str | None]

    def __repr__(self) -> str:
        # A repr ends up in logs and tracebacks: it must not carry the person.
        return "PersonalDetails(SHREDDED)" if self.family_name is SHREDDED else "PersonalDetails(...)"


SHREDDED_DETAILS = PersonalDetails(*(SHREDDED,) * len(PERSONAL_FIELDS))


class PopulationStatus(StrEnum):
    """What is known of the worker's population registration (docs/domain-rules.md § The BRP and the RNI)."""

    REGISTERED = "registered"  # the municipality recorded a BRP or RNI registration last
    DEREGISTERED = "deregistered"  # the municipality recorded a deregistration last
    DECLARED_BY_EMPLOYER = "declared_by_employer"  # only the employer's report: shown, it clears nothing


@dataclass(frozen=True)
class PopulationRegistration:
    """The worker's population-register facts: the municipality's latest, and the employer's declaration."""

    register: str | None  # the municipality's latest registration (None if it recorded none)
    registered_on: date | None
    status: PopulationStatus = PopulationStatus.REGISTERED
    municipality_code: str | None = None  # BRP only: the municipality holding the address
    address_since: date | None = None
    deregistered_on: date | None = None
    deregistration_reason: str | None = None
    declared_register: str | None = None  # the employer's latest declaration
    declared_on: date | None = None


@dataclass(frozen=True)
class LegalHold:
    """A legal hold in place: its case, when it was placed, and its (personal) reason."""

    case_reference: str
    placed_at: datetime
    reason: Sealable[str] = dataclasses.field(repr=False)  # free text about the person


@dataclass(frozen=True)
class WorkerRecord:
    """One row of the worker register, as of the `today` it was read for."""

    id: UUID
    employer_id: UUID
    status: WorkerStatus
    shredded: bool
    person: PersonalDetails
    nationality: str
    housing_location_id: UUID | None
    outside_municipality: bool  # lives outside the municipality today (a commuter)
    work_address: Address
    contract_start: date
    expected_end_date: date | None
    contract_end: date | None
    departed_on: date | None
    population_register: PopulationRegistration | None
    legal_holds: tuple[LegalHold, ...]
    version: int
    temporary_protection_from: date | None = None


@dataclass(frozen=True)
class WorkerName:
    """Who a worker is in a list of occupants or residents: the names opened, or `SHREDDED`."""

    id: UUID
    employer_id: UUID
    shredded: bool
    family_name: Sealable[str] = dataclasses.field(repr=False)
    given_names: Sealable[str] = dataclasses.field(repr=False)


def work_address_on(entries: list[Any], day: date) -> Address:
    """The work address on `day`, like `Worker.work_address_on` (the first before it starts)."""
    timeline: Timeline[Address] = Timeline()
    for e in entries:
        address = Address(
            street=e.street,
            house_number=e.house_number,
            postcode=e.postcode,
            city=e.city,
            house_letter=e.house_letter,
            house_number_addition=e.house_number_addition,
        )
        timeline.record(e.valid_from, address, e.seq)
    return timeline.value_on(day, timeline.intervals()[0].value)


def population_registration(row: Any) -> PopulationRegistration | None:
    """A register row's population-register facts; None when neither the municipality nor the employer gave any."""
    if row.population_status is not None:
        status = PopulationStatus(row.population_status)
    elif row.population_register is not None:  # the status came with issue 16; a rebuild fills it in
        status = PopulationStatus.REGISTERED
    elif row.declared_on is not None:
        status = PopulationStatus.DECLARED_BY_EMPLOYER
    else:
        return None
    return PopulationRegistration(
        register=row.population_register,
        registered_on=row.population_registered_on,
        status=status,
        municipality_code=row.population_municipality_code,
        address_since=row.population_address_since,
        deregistered_on=row.deregistered_on,
        deregistration_reason=row.deregistration_reason,
        declared_register=row.declared_register,
        declared_on=row.declared_on,
    )
