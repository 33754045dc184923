"""The alerts' facts view: the few employment and registration facts of each worker the worker alerts need.

Every alert depends on today's date, so all of them are evaluated at query
time (`projections.alerts`, by the rules of `projections.alert_rules`) from the
current belief: nothing is stored that could go stale before a scheduler runs.
This projection only keeps the facts; housing and occupancy come from the
residence projection. It folds a page of events in memory (the facts of the
page's workers, loaded in one query) and writes them with one statement per
kind of change; it reads no personal field, so the runner does not open them
for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import Column, Connection, Date, MetaData, String, Table, bindparam, select, update

from ledger.crypto.sealing import SubjectKeys
from ledger.domain.transfer import employer_after
from ledger.domain.values import PopulationRegister
from ledger.domain.worker import Worker
from ledger.persistence.database import in_chunks
from projections.projection import LedgerProjection, handles
from projections.storable import storable
from projections.view import View, insert_rows

metadata = MetaData()

alert_workers = Table(
    "alert_workers",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("employer_id", String(32), nullable=False),  # the employer in force now (after any transfer)
    Column("employer_since", Date, nullable=True),  # the date of the transfer to it; null: the registering one
    Column("employment_start", Date, nullable=False),
    Column("expected_end_date", Date, nullable=True),
    Column("contract_end", Date, nullable=True),
    Column("departed_on", Date, nullable=True),
    Column("confirmed_on", Date, nullable=True),  # the employer's latest confirmation (the database has it last)
    Column("brp_registered_on", Date, nullable=True),
    # The BRP facts of `projections.brp_alerts.BrpFacts` (issue 16): the latest registration's BRP address,
    # the latest deregistration (cleared by a registration recorded after it), temporary protection.
    Column("brp_bag_id", String(16), nullable=True),
    Column("brp_address_since", Date, nullable=True),
    Column("deregistered_on", Date, nullable=True),
    Column("temporary_protection_from", Date, nullable=True),
)


class AlertFactsView(View):
    """The employment facts of each worker that the worker alerts need."""

    name = "alerts"
    tables = (alert_workers,)


# The facts an event after the registration may change.
_MUTABLE_COLUMNS = (
    "employer_id",
    "employer_since",
    "contract_end",
    "departed_on",
    "brp_registered_on",
    "brp_bag_id",
    "brp_address_since",
    "deregistered_on",
    "temporary_protection_from",
    "expected_end_date",
    "confirmed_on",
)
# The BRP address and deregistration facts: the latest population-register event recorded sets them all.
_NO_BRP_ADDRESS: dict[str, Any] = {"brp_bag_id": None, "brp_address_since": None, "deregistered_on": None}


@dataclass
class AlertFactsPage:
    """The facts of a page's workers (loaded, or registered in the page), changed in memory until `write`."""

    conn: Connection
    rows: dict[str, dict[str, Any]]
    registered: list[str] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)

    def change(self, worker_id: UUID, **values: date | str | None) -> None:
        """Change facts of the worker (nothing if the view does not know it)."""
        worker = worker_id.hex
        row = self.rows.get(worker)
        if row is not None:
            row.update(values)
            self.changed.add(worker)

    def write(self) -> None:
        """Insert the workers registered in the page, then update the others that changed, a statement each."""
        if self.registered:
            insert_rows(self.conn, alert_workers, [self.rows[w] for w in self.registered])
        new = set(self.registered)
        updates = [
            {"b_worker_id": w, **{c: self.rows[w][c] for c in _MUTABLE_COLUMNS}} for w in sorted(self.changed - new)
        ]
        if updates:
            key = alert_workers.c.worker_id == bindparam("b_worker_id")
            self.conn.execute(update(alert_workers).where(key), updates)


