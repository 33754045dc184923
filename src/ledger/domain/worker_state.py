"""What a worker's events build (`ledger.domain.worker`), and what is read from it: housing, employer, work address.

The state is set by the events' `apply`; the aggregate class itself, with its
events, is `Worker` (`ledger.domain.worker`), its commands `WorkerCommands`
(`ledger.domain.worker_commands`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.domain import territory
from ledger.domain.errors import Conflict
from ledger.domain.legal_hold import HoldReview
from ledger.domain.territory import Housing, Territory
from ledger.domain.timeline import Move, Timeline, housing_timeline
from ledger.domain.values import Address, Sealable


class WorkerState:
    """A worker's state, and the questions the commands, the service and the views ask of it."""

    if TYPE_CHECKING:  # State set by the events; a class annotation would become an __init__ field.
        employer_id: UUID  # the employer in force now
        employers: Timeline[UUID]
        family_name: Sealable[str]
        given_names: Sealable[str]
        birth_date: Sealable[date]
        nationality: str
        id_document_type: Sealable[str]
        id_document_number: Sealable[str]
        id_document_expires_on: Sealable[date]
        bsn: Sealable[str | None]
        employment_start: date
        expected_end_date: date | None
        work_addresses: Timeline[Address]
        moves: list[Move[UUID | Territory]]  # the inputs of the housing timeline
        contract_end: date | None
        contract_end_reason: Sealable[str | None]
        departed_on: date | None
        population_register: tuple[str, date] | None
        deregistered_on: date | None
        temporary_protection_from: date | None
        legal_holds: dict[str, Sealable[str]]
        hold_reviews: dict[str, HoldReview]
        shredded: bool

    def housing_timeline(self) -> Timeline[Housing]:
        """Where the worker lives over time: housing changes, ended by the latest departure (`housing_timeline`)."""
        return housing_timeline(self.moves)

    def housing_on(self, day: date) -> UUID | None:
        """The housing location the worker lives at on `day`, if any (outside the municipality is none)."""
        return territory.location_of(self.housing_timeline().value_on(day, None))

    def lives_outside_on(self, day: date) -> bool:
        """Whether the worker lives outside the municipality on `day` (a commuter)."""
        return isinstance(self.housing_timeline().value_on(day, None), territory.Territory)

    def employer_on(self, day: date) -> UUID:
        """The employer on `day` (the registering one until the first transfer)."""
        return self.employers.value_on(day, self.employer_id)

    def work_address_on(self, day: date) -> Address:
        """The work address on `day` (the first one before the employment starts)."""
        first = self.work_addresses.intervals()[0].value
        return self.work_addresses.value_on(day, first)

    def _guard_not_shredded(self) -> None:
        if self.shredded:
            raise Conflict("the worker's personal data has been shredded; no new personal data can be added")
