"""The worker register: one row per worker, its facts plain and its personal fields sealed.

The row holds the operational facts (employer, nationality, contract dates,
departure, BRP/RNI registration, aggregate version) in plain columns and the
personal fields re-sealed under the worker's data key (`sealed_*`; never
plaintext), plus a keyed blind index of the normalised family name for
exact-name search. Shredding nulls the sealed columns and the blind index and
marks the row; a rebuild after a shred gives the same facts and the marker.
The tables, records and reading are in `projections.register_queries`.

Everything that depends on the day is computed at query time for a `today`
argument, never frozen at the event: the current housing (from the worker's
housing intervals, folded with the domain's `Timeline` exactly as
`Worker.housing_timeline()` does), the current work address, and the status —
`shredded` if shredded; else `departed` if departed on or before today and not
housed today (a housing change after the departure is a return); else
`contract_ended` if the contract end is on or before today; else `active` (an
expected end date that passes does not end the contract).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, Select, delete, insert, select, update

from ledger.domain.values import SHREDDED, Address
from ledger.domain.worker import Worker
from ledger.keystore import KeyStore
from projections.housing import fold_housing
from projections.projection import LedgerProjection, handles
from projections.register_queries import (
    MAX_PAGE,
    PERSONAL_FIELDS,
    WorkerName,
    WorkerRecord,
    WorkerStatus,
    blind_index,
    metadata,
    read_names,
    read_records,
    register_housing,
    register_housing_entries,
    register_legal_holds,
    register_select,
    register_work_addresses,
    register_workers,
    seal_value,
)
from projections.view import View

__all__ = ["RegisterProjection", "RegisterView", "metadata"]


class RegisterView(View):
    """The worker register's tables and its queries (personal fields opened per query)."""

    name = "register"
    tables = (
        register_workers,
        register_housing_entries,
        register_housing,
        register_work_addresses,
        register_legal_holds,
    )

    def __init__(self, engine: Engine, keys: KeyStore) -> None:
        super().__init__(engine)
        self.keys = keys

    def worker(self, worker_id: UUID, *, today: date) -> WorkerRecord | None:
        """One worker as of `today`, or None if the register does not know it."""
        statement, _ = register_select(today)
        records = self._read(statement.where(register_workers.c.worker_id == worker_id.hex), today)
        return records[0] if records else None

    def workers(
        self,
        *,
        employer_id: UUID | None = None,
        status: WorkerStatus | str | None = None,
        housing_location_id: UUID | None = None,
        limit: int = 100,
        after: UUID | None = None,
        today: date,
    ) -> list[WorkerRecord]:
        """A page of workers in id order, after the id `after` (keyset pagination)."""
        if not 1 <= limit <= MAX_PAGE:
            msg = f"limit must be between 1 and {MAX_PAGE}"
            raise ValueError(msg)
        statement, (status_of, housing) = register_select(today)
        w = register_workers.c
        if employer_id is not None:
            statement = statement.where(w.employer_id == employer_id.hex)
        if status is not None:
            statement = statement.where(status_of == WorkerStatus(status).value)
        if housing_location_id is not None:
            statement = statement.where(housing == housing_location_id.hex)
        if after is not None:
            statement = statement.where(w.worker_id > after.hex)
        return self._read(statement.order_by(w.worker_id).limit(limit), today)

    def search(
        self,
        family_name: str,
        birth_date: date | None = None,
        *,
        today: date,
        limit: int = 100,
        employer_id: UUID | None = None,
    ) -> list[WorkerRecord]:
        """Workers (of `employer_id`, if given) whose normalised family name is exactly this one (and birth date)."""
        index = blind_index(self.keys.keyring.index_key(), family_name)
        if index is None:
            return []
        statement, _ = register_select(today)
        w = register_workers.c
        statement = statement.where(w.family_name_index == index)
        if employer_id is not None:
            statement = statement.where(w.employer_id == employer_id.hex)
        records = self._read(statement.order_by(w.worker_id), today)
        # The birth date is sealed, so it is compared after opening; a worker whose key
        # is gone is not found by name, even before the view has seen the shred.
        found = [r for r in records if not r.shredded and birth_date in (None, r.person.birth_date)]
        return found[:limit]

    def names(self, worker_ids: Iterable[UUID]) -> dict[UUID, WorkerName]:
        """The names of these workers, by id (those the register knows), with one batched key lookup."""
        return read_names(self.engine, self.keys, worker_ids)

    def employer_of(self, worker_id: UUID) -> UUID | None:
        """The worker's employer, or None if the register does not know the worker (nothing personal opened)."""
        w = register_workers.c
        with self.engine.connect() as conn:
            employer = conn.execute(select(w.employer_id).where(w.worker_id == worker_id.hex)).scalar()
        return None if employer is None else UUID(employer)

    def _read(self, statement: Select[Any], today: date) -> list[WorkerRecord]:
        return read_records(self.engine, self.keys, statement, today)