class AlertFactsProjection(LedgerProjection[AlertFactsView]):
    """Keeps employment dates, departures and BRP registrations per worker, a page at a time."""

    name = "alerts"
    # No personal field is read here: the runner leaves them sealed and looks up no keys.
    opens_personal_data: ClassVar[bool] = False

    def open_page(self, conn: Connection, events: Sequence[Any], keys: SubjectKeys | None) -> AlertFactsPage:
        """Load the facts of the workers the page's events touch (those it registers have none yet)."""
        registered = {e.originator_id.hex for e in events if isinstance(e, Worker.Registered)}
        known = sorted({e.originator_id.hex for e in events if type(e) in self.handlers} - registered)
        rows: dict[str, dict[str, Any]] = {}
        for chunk in in_chunks(known):
            for row in conn.execute(select(alert_workers).where(alert_workers.c.worker_id.in_(chunk))):
                rows[row.worker_id] = dict(row._mapping)
        return AlertFactsPage(conn, rows)

    def close_page(self, page: AlertFactsPage) -> None:
        """Write what the page's events changed."""
        page.write()

    @handles(Worker.Registered)
    def registered(self, page: AlertFactsPage, event: Worker.Registered, position: int) -> None:
        worker = event.originator_id.hex
        page.rows[worker] = {
            "worker_id": worker,
            "employer_id": event.employer_id.hex,
            "employer_since": None,
            "employment_start": event.employment_start,
            "expected_end_date": event.expected_end_date,
            "contract_end": None,
            "departed_on": None,
            "brp_registered_on": None,
            "confirmed_on": None,
            **_NO_BRP_ADDRESS,
            "temporary_protection_from": None,
        }
        page.registered.append(worker)

    @handles(Worker.EmployerChanged)
    def employer_changed(self, page: AlertFactsPage, event: Worker.EmployerChanged, position: int) -> None:
        # An alert carries the employer of today, the one in force now (ledger.domain.transfer).
        row = page.rows.get(event.originator_id.hex)
        if row is not None and employer_after(row["employer_since"] or date.min, event.valid_from):
            page.change(event.originator_id, employer_id=event.employer_id.hex, employer_since=event.valid_from)

    @handles(Worker.ContractEnded)
    def contract_ended(self, page: AlertFactsPage, event: Worker.ContractEnded, position: int) -> None:
        page.change(event.originator_id, contract_end=event.end_date)

    @handles(Worker.Departed)
    def departed(self, page: AlertFactsPage, event: Worker.Departed, position: int) -> None:
        page.change(event.originator_id, departed_on=event.departed_on)

    @handles(Worker.RegistrationConfirmed)
    def confirmed(self, page: AlertFactsPage, event: Worker.RegistrationConfirmed, position: int) -> None:
        page.change(event.originator_id, confirmed_on=event.confirmed_on, expected_end_date=event.expected_end_date)

    @handles(Worker.PopulationRegisterRecorded)
    def population_register(
        self, page: AlertFactsPage, event: Worker.PopulationRegisterRecorded, position: int
    ) -> None:
        if event.register != PopulationRegister.BRP:
            # An RNI registration does not end the "without BRP" alerts; it ends a BRP address.
            page.change(event.originator_id, **_NO_BRP_ADDRESS)
            return
        bag_id = None if event.address_bag_id is None else storable(event.address_bag_id, alert_workers.c.brp_bag_id)
        address = {"brp_bag_id": bag_id, "brp_address_since": event.address_since}
        page.change(event.originator_id, **(_NO_BRP_ADDRESS | address))
        row = page.rows.get(event.originator_id.hex)
        current = None if row is None else row["brp_registered_on"]
        if current is None or event.registered_on < current:
            page.change(event.originator_id, brp_registered_on=event.registered_on)

    @handles(Worker.PopulationDeregistered)
    def deregistered(self, page: AlertFactsPage, event: Worker.PopulationDeregistered, position: int) -> None:
        page.change(event.originator_id, **(_NO_BRP_ADDRESS | {"deregistered_on": event.deregistered_on}))

    @handles(Worker.TemporaryProtectionRecorded)
    def protected(self, page: AlertFactsPage, event: Worker.TemporaryProtectionRecorded, position: int) -> None:
        page.change(event.originator_id, temporary_protection_from=event.valid_from)
