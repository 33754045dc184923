"""The worker register: one row per worker, its facts plain and its personal fields sealed.

The row holds the operational facts (the employer now — after a transfer the
new one, by the domain's rule `employer_after` — nationality, contract dates,
departure, BRP/RNI registration, aggregate version) in plain columns and the
personal fields re-sealed under the worker's data key (`sealed_*`; never
plaintext), plus a keyed blind index of the normalised family name for
exact-name search. Shredding nulls the sealed columns and the blind index and
marks the row; a rebuild after a shred gives the same facts and the marker.
The tables, records and reading are in `projections.register_tables`,
`projections.register_records` and `projections.register_queries`; the
projection that writes the view, in `projections.register_projection`.

Everything that depends on the day is computed at query time for a `today`
argument, never frozen at the event: the current housing (from the worker's
housing intervals, folded with the domain's `Timeline` exactly as
`Worker.housing_timeline()` does; living outside the municipality is kept
apart, in `register_outside`), the current work address, and the status —
`shredded` if shredded; else `departed` if departed on or before today and not
housed today (a housing change after the departure is a return); else
`contract_ended` if the contract end is on or before today; else `active` (an
expected end date that passes does not end the contract).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, Select, select

from ledger.crypto.keystore import KeyStore
from ledger.persistence.database import reading
from projections.register_queries import name_matches, read_names, read_records, register_select
from projections.register_records import WorkerName, WorkerRecord, WorkerStatus
from projections.register_sealing import blind_index
from projections.register_tables import (
    MAX_PAGE,
    metadata,
    register_employer_days,
    register_housing,
    register_housing_entries,
    register_legal_holds,
    register_outside,
    register_work_addresses,
    register_workers,
)
from projections.view import View

__all__ = ["RegisterView", "metadata"]


# A search by name answers the first this many in id order (`POST /workers/_search` has no next page).
SEARCH_LIMIT = 100


class RegisterView(View):
    """The worker register's tables and its queries (personal fields opened per query)."""

    name = "register"
    tables = (
        register_workers,
        register_housing_entries,
        register_housing,
        register_outside,
        register_work_addresses,
        register_legal_holds,
        register_employer_days,
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
        limit: int = SEARCH_LIMIT,
        employer_id: UUID | None = None,
    ) -> list[WorkerRecord]:
        """Workers (of `employer_id`, if given) whose normalised family name is exactly this one (and birth date).

        The first `limit` in id order: only those are read in full and opened.
        """
        index = blind_index(self.keys.keyring.index_key(), family_name)
        if index is None:
            return []
        found = name_matches(self.engine, self.keys, index, birth_date=birth_date, employer_id=employer_id, limit=limit)
        if not found:
            return []
        statement, _ = register_select(today)
        w = register_workers.c
        statement = statement.where(w.worker_id.in_([worker.hex for worker in found])).order_by(w.worker_id)
        records = read_records(self.engine, self.keys, statement, today, data_keys=found)
        # A shred the view saw after the candidates were read leaves its worker out, as it did before.
        return [r for r in records if not r.shredded][:limit]

    def names(self, worker_ids: Iterable[UUID]) -> dict[UUID, WorkerName]:
        """The names of these workers, by id (those the register knows), with one batched key lookup."""
        return read_names(self.engine, self.keys, worker_ids)

    def employer_of(self, worker_id: UUID) -> UUID | None:
        """The worker's employer, or None if the register does not know the worker (nothing personal opened)."""
        w = register_workers.c
        with reading(self.engine) as conn:
            employer = conn.execute(select(w.employer_id).where(w.worker_id == worker_id.hex)).scalar()
        return None if employer is None else UUID(employer)

    def _read(self, statement: Select[Any], today: date) -> list[WorkerRecord]:
        return read_records(self.engine, self.keys, statement, today)