class RegisterProjection(LedgerProjection[RegisterView]):
    """Folds every Worker event into the worker's register row."""

    name = "register"

    @handles(Worker.Registered)
    def registered(self, conn: Connection, event: Worker.Registered, position: int) -> None:
        worker = event.originator_id.hex
        sealed = self._sealed(event.originator_id, {field: getattr(event, field) for field in PERSONAL_FIELDS})
        conn.execute(
            insert(register_workers).values(
                worker_id=worker,
                employer_id=event.employer_id.hex,
                nationality=event.nationality,
                contract_start=event.employment_start,
                expected_end_date=event.expected_end_date,
                shredded=sealed is None,
                version=event.originator_version,
                **(sealed or {}),
            )
        )
        _record_work_address(conn, worker, event.originator_version, event.employment_start, event.work_address)
        if event.housing_valid_from is not None:
            _record_housing(conn, event, event.housing_valid_from, event.housing_location_id, is_departure=False)

    @handles(Worker.HousingAddressChanged)
    def housing_changed(self, conn: Connection, event: Worker.HousingAddressChanged, position: int) -> None:
        _record_housing(conn, event, event.valid_from, event.housing_location_id, is_departure=False)
        _touch(conn, event)

    @handles(Worker.Departed)
    def departed(self, conn: Connection, event: Worker.Departed, position: int) -> None:
        # Only the latest departure counts (a later one corrects it), as in the domain.
        _record_housing(conn, event, event.departed_on, None, is_departure=True)
        _touch(conn, event, departed_on=event.departed_on)

    @handles(Worker.WorkAddressChanged)
    def work_address_changed(self, conn: Connection, event: Worker.WorkAddressChanged, position: int) -> None:
        worker = event.originator_id.hex
        _record_work_address(conn, worker, event.originator_version, event.valid_from, event.work_address)
        _touch(conn, event)

    @handles(Worker.ContractEnded)
    def contract_ended(self, conn: Connection, event: Worker.ContractEnded, position: int) -> None:
        # The reason is free text (personal) and nobody queries it here: not kept.
        _touch(conn, event, contract_end=event.end_date)

    @handles(Worker.PopulationRegisterRecorded)
    def population_registered(self, conn: Connection, event: Worker.PopulationRegisterRecorded, position: int) -> None:
        _touch(conn, event, population_register=event.register, population_registered_on=event.registered_on)
        if event.bsn is None:
            return
        sealed = self._sealed(event.originator_id, {"bsn": event.bsn})
        if sealed is None:
            _shred(conn, event.originator_id.hex)
        else:
            _touch(conn, event, **sealed)

    @handles(Worker.LegalHoldPlaced)
    def legal_hold_placed(self, conn: Connection, event: Worker.LegalHoldPlaced, position: int) -> None:
        worker, case_reference = event.originator_id.hex, event.case_reference
        data_key = self.view.keys.data_key(event.originator_id)
        sealed = None
        if data_key is not None and event.reason is not SHREDDED:
            sealed = seal_value(data_key, worker, f"legal_hold:{case_reference}", event.reason)
        conn.execute(
            insert(register_legal_holds).values(
                worker_id=worker, case_reference=case_reference, placed_at=event.timestamp, sealed_reason=sealed
            )
        )
        _touch(conn, event)
        if sealed is None:
            _shred(conn, worker)

    @handles(Worker.LegalHoldLifted)
    def legal_hold_lifted(self, conn: Connection, event: Worker.LegalHoldLifted, position: int) -> None:
        holds = register_legal_holds.c
        conn.execute(
            delete(register_legal_holds).where(
                (holds.worker_id == event.originator_id.hex) & (holds.case_reference == event.case_reference)
            )
        )
        _touch(conn, event)

    @handles(Worker.PersonalDataShredded)
    def shredded(self, conn: Connection, event: Worker.PersonalDataShredded, position: int) -> None:
        _touch(conn, event)
        _shred(conn, event.originator_id.hex)

    def _sealed(self, worker_id: UUID, values: dict[str, Any]) -> dict[str, str | None] | None:
        """Personal values re-sealed under the worker's key, as column values; None once the key is gone."""
        worker = worker_id.hex
        # The key is read per event, never cached: a shred must win at once.
        data_key = self.view.keys.data_key(worker_id)
        if data_key is None or any(value is SHREDDED for value in values.values()):
            return None
        sealed: dict[str, str | None] = {
            f"sealed_{field}": None if value is None else seal_value(data_key, worker, field, value)
            for field, value in values.items()
        }
        if "family_name" in values:
            sealed["family_name_index"] = blind_index(self.view.keys.keyring.index_key(), values["family_name"])
        return sealed


