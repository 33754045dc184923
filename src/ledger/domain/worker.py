"""The Worker aggregate: a labour migrant registered by an employer.

A worker's id is random (never derived from personal data). The worker's
housing is a valid-time timeline: each `HousingAddressChanged` says where the
worker lives from a date on, a departure ends housing from its date, and a
back-dated change is simply another entry — nothing is overwritten.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from ledger.domain import territory
from ledger.domain.erasure import ErasureReason, upcast_shredding_v1_v2
from ledger.domain.errors import Conflict, NotFound, Violations
from ledger.domain.housing_location import MUNICIPALITY, Registrant
from ledger.domain.legal_hold import HoldReview, checked_hold
from ledger.domain.population import (
    BrpAddress,
    checked_brp_address,
    checked_declaration,
    checked_deregistration,
    checked_protection,
)
from ledger.domain.staleness import checked_confirmation
from ledger.domain.territory import Housing, housing_of
from ledger.domain.timeline import Timeline
from ledger.domain.transfer import checked_transfer, current_employer
from ledger.domain.values import (
    Address,
    Employment,
    Person,
    PopulationRegister,
    Sealable,
    checked_address,
    checked_bsn,
    checked_date_in_range,
    checked_employment,
    checked_enum,
    checked_not_before_birth,
    checked_not_in_future,
    checked_not_too_far_ahead,
    checked_optional_text,
    checked_person,
)


class Worker(Aggregate):
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
            worker.housing = Timeline()
            if self.housing_valid_from is not None:
                housing = housing_of(self.housing_location_id, self.housing_outside_municipality)
                worker.housing.record(self.housing_valid_from, housing, self.originator_version)
            worker.contract_end = None
            worker.contract_end_reason = None
            worker.departed_on = None
            worker.departure_seq = 0
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
            worker.housing.record(self.valid_from, housing, self.originator_version)

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
            # A later departure corrects an earlier one (like a contract end), so
            # only the latest is kept; it enters the housing timeline on reading.
            worker.departed_on = self.departed_on
            worker.departure_seq = self.originator_version

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
        housing: Timeline[Housing]
        contract_end: date | None
        contract_end_reason: Sealable[str | None]
        departed_on: date | None
        departure_seq: int
        population_register: tuple[str, date] | None
        deregistered_on: date | None
        temporary_protection_from: date | None
        legal_holds: dict[str, Sealable[str]]
        hold_reviews: dict[str, HoldReview]
        shredded: bool

    def __repr__(self) -> str:
        # The library's repr lists every attribute, personal data included; a
        # repr ends up in logs and tracebacks, so it names the aggregate only.
        return f"Worker(id={self.id}, version={self.version})"

    @classmethod
    def register(
        cls,
        *,
        employer_id: UUID,
        person: Person,
        employment: Employment,
        housing_location_id: UUID | None,
        housing_valid_from: date | None,
        today: date,
        registrant: Registrant = MUNICIPALITY,
        housing_outside_municipality: bool = False,
    ) -> Worker:
        """Register a worker; `today` is the registration date (the domain reads no clock).

        Only the municipality records a BSN: a private party may use it only where
        a law prescribes it (Wabb art. 1, 10; UAVG art. 46), and no law prescribes
        it for an employer's registration here (docs/domain-rules.md).
        """
        v = Violations()
        person = checked_person(person, employment.start_date, today, v)
        if person.bsn is not None and not registrant.municipal:
            v.add(
                "person.bsn",
                "not_permitted",
                "an employer does not submit a BSN; the municipality records it from the BRP",
            )
        employment = checked_employment(employment, today, v)
        outside = housing_outside_municipality
        territory.checked_housing_given(housing_location_id, housing_valid_from, outside, v)
        if housing_valid_from is not None and checked_date_in_range(housing_valid_from, "housing.valid_from", v):
            checked_not_too_far_ahead(housing_valid_from, today, "housing.valid_from", v)
            if not v.has("person.birth_date"):  # a refused birth date orders nothing
                checked_not_before_birth(housing_valid_from, person.birth_date, "housing.valid_from", v)
        v.raise_if_any()
        doc = person.id_document
        return cls._create(
            cls.Registered,
            id=uuid4(),
            employer_id=employer_id,
            family_name=person.family_name,
            given_names=person.given_names,
            birth_date=person.birth_date,
            nationality=person.nationality,
            id_document_type=doc.type,
            id_document_number=doc.number,
            id_document_expires_on=doc.expires_on,
            bsn=person.bsn,
            employment_start=employment.start_date,
            expected_end_date=employment.expected_end_date,
            work_address=employment.work_address,
            housing_location_id=housing_location_id if housing_valid_from else None,
            housing_valid_from=housing_valid_from,
            housing_outside_municipality=outside,
        )

    def change_housing(
        self, housing_location_id: UUID | None, valid_from: date, today: date, *, outside_municipality: bool = False
    ) -> None:
        """Record where the worker lives from `valid_from` on (None: not housed here; or outside the municipality)."""
        v = Violations()
        territory.checked_outside(housing_location_id, outside_municipality, "housing_location_id", v)
        if checked_date_in_range(valid_from, "valid_from", v):
            checked_not_too_far_ahead(valid_from, today, "valid_from", v)
            checked_not_before_birth(valid_from, self.birth_date, "valid_from", v)
        v.raise_if_any()
        self.trigger_event(
            self.HousingAddressChanged,
            housing_location_id=housing_location_id,
            valid_from=valid_from,
            outside_municipality=outside_municipality,
        )

    def transfer(self, employer_id: UUID, valid_from: date, today: date) -> None:
        """Record that the worker works for `employer_id` from `valid_from` on: still one worker."""
        ended = self.contract_end is not None or self.departed_on is not None
        checked_transfer(valid_from, employment_start=self.employment_start, ended=ended, today=today)
        self.trigger_event(self.EmployerChanged, employer_id=employer_id, valid_from=valid_from)

    def change_work_address(self, work_address: Address, valid_from: date, today: date) -> None:
        """Record that the worker works at `work_address` from `valid_from` on."""
        v = Violations()
        address = checked_address(work_address, "work_address", v)
        checked_not_too_far_ahead(valid_from, today, "valid_from", v)
        # The first work address holds from the employment's start; one from before it belongs to no employment.
        v.check(
            valid_from >= self.employment_start,
            "valid_from",
            "before_start",
            "must not be before the employment started",
        )
        v.raise_if_any()
        self.trigger_event(self.WorkAddressChanged, work_address=address, valid_from=valid_from)

    def end_contract(self, end_date: date, reason: str | None, today: date) -> None:
        """Record the end of the employment (a later call corrects an earlier one)."""
        v = Violations()
        reason = checked_optional_text(reason, "reason", v)
        checked_not_too_far_ahead(end_date, today, "end_date", v)
        v.check(
            end_date >= self.employment_start, "end_date", "before_start", "must not be before the employment started"
        )
        v.raise_if_any()
        if reason is not None:
            self._guard_not_shredded()
        self.trigger_event(self.ContractEnded, end_date=end_date, reason=reason)

    def depart(self, departed_on: date, today: date) -> None:
        """Record that the worker left the municipality on `departed_on`."""
        v = Violations()
        checked_not_too_far_ahead(departed_on, today, "departed_on", v)
        v.check(
            departed_on >= self.employment_start,
            "departed_on",
            "before_start",
            "must not be before the employment started",
        )
        v.raise_if_any()
        self.trigger_event(self.Departed, departed_on=departed_on)

    def record_population_registration(
        self, register: str, registered_on: date, bsn: str | None, today: date, *, address: BrpAddress | None = None
    ) -> None:
        """Record a BRP registration with its address, or an RNI one, with the BSN it gave when known."""
        v = Violations()
        checked_enum(register, PopulationRegister, "register", v)
        checked_not_in_future(registered_on, today, "registered_on", v)
        if checked_date_in_range(registered_on, "registered_on", v):
            checked_not_before_birth(registered_on, self.birth_date, "registered_on", v)
        bsn = checked_bsn(bsn, "bsn", v)
        address = checked_brp_address(register, address, self.birth_date, today, v)
        v.raise_if_any()
        if bsn is not None:
            self._guard_not_shredded()
        self.trigger_event(
            self.PopulationRegisterRecorded,
            register=register,
            registered_on=registered_on,
            bsn=bsn,
            address_bag_id=address.bag_id if address else None,
            municipality_code=address.municipality_code if address else None,
            address_since=address.since if address else None,
        )

    def deregister(self, deregistered_on: date, reason: str, today: date) -> None:
        """Record that the BRP ended the worker's registration on `deregistered_on`, and why."""
        checked_deregistration(deregistered_on, reason, self.birth_date, today)
        self.trigger_event(self.PopulationDeregistered, deregistered_on=deregistered_on, reason=reason)

    def report_population_declaration(self, register: str, declared_on: date, today: date) -> None:
        """Record the employer's report that the worker declared a registration (it clears no alert)."""
        checked_declaration(register, declared_on, self.birth_date, today)
        self.trigger_event(self.PopulationDeclarationReported, register=register, declared_on=declared_on)

    def record_temporary_protection(self, valid_from: date, today: date) -> None:
        """Record that the worker is under temporary protection from `valid_from` (never from the nationality)."""
        checked_protection(valid_from, self.birth_date, today)
        self.trigger_event(self.TemporaryProtectionRecorded, valid_from=valid_from)

    def confirm_registration(self, confirmed_on: date, expected_end_date: date | None, today: date) -> None:
        """Record that the registration still holds on `confirmed_on` (docs/domain-rules.md, *Stale registrations*)."""
        v = Violations()
        checked_confirmation(
            confirmed_on=confirmed_on,
            expected_end_date=expected_end_date,
            employment_start=self.employment_start,
            contract_end=self.contract_end,
            today=today,
            v=v,
        )
        v.raise_if_any()
        self.trigger_event(self.RegistrationConfirmed, confirmed_on=confirmed_on, expected_end_date=expected_end_date)

    def place_legal_hold(self, case_reference: str, reason: str, *, review_on: date, today: date) -> None:
        """Block erasure while an enforcement case is open; the hold is due for review from `review_on`."""
        v = Violations()
        reason = checked_hold(case_reference, reason, review_on, today, v)
        v.raise_if_any()
        if case_reference in self.legal_holds:
            raise Conflict(f"legal hold {case_reference} is already in place")
        self._guard_not_shredded()
        self.trigger_event(self.LegalHoldPlaced, case_reference=case_reference, reason=reason, review_on=review_on)

    def lift_legal_hold(self, case_reference: str) -> None:
        """Lift the hold of a closed case."""
        if case_reference not in self.legal_holds:
            raise NotFound("legal hold", case_reference)
        self.trigger_event(self.LegalHoldLifted, case_reference=case_reference)

    def record_shredding(self, policy: str, due_on: date | None, reason_code: ErasureReason) -> None:
        """Record that the data key was destroyed, and why (after it is gone, never before)."""
        if self.shredded:
            return
        self.trigger_event(self.PersonalDataShredded, policy=policy, due_on=due_on, reason_code=reason_code.value)

    def housing_timeline(self) -> Timeline[Housing]:
        """Where the worker lives over time: housing changes, ended by the departure.

        A housing change with a later `valid_from` than the departure (a return)
        still counts from its own date on.
        """
        if self.departed_on is None:
            return self.housing
        return self.housing.with_entry(self.departed_on, None, self.departure_seq)

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
