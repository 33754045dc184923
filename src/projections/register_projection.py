"""The worker register's projection: a page of events folded in memory, written a statement per table and change.

The page (`RegisterPage`, in `projections.register_page`) holds the rows of
the page's workers; the handlers below change them as each event says, and
the page writes them when it closes. Personal fields are re-sealed under the
worker's data key on the way in; a shred nulls them (`projections.register`
says what the view holds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

from ledger.crypto.sealing import SubjectKeys
from ledger.domain.transfer import employer_after
from ledger.domain.values import SHREDDED, Address
from ledger.domain.worker import Worker
from projections.employer_counts import StatusFacts
from projections.projection import LedgerProjection, handles
from projections.register import RegisterView
from projections.register_page import _PERSONAL_COLUMNS, HousingEntry, RegisterPage, _rows_of
from projections.register_records import PopulationStatus
from projections.register_sealing import seal_value
from projections.register_tables import (
    PERSONAL_FIELDS,
    register_housing_entries,
    register_legal_holds,
    register_work_addresses,
    register_workers,
)
from projections.storable import storable

# A worker's population-register facts before any is recorded (`register_records.population_registration`).
_NO_POPULATION_FACTS: dict[str, Any] = {
    "population_status": None,
    "population_municipality_code": None,
    "population_address_since": None,
    "deregistered_on": None,
    "deregistration_reason": None,
    "declared_register": None,
    "declared_on": None,
    "temporary_protection_from": None,
}

# Events that add to a worker's housing timeline after its registration.
_HOUSING_EVENTS = (Worker.HousingAddressChanged, Worker.Departed)


class RegisterProjection(LedgerProjection[RegisterView]):
    """Folds every Worker event into the worker's register row, a page at a time."""

    name = "register"

    def open_page(self, conn: Connection, events: Sequence[Any], keys: SubjectKeys | None) -> RegisterPage:
        """Load the rows of the page's workers and the housing entries of those whose housing it changes."""
        registered = {e.originator_id.hex for e in events if isinstance(e, Worker.Registered)}
        # A registration opens its aggregate: nothing of that worker can be stored yet.
        known = {e.originator_id.hex for e in events if type(e) in self.handlers} - registered
        housed = {e.originator_id.hex for e in events if isinstance(e, _HOUSING_EVENTS)} - registered
        rows = {row.worker_id: dict(row._mapping) for row in _rows_of(conn, register_workers, known)}
        entries: defaultdict[str, list[HousingEntry]] = defaultdict(list)
        for row in _rows_of(conn, register_housing_entries, housed):
            entries[row.worker_id].append(HousingEntry(*row))
        return RegisterPage(
            conn=conn,
            keys=self.view.keys if keys is None else keys,
            keyring=self.view.keys.keyring,
            rows=rows,
            entries=entries,
            before={worker: StatusFacts.of(row) for worker, row in rows.items()},
        )

    def close_page(self, page: RegisterPage) -> None:
        """Write what the page's events changed."""
        page.write()

    @handles(Worker.Registered)
    def registered(self, page: RegisterPage, event: Worker.Registered, position: int) -> None:
        worker = event.originator_id.hex
        sealed = page.sealed(event.originator_id, {name: getattr(event, name) for name in PERSONAL_FIELDS})
        page.rows[worker] = {
            "worker_id": worker,
            "employer_id": event.employer_id.hex,
            "employer_since": None,
            "nationality": storable(event.nationality, register_workers.c.nationality),
            "contract_start": event.employment_start,
            "expected_end_date": event.expected_end_date,
            "contract_end": None,
            "departed_on": None,
            "population_register": None,
            "population_registered_on": None,
            "confirmed_on": None,
            **_NO_POPULATION_FACTS,
            "shredded": sealed is None,
            "version": event.originator_version,
            **_PERSONAL_COLUMNS,
            **(sealed or {}),
        }
        page.registered.append(worker)
        _record_work_address(page, event, event.employment_start, event.work_address)
        if event.housing_valid_from is not None:
            page.record_housing(
                event,
                event.housing_valid_from,
                event.housing_location_id,
                is_departure=False,
                outside=event.housing_outside_municipality,
            )

    @handles(Worker.HousingAddressChanged)
    def housing_changed(self, page: RegisterPage, event: Worker.HousingAddressChanged, position: int) -> None:
        page.record_housing(
            event, event.valid_from, event.housing_location_id, is_departure=False, outside=event.outside_municipality
        )
        page.touch(event)

    @handles(Worker.Departed)
    def departed(self, page: RegisterPage, event: Worker.Departed, position: int) -> None:
        # Only the latest departure counts (a later one corrects it), as in the domain.
        page.record_housing(event, event.departed_on, None, is_departure=True)
        page.touch(event, departed_on=event.departed_on)

    @handles(Worker.WorkAddressChanged)
    def work_address_changed(self, page: RegisterPage, event: Worker.WorkAddressChanged, position: int) -> None:
        _record_work_address(page, event, event.valid_from, event.work_address)
        page.touch(event)

    @handles(Worker.EmployerChanged)
    def employer_changed(self, page: RegisterPage, event: Worker.EmployerChanged, position: int) -> None:
        # The register keeps the employer in force now, by the domain's rule (ledger.domain.transfer).
        row = page.rows.get(event.originator_id.hex)
        if row is not None and employer_after(row["employer_since"] or date.min, event.valid_from):
            page.touch(event, employer_id=event.employer_id.hex, employer_since=event.valid_from)
        else:
            page.touch(event)

    @handles(Worker.ContractEnded)
    def contract_ended(self, page: RegisterPage, event: Worker.ContractEnded, position: int) -> None:
        # The reason is free text (personal) and nobody queries it here: not kept.
        page.touch(event, contract_end=event.end_date)

    @handles(Worker.RegistrationConfirmed)
    def confirmed(self, page: RegisterPage, event: Worker.RegistrationConfirmed, position: int) -> None:
        # The latest confirmation's expected end is the worker's (as in the domain); the day starts the period.
        page.touch(event, expected_end_date=event.expected_end_date, confirmed_on=event.confirmed_on)

    @handles(Worker.PopulationRegisterRecorded)
    def population_registered(
        self, page: RegisterPage, event: Worker.PopulationRegisterRecorded, position: int
    ) -> None:
        register = storable(event.register, register_workers.c.population_register)
        page.touch(
            event,
            population_register=register,
            population_registered_on=event.registered_on,
            population_status=PopulationStatus.REGISTERED.value,
            population_municipality_code=_storable_or_none(
                event.municipality_code, register_workers.c.population_municipality_code
            ),
            population_address_since=event.address_since,
            deregistered_on=None,
            deregistration_reason=None,
        )
        if event.bsn is None:
            return
        sealed = page.sealed(event.originator_id, {"bsn": event.bsn})
        if sealed is None:
            page.shred(event.originator_id.hex)
        else:
            page.touch(event, **sealed)

    @handles(Worker.PopulationDeregistered)
    def deregistered(self, page: RegisterPage, event: Worker.PopulationDeregistered, position: int) -> None:
        # The registration it ended stays shown (register, date); its address no longer holds.
        page.touch(
            event,
            population_status=PopulationStatus.DEREGISTERED.value,
            population_municipality_code=None,
            population_address_since=None,
            deregistered_on=event.deregistered_on,
            deregistration_reason=storable(event.reason, register_workers.c.deregistration_reason),
        )

    @handles(Worker.PopulationDeclarationReported)
    def declared(self, page: RegisterPage, event: Worker.PopulationDeclarationReported, position: int) -> None:
        register = storable(event.register, register_workers.c.declared_register)
        page.touch(event, declared_register=register, declared_on=event.declared_on)

    @handles(Worker.TemporaryProtectionRecorded)
    def protected(self, page: RegisterPage, event: Worker.TemporaryProtectionRecorded, position: int) -> None:
        page.touch(event, temporary_protection_from=event.valid_from)

    @handles(Worker.LegalHoldPlaced)
    def legal_hold_placed(self, page: RegisterPage, event: Worker.LegalHoldPlaced, position: int) -> None:
        worker, case_reference = event.originator_id.hex, _case_reference(event)
        data_key = page.keys.data_key(event.originator_id)
        sealed = None
        if data_key is not None and event.reason is not SHREDDED:
            sealed = seal_value(data_key, worker, f"legal_hold:{case_reference}", event.reason)
        page.holds_placed[worker, case_reference] = {
            "worker_id": worker,
            "case_reference": case_reference,
            "placed_at": event.timestamp,
            "sealed_reason": sealed,
        }
        page.touch(event)
        if sealed is None:
            page.shred(worker)

    @handles(Worker.LegalHoldLifted)
    def legal_hold_lifted(self, page: RegisterPage, event: Worker.LegalHoldLifted, position: int) -> None:
        hold = (event.originator_id.hex, _case_reference(event))
        page.holds_placed.pop(hold, None)
        page.holds_lifted.add(hold)
        page.touch(event)

    @handles(Worker.PersonalDataShredded)
    def shredded(self, page: RegisterPage, event: Worker.PersonalDataShredded, position: int) -> None:
        page.touch(event)
        page.shred(event.originator_id.hex)


def _record_work_address(page: RegisterPage, event: Any, valid_from: date, address: Address) -> None:
    # The address's fields are the table's columns, one for one.
    worker, seq = event.originator_id.hex, event.originator_version
    # (`vars`, not `asdict`: the fields are plain values, and `asdict` deep-copies them.)
    columns = register_work_addresses.c
    fields = {k: storable(v, columns[k]) if isinstance(v, str) else v for k, v in vars(address).items()}
    page.work_addresses.append({"worker_id": worker, "seq": seq, "valid_from": valid_from, **fields})


def _storable_or_none(value: str | None, column: Any) -> str | None:
    return None if value is None else storable(value, column)


def _case_reference(event: Worker.LegalHoldPlaced | Worker.LegalHoldLifted) -> str:
    # Placing and lifting a hold store its case reference alike, so that the lift finds the row.
    return storable(event.case_reference, register_legal_holds.c.case_reference)