def _touch(conn: Connection, event: Any, **values: Any) -> None:
    """Set facts of the worker's row and its version to the event's."""
    conn.execute(
        update(register_workers)
        .where(register_workers.c.worker_id == event.originator_id.hex)
        .values(version=event.originator_version, **values)
    )


def _shred(conn: Connection, worker: str) -> None:
    """Forget every personal value of the worker and its blind index; keep the facts."""
    personal = {f"sealed_{field}": None for field in PERSONAL_FIELDS}
    conn.execute(
        update(register_workers)
        .where(register_workers.c.worker_id == worker)
        .values(shredded=True, family_name_index=None, **personal)
    )
    conn.execute(
        update(register_legal_holds).where(register_legal_holds.c.worker_id == worker).values(sealed_reason=None)
    )


def _record_work_address(conn: Connection, worker: str, seq: int, valid_from: date, address: Address) -> None:
    # The address's fields are the table's columns, one for one.
    conn.execute(
        insert(register_work_addresses).values(worker_id=worker, seq=seq, valid_from=valid_from, **asdict(address))
    )


def _record_housing(
    conn: Connection, event: Any, valid_from: date, location_id: UUID | None, *, is_departure: bool
) -> None:
    """Record a timeline entry and replace the worker's housing intervals with the new fold."""
    worker = event.originator_id.hex
    conn.execute(
        insert(register_housing_entries).values(
            worker_id=worker,
            seq=event.originator_version,
            valid_from=valid_from,
            housing_location_id=location_id.hex if location_id else None,
            is_departure=is_departure,
        )
    )
    entries = register_housing_entries.c
    intervals = _housing_intervals(
        conn.execute(select(register_housing_entries).where(entries.worker_id == worker).order_by(entries.seq))
    )
    conn.execute(delete(register_housing).where(register_housing.c.worker_id == worker))
    if intervals:
        conn.execute(
            insert(register_housing),
            [
                {"worker_id": worker, "valid_from": start, "valid_to": end, "housing_location_id": location}
                for location, start, end in intervals
            ],
        )


def _housing_intervals(entries: Iterable[Any]) -> list[tuple[str, date, date | None]]:
    """Fold housing-entry rows (in seq order) into (location, valid_from, valid_to) while housed.

    The domain's `Worker.housing_timeline()`: only the latest departure counts
    and ends housing from its date; a later housing change is a return.
    """
    timeline = fold_housing(entries)
    return [(i.value, i.valid_from, i.valid_to) for i in timeline.intervals() if i.value is not None]
