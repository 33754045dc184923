"""The register's page: what a page of events does to the worker register, in memory until written.

The projection (`projections.register`) folds a page of events in memory
(`RegisterPage`): it loads the rows and housing entries of the page's workers
in a few queries, lets the handlers change them, and writes the page with one
statement per table and kind of change. It seals with the keys the runner
looked up for the page, never with keys kept from an earlier one (a shred must
win at once).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import Connection, Table, bindparam, delete, select, update

from ledger.crypto.keyring import Keyring
from ledger.crypto.sealing import SubjectKeys
from ledger.domain.values import SHREDDED
from ledger.persistence.database import in_chunks
from projections.employer_counts import StatusFacts, recount
from projections.housing import OUTSIDE, fold_housing
from projections.register_sealing import blind_index, seal_value
from projections.register_tables import (
    MAX_PAGE,
    PERSONAL_FIELDS,
    register_housing,
    register_housing_entries,
    register_legal_holds,
    register_outside,
    register_work_addresses,
    register_workers,
)
from projections.view import insert_rows

# The columns an event after the registration may change; the others are the registration's.
_MUTABLE_COLUMNS = (
    "expected_end_date",
    "confirmed_on",
    "employer_id",
    "employer_since",
    "contract_end",
    "departed_on",
    "population_register",
    "population_registered_on",
    "population_status",
    "population_municipality_code",
    "population_address_since",
    "deregistered_on",
    "deregistration_reason",
    "declared_register",
    "declared_on",
    "temporary_protection_from",
    "shredded",
    "version",
    *(f"sealed_{field}" for field in PERSONAL_FIELDS),
    "family_name_index",
)
_PERSONAL_COLUMNS = {f"sealed_{field}": None for field in PERSONAL_FIELDS} | {"family_name_index": None}


class HousingEntry(NamedTuple):
    """One input of a worker's housing timeline: a row of `register_housing_entries`."""

    worker_id: str
    seq: int
    valid_from: date
    housing_location_id: str | None
    is_departure: bool
    outside_municipality: bool = False


