"""The commands of a worker: each checks its rules, naming every refused field, then triggers its event.

The events themselves, and what they change, are `Worker`'s
(`ledger.domain.worker`), which takes these commands as its base class: the
event classes live with the aggregate, whose module and name are their stored
topics (docs/golden-ledger.md), and the rules live here.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Self
from uuid import UUID, uuid4

from ledger.domain import territory
from ledger.domain.checks import (
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
from ledger.domain.erasure import ErasureReason
from ledger.domain.errors import Conflict, NotFound, Violations
from ledger.domain.housing_location import MUNICIPALITY, Registrant
from ledger.domain.legal_hold import checked_hold
from ledger.domain.population import (
    BrpAddress,
    checked_brp_address,
    checked_declaration,
    checked_deregistration,
    checked_protection,
)
from ledger.domain.staleness import checked_confirmation
from ledger.domain.transfer import checked_transfer
from ledger.domain.values import Address, Employment, Person, PopulationRegister
from ledger.domain.worker_state import WorkerState

if TYPE_CHECKING:
    # To the type checker the commands are an aggregate's: `Worker`, an aggregate, is the only class that takes them.
    from eventsourcing.domain import Aggregate as _Aggregate

    class _Commands(WorkerState, _Aggregate): ...

else:
    _Commands = WorkerState


class WorkerCommands(_Commands):
    """A worker's commands (the base class of `Worker`, whose events they trigger)."""

    if TYPE_CHECKING:  # `Worker`'s, named here for the type checker (this module does not import that one).
        Registered: ClassVar[type[Any]]
        HousingAddressChanged: ClassVar[type[Any]]
        EmployerChanged: ClassVar[type[Any]]
        WorkAddressChanged: ClassVar[type[Any]]
        ContractEnded: ClassVar[type[Any]]
        Departed: ClassVar[type[Any]]
        PopulationRegisterRecorded: ClassVar[type[Any]]
        RegistrationConfirmed: ClassVar[type[Any]]
        PopulationDeregistered: ClassVar[type[Any]]
        PopulationDeclarationReported: ClassVar[type[Any]]
        TemporaryProtectionRecorded: ClassVar[type[Any]]
        LegalHoldPlaced: ClassVar[type[Any]]
        LegalHoldLifted: ClassVar[type[Any]]
        PersonalDataShredded: ClassVar[type[Any]]

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
    ) -> Self:
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
