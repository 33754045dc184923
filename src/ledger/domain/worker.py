"""The Worker aggregate: a labour migrant registered by an employer; its events, and what each changes.

A worker's id is random (never derived from personal data). The worker's
housing is a valid-time timeline: each `HousingAddressChanged` says where the
worker lives from a date on, a departure ends housing from its date, and a
back-dated change is simply another entry — nothing is overwritten.

The event classes are nested here, in `Worker`, and must stay: their module
and names are their stored topics (docs/golden-ledger.md). The commands that
trigger them are `ledger.domain.worker_commands`', the state they build and
what is read from it `ledger.domain.worker_state`'s.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.domain import territory
from ledger.domain.erasure import upcast_shredding_v1_v2
from ledger.domain.legal_hold import HoldReview
from ledger.domain.territory import housing_of
from ledger.domain.timeline import Move, Timeline
from ledger.domain.transfer import current_employer
from ledger.domain.values import Address, Sealable
from ledger.domain.worker_commands import WorkerCommands


class Worker(WorkerCommands, Aggregate):
    """A registered labour migrant, with housing and work address over time."""

    class Registered(Aggregate.Created):
        """An employer registered a worker, with employment and (usually) housing.

        Version 2 added `housing_outside_municipality` (docs/domain-rules.md, *Territory*).
        """

        class_version = 2
        personal_fields: ClassVar[tuple[str, ...]] = (
            "family_name",
            "given_names",
            "birth_date",
            "id_document_type",
            "id_document_number",
            "id_document_expires_on",
            "bsn",
        )
        employer_id: UUID
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
        work_address: Address
        housing_location_id: UUID | None
        housing_valid_from: date | None
        housing_outside_municipality: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            territory.upcast_outside_v1_v2(state, "housing_outside_municipality")

        def apply(self, worker: Worker) -> None:
            worker.employer_id = self.employer_id
            worker.family_name = self.family_name
            worker.given_names = self.given_names
            worker.birth_date = self.birth_date
            worker.nationality = self.nationality
            worker.id_document_type = self.id_document_type
            worker.id_document_number = self.id_document_number
            worker.id_document_expires_on = self.id_document_expires_on
            worker.bsn = self.bsn
            worker.employment_start = self.employment_start
            worker.expected_end_date = self.expected_end_date
            # The registering employer's from the beginning (housing may begin before the employment); transfers
            # follow (ledger.domain.transfer). The read models fold it alike.
            worker.employers = Timeline()
            worker.employers.record(date.min, self.employer_id, self.originator_version)
            worker.work_addresses = Timeline()
            worker.work_addresses.record(self.employment_start, self.work_address, self.originator_version)
            worker.moves = []
            if self.housing_valid_from is not None:
                housing = housing_of(self.housing_location_id, self.housing_outside_municipality)
                worker.moves.append(Move(self.housing_valid_from, self.originator_version, housing))
            worker.contract_end = None
            worker.contract_end_reason = None
            worker.departed_on = None
            worker.population_register = None
            worker.deregistered_on = None
            worker.temporary_protection_from = None
            worker.legal_holds = {}
            worker.hold_reviews = {}
            worker.shredded = False

    class HousingAddressChanged(Aggregate.Event):
        """The worker lives at a housing location (or nowhere here: None; or outside the municipality) from a date on.

        Version 2 added `outside_municipality`.
        """

        class_version = 2
        housing_location_id: UUID | None
        valid_from: date
        outside_municipality: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            territory.upcast_outside_v1_v2(state, "outside_municipality")

        def apply(self, worker: Worker) -> None:
            housing = housing_of(self.housing_location_id, self.outside_municipality)
            worker.moves.append(Move(self.valid_from, self.originator_version, housing))

    class EmployerChanged(Aggregate.Event):
        """The registrar transferred the worker to another employer from a date on (ledger.domain.transfer)."""

        employer_id: UUID
        valid_from: date

        def apply(self, worker: Worker) -> None:
            worker.employers.record(self.valid_from, self.employer_id, self.originator_version)
            worker.employer_id = current_employer(worker.employers)

    class WorkAddressChanged(Aggregate.Event):
        """The worker works at another address from a date on."""

        work_address: Address
        valid_from: date

        def apply(self, worker: Worker) -> None:
            worker.work_addresses.record(self.valid_from, self.work_address, self.originator_version)

    class ContractEnded(Aggregate.Event):
        """The employment ended (or will end) on a date; a later one corrects it."""

        personal_fields: ClassVar[tuple[str, ...]] = ("reason",)
        end_date: date
        reason: Sealable[str | None]

        def apply(self, worker: Worker) -> None:
            worker.contract_end = self.end_date
            worker.contract_end_reason = self.reason

    class Departed(Aggregate.Event):
        """The worker left the municipality; housing ends from that date (a later one corrects it)."""

        departed_on: date

        def apply(self, worker: Worker) -> None:
            # A later departure corrects an earlier one (like a contract end): the housing timeline
            # counts only the latest.
            worker.departed_on = self.departed_on
            worker.moves.append(Move(self.departed_on, self.originator_version, departure=True))

    class PopulationRegisterRecorded(Aggregate.Event):
        """The municipality recorded the worker's BRP or RNI registration (with BSN when known).

        A BRP registration holds its address: the BAG id, the municipality's
        code and the date the holding began. Version 1 had no address; it is
        upcast with the address unknown (None).
        """

        class_version = 2
        personal_fields: ClassVar[tuple[str, ...]] = ("bsn",)
        register: str
        registered_on: date
        bsn: Sealable[str | None]
        address_bag_id: str | None
        municipality_code: str | None
        address_since: date | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(address_bag_id=None, municipality_code=None, address_since=None)

        def apply(self, worker: Worker) -> None:
            worker.population_register = (self.register, self.registered_on)
            worker.deregistered_on = None
            if self.bsn is not None:
                worker.bsn = self.bsn

    class RegistrationConfirmed(Aggregate.Event):
        """The employer vouches the worker is still employed on a day, expected to end then (None: unknown)."""

        confirmed_on: date
        expected_end_date: date | None

        def apply(self, worker: Worker) -> None:
            worker.expected_end_date = self.expected_end_date  # the latest confirmation's, as for a contract end

    class PopulationDeregistered(Aggregate.Event):
        """The municipality recorded that the BRP ended the worker's registration (emigrated, whereabouts unknown)."""

        deregistered_on: date
        reason: str

        def apply(self, worker: Worker) -> None:
            worker.deregistered_on = self.deregistered_on

    class PopulationDeclarationReported(Aggregate.Event):
        """The employer reported that the worker declared a BRP or RNI registration: shown, never a registration."""

        register: str
        declared_on: date

    class TemporaryProtectionRecorded(Aggregate.Event):
        """The worker is under temporary protection from a date (a later one corrects it): BRP, never RNI."""

        valid_from: date

        def apply(self, worker: Worker) -> None:
            worker.temporary_protection_from = self.valid_from

    class LegalHoldPlaced(Aggregate.Event):
        """An inspector placed a legal hold: nothing of the worker may be erased.

        It is due for review from `review_on` on (`ledger.domain.legal_hold`).
        Version 1 had no review date; it reads with None.
        """

        class_version = 2
        personal_fields: ClassVar[tuple[str, ...]] = ("reason",)
        case_reference: str
        reason: Sealable[str]
        review_on: date | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Its review date follows from when it was placed and the setting, when asked.
            state["review_on"] = None

        def apply(self, worker: Worker) -> None:
            worker.legal_holds[self.case_reference] = self.reason
            worker.hold_reviews[self.case_reference] = HoldReview(self.timestamp, self.review_on)

    class LegalHoldLifted(Aggregate.Event):
        """The enforcement case closed; its hold no longer blocks erasure."""

        case_reference: str

        def apply(self, worker: Worker) -> None:
            worker.legal_holds.pop(self.case_reference, None)
            worker.hold_reviews.pop(self.case_reference, None)

    class PersonalDataShredded(Aggregate.Event):
        """The worker's data key was destroyed; personal fields are unreadable for ever.

        `reason_code` says why (an `ErasureReason`; None for an erasure request
        recorded before reason codes were kept: version 1 of the event).
        """

        class_version = 2
        policy: str
        due_on: date | None
        reason_code: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_shredding_v1_v2(state)

        def apply(self, worker: Worker) -> None:
            worker.shredded = True

    def __repr__(self) -> str:
        # The library's repr lists every attribute, personal data included; a
        # repr ends up in logs and tracebacks, so it names the aggregate only.
        return f"Worker(id={self.id}, version={self.version})"
