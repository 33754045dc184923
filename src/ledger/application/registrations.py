"""The registrations: employers, housing locations and their limits, workers and what happens to them.

Each command loads the aggregate it addresses, calls one command method on it
(which checks the rules and triggers the event) and saves (`LedgerCore._change`).
The BRP/RNI facts a municipal role records are here too.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.application.core import LedgerCore, Receipt
from ledger.domain.employer import Employer
from ledger.domain.errors import AlreadyRegistered, ConcurrentModification, Conflict
from ledger.domain.housing_location import MUNICIPALITY, HousingLocation, Registrant
from ledger.domain.population import BrpAddress
from ledger.domain.values import Address, Employment, Person
from ledger.domain.worker import Worker
from ledger.persistence.claims import (
    DuplicateAddress,
)


class Registrations(LedgerCore):
    """The registration commands: employers, housing locations, workers, their BRP/RNI facts."""

    def register_employer(self, *, kvk_number: str, name: str) -> Receipt:
        """Register an employer; a KvK number already registered is `AlreadyRegistered`, naming its id."""
        employer = Employer.register(kvk_number=kvk_number, name=name)
        try:
            return self._save(employer)
        except ConcurrentModification:
            raise
        except Conflict as conflict:
            # The id follows from the KvK number, so the one refused is the one registered: the caller goes on with it.
            raise AlreadyRegistered(str(conflict), existing_id=employer.id) from None

    def register_housing_location(
        self,
        *,
        bag_id: str,
        address: Address,
        kind: str,
        max_occupants: int | None = None,
        floor_area_m2: int | None = None,
        owner_kvk_number: str | None = None,
        registrant: Registrant = MUNICIPALITY,
    ) -> Receipt:
        """Register a housing location; a BAG id already registered is `AlreadyRegistered`, naming its id.

        `registrant` says who asks: a municipal role's `max_occupants` is the
        permitted maximum, an employer's only a proposal (never counted). The
        API says which for each request; every other path is the municipality's
        own (the CLI, the demo).
        """
        location = HousingLocation.register(
            bag_id=bag_id,
            address=address,
            kind=kind,
            max_occupants=max_occupants,
            floor_area_m2=floor_area_m2,
            owner_kvk_number=owner_kvk_number,
            registrant=registrant,
        )
        try:
            return self._save(location)
        except (ConcurrentModification, DuplicateAddress):
            raise  # another writer; or the address under another BAG id, which names that location
        except Conflict as conflict:
            # The id follows from the BAG id, so the one refused is the one registered: the caller
            # (a registrar after an employer, say) goes on with it, e.g. to set its limit.
            raise AlreadyRegistered(str(conflict), existing_id=location.id) from None

    def change_occupancy_limit(
        self,
        location_id: UUID,
        *,
        max_occupants: int,
        valid_from: date,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Receipt:
        """Set a housing location's permitted maximum from `valid_from` on: always the municipality's number."""
        return self._change(
            HousingLocation,
            location_id,
            expected_version,
            lambda location: location.change_occupancy_limit(max_occupants, valid_from, reason, self.today()),
        )

    def register_worker(
        self,
        *,
        employer_id: UUID,
        person: Person,
        employment: Employment,
        housing_location_id: UUID | None = None,
        housing_valid_from: date | None = None,
        registrant: Registrant = MUNICIPALITY,
        housing_outside_municipality: bool = False,
    ) -> Receipt:
        """Register a worker for an existing employer, housed at a registered location (or outside the municipality).

        `registrant` is who registers: only the municipality may record a BSN.
        """
        self._require(Employer, employer_id, "employer_id")
        if housing_location_id is not None and not housing_outside_municipality:
            self._require(HousingLocation, housing_location_id, "housing.housing_location_id")
        worker = Worker.register(
            employer_id=employer_id,
            person=person,
            employment=employment,
            housing_location_id=housing_location_id,
            housing_valid_from=housing_valid_from,
            today=self.today(),
            registrant=registrant,
            housing_outside_municipality=housing_outside_municipality,
        )
        return self._save(worker)

    def change_housing(
        self,
        worker_id: UUID,
        *,
        housing_location_id: UUID | None,
        valid_from: date,
        outside_municipality: bool = False,
        expected_version: int | None = None,
    ) -> Receipt:
        """Record where a worker lives from `valid_from` on (None: not housed here; or outside the municipality)."""
        if housing_location_id is not None and not outside_municipality:
            self._require(HousingLocation, housing_location_id, "housing_location_id")
        return self._change(
            Worker,
            worker_id,
            expected_version,
            lambda worker: worker.change_housing(
                housing_location_id, valid_from, self.today(), outside_municipality=outside_municipality
            ),
        )

    def transfer_worker(
        self, worker_id: UUID, *, employer_id: UUID, valid_from: date, expected_version: int | None = None
    ) -> Receipt:
        """Record that a worker works for another registered employer from `valid_from` on (one worker still)."""
        self._require(Employer, employer_id, "employer_id")
        return self._change(
            Worker, worker_id, expected_version, lambda worker: worker.transfer(employer_id, valid_from, self.today())
        )

    def change_work_address(
        self, worker_id: UUID, *, work_address: Address, valid_from: date, expected_version: int | None = None
    ) -> Receipt:
        """Record that a worker works at another address from `valid_from` on."""
        return self._change(
            Worker,
            worker_id,
            expected_version,
            lambda worker: worker.change_work_address(work_address, valid_from, self.today()),
        )

    def end_contract(
        self, worker_id: UUID, *, end_date: date, reason: str | None = None, expected_version: int | None = None
    ) -> Receipt:
        """Record the end of a worker's employment."""
        return self._change(
            Worker, worker_id, expected_version, lambda worker: worker.end_contract(end_date, reason, self.today())
        )

    def record_departure(self, worker_id: UUID, *, departed_on: date, expected_version: int | None = None) -> Receipt:
        """Record that a worker left the municipality."""
        return self._change(
            Worker, worker_id, expected_version, lambda worker: worker.depart(departed_on, self.today())
        )

    def confirm_registration(
        self,
        worker_id: UUID,
        *,
        confirmed_on: date,
        expected_end_date: date | None = None,
        expected_version: int | None = None,
    ) -> Receipt:
        """Record that a worker's registration still holds on `confirmed_on`, expected to end on `expected_end_date`."""
        return self._change(
            Worker,
            worker_id,
            expected_version,
            lambda worker: worker.confirm_registration(confirmed_on, expected_end_date, self.today()),
        )

    def record_population_registration(
        self,
        worker_id: UUID,
        *,
        register: str,
        registered_on: date,
        bsn: str | None = None,
        address: BrpAddress | None = None,
        expected_version: int | None = None,
    ) -> Receipt:
        """Record a worker's BRP registration (with its address) or RNI registration: the municipality's fact."""
        return self._change(
            Worker,
            worker_id,
            expected_version,
            lambda worker: worker.record_population_registration(
                register, registered_on, bsn, self.today(), address=address
            ),
        )

    def record_population_deregistration(
        self, worker_id: UUID, *, deregistered_on: date, reason: str, expected_version: int | None = None
    ) -> Receipt:
        """Record that the BRP ended a worker's registration (emigrated, whereabouts unknown)."""
        return self._change(
            Worker, worker_id, expected_version, lambda w: w.deregister(deregistered_on, reason, self.today())
        )

    def report_population_declaration(
        self, worker_id: UUID, *, register: str, declared_on: date, expected_version: int | None = None
    ) -> Receipt:
        """Record an employer's report that a worker declared a registration; it records no registration."""
        return self._change(
            Worker,
            worker_id,
            expected_version,
            lambda w: w.report_population_declaration(register, declared_on, self.today()),
        )

    def record_temporary_protection(
        self, worker_id: UUID, *, valid_from: date, expected_version: int | None = None
    ) -> Receipt:
        """Record that a worker is under temporary protection from `valid_from`."""
        return self._change(
            Worker, worker_id, expected_version, lambda w: w.record_temporary_protection(valid_from, self.today())
        )