@dataclass
class RegisterPage:
    """What a page of events does to the register, kept in memory until `write`.

    `rows` holds the register rows of the page's workers (loaded, or made by a
    registration in this page) and `entries` the whole housing timeline input
    of every worker whose housing the page changes.
    """

    conn: Connection
    keys: SubjectKeys
    keyring: Keyring
    rows: dict[str, dict[str, Any]]
    entries: defaultdict[str, list[HousingEntry]]
    registered: list[str] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    new_entries: list[HousingEntry] = field(default_factory=list)
    work_addresses: list[dict[str, Any]] = field(default_factory=list)
    holds_placed: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    holds_lifted: set[tuple[str, str]] = field(default_factory=set)
    shredded: set[str] = field(default_factory=set)
    # What the status of each loaded worker depended on before the page (the per-employer day sums').
    before: dict[str, StatusFacts] = field(default_factory=dict)

    @functools.cached_property
    def index_key(self) -> bytes:
        """The blind index's key, read from the keyring once for the page."""
        return self.keyring.index_key()

    def touch(self, event: Any, **values: Any) -> None:
        """Set facts of the worker's row and its version to the event's (nothing if there is no row)."""
        worker = event.originator_id.hex
        row = self.rows.get(worker)
        if row is not None:
            row.update(version=event.originator_version, **values)
            self.changed.add(worker)

    def shred(self, worker: str) -> None:
        """Forget every personal value of the worker, its blind index and its holds' reasons; keep the facts."""
        row = self.rows.get(worker)
        if row is not None:
            row.update(shredded=True, **_PERSONAL_COLUMNS)
            self.changed.add(worker)
        self.shredded.add(worker)

    def record_housing(
        self, event: Any, valid_from: date, location_id: UUID | None, *, is_departure: bool, outside: bool = False
    ) -> None:
        """Add an entry to the worker's housing timeline; its intervals are folded again on writing."""
        worker = event.originator_id.hex
        location = location_id.hex if location_id else None
        entry = HousingEntry(worker, event.originator_version, valid_from, location, is_departure, outside)
        self.entries[worker].append(entry)
        self.new_entries.append(entry)

    def sealed(self, worker_id: UUID, values: dict[str, Any]) -> dict[str, str | None] | None:
        """Personal values re-sealed under the worker's key, as column values; None once the key is gone."""
        worker = worker_id.hex
        # The page's keys were looked up for this page only: a shred wins at the next page.
        data_key = self.keys.data_key(worker_id)
        if data_key is None or any(value is SHREDDED for value in values.values()):
            return None
        sealed: dict[str, str | None] = {
            f"sealed_{name}": None if value is None else seal_value(data_key, worker, name, value)
            for name, value in values.items()
        }
        if "family_name" in values:
            sealed["family_name_index"] = blind_index(self.index_key, values["family_name"])
        return sealed

    def write(self) -> None:
        """Write the page's changes: one statement per table and kind of change."""
        conn = self.conn
        new = set(self.registered)
        if self.registered:
            insert_rows(conn, register_workers, [self.rows[w] for w in self.registered])
        updates = [
            {"b_worker_id": w, **{c: self.rows[w][c] for c in _MUTABLE_COLUMNS}} for w in sorted(self.changed - new)
        ]
        if updates:
            w = register_workers.c
            conn.execute(update(register_workers).where(w.worker_id == bindparam("b_worker_id")), updates)
        if self.work_addresses:
            insert_rows(conn, register_work_addresses, self.work_addresses)
        folded = {
            worker: _housing_intervals(sorted(self.entries[worker], key=lambda e: e.seq)) for worker in self.refolded
        }
        # Before the housing is replaced: the sums take each worker out as it was stored.
        housed = {w: [(start, end) for where, start, end in found if where != OUTSIDE] for w, found in folded.items()}
        now = {w: StatusFacts.of(self.rows[w]) for w in self.changed | new | self.refolded if w in self.rows}
        recount(conn, self.before, now, housed)
        if self.new_entries:
            insert_rows(conn, register_housing_entries, [e._asdict() for e in self.new_entries])
            self._replace_housing(folded, new)
        self._write_holds()

    @property
    def refolded(self) -> set[str]:
        """The workers whose housing timeline the page changed."""
        return {e.worker_id for e in self.new_entries}

    def _replace_housing(self, folded: dict[str, list[tuple[str, date, date | None]]], new: set[str]) -> None:
        intervals: list[dict[str, Any]] = []
        outside: list[dict[str, Any]] = []
        for worker in sorted(folded):
            for where, start, end in folded[worker]:
                interval = {"worker_id": worker, "valid_from": start, "valid_to": end}
                if where == OUTSIDE:
                    outside.append(interval)
                else:
                    intervals.append({**interval, "housing_location_id": where})
        # A worker registered in this page has no intervals stored yet.
        for chunk in in_chunks(sorted(set(folded) - new), MAX_PAGE):
            for table in (register_housing, register_outside):
                self.conn.execute(delete(table).where(table.c.worker_id.in_(chunk)))
        if intervals:
            insert_rows(self.conn, register_housing, intervals)
        if outside:
            insert_rows(self.conn, register_outside, outside)

    def _write_holds(self) -> None:
        h = register_legal_holds.c
        if self.holds_lifted:
            lifted = [{"b_worker_id": w, "b_case": case} for w, case in sorted(self.holds_lifted)]
            key = (h.worker_id == bindparam("b_worker_id")) & (h.case_reference == bindparam("b_case"))
            self.conn.execute(delete(register_legal_holds).where(key), lifted)
        if self.holds_placed:
            insert_rows(self.conn, register_legal_holds, list(self.holds_placed.values()))
        # After the inserts: a hold placed earlier in the page loses its reason too.
        for chunk in in_chunks(sorted(self.shredded), MAX_PAGE):
            self.conn.execute(update(register_legal_holds).where(h.worker_id.in_(chunk)).values(sealed_reason=None))


def _rows_of(conn: Connection, table: Table, workers: set[str]) -> Iterator[Any]:
    """The rows of `table` of these workers, in primary-key order, a few queries for any number."""
    for chunk in in_chunks(sorted(workers), MAX_PAGE):
        yield from conn.execute(select(table).where(table.c.worker_id.in_(chunk)).order_by(*table.primary_key))


def _housing_intervals(entries: Iterable[Any]) -> list[tuple[str, date, date | None]]:
    """Fold housing entries (in seq order) into (location or `OUTSIDE`, valid_from, valid_to) while housed.

    The domain's `Worker.housing_timeline()`: only the latest departure counts
    and ends housing from its date; a later housing change is a return.
    """
    timeline = fold_housing(entries)
    return [(i.value, i.valid_from, i.valid_to) for i in timeline.intervals() if i.value is not None]
