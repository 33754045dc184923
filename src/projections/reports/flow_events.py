"""The flows view (issue 18): each registration, contract end and departure as recorded, for the flows report.

The residence view keeps where each worker lived when, as known when; it does
not keep when a worker was registered, nor its contract ends and departures
with the instants they were recorded. This view does, one row per event,
only ever inserted, so that the flows report can count them as known at any
instant: of a worker's contract ends (or departures) recorded by then, the
latest counts (a later one corrects an earlier: `Worker.end_contract`,
`Worker.depart`).

A registration's row keeps what the registration said — the location it
housed the worker at (none when not housed here or outside the
municipality), the registering employer and the nationality — which is
where the worker was at that event. Nothing here is sealed: ids, dates, a
nationality and instants, pseudonymous like the residence view's rows
(docs/data-classification.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import Column, Connection, Date, Index, Integer, MetaData, String, Table

from ledger.crypto.sealing import SubjectKeys
from ledger.domain.worker import Worker
from ledger.persistence.database import UTCDateTime
from projections.projection import LedgerProjection, handles
from projections.storable import storable
from projections.view import View, insert_rows

metadata = MetaData()

REGISTERED = "registered"
CONTRACT_ENDED = "contract_ended"
DEPARTED = "departed"

flow_events = Table(
    "flow_events",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),  # the worker's version that recorded it
    Column("kind", String(16), nullable=False),  # registered, contract_ended, departed
    Column("on_day", Date, nullable=True),  # the contract's end or the departure; null for a registration
    # A registration's facts: the location it housed the worker at (null: none here), employer, nationality.
    Column("housing_location_id", String(32), nullable=True),
    Column("employer_id", String(32), nullable=True),
    Column("nationality", String(3), nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_flow_events_kind_recorded", "kind", "recorded_at"),
)


class FlowsView(View):
    """Registrations, contract ends and departures, as recorded."""

    name = "flows"
    tables = (flow_events,)


@dataclass
class FlowsPage:
    """The rows a page of events adds; written at the end of the page."""

    conn: Connection
    rows: list[dict[str, Any]] = field(default_factory=list)


class FlowsProjection(LedgerProjection[FlowsView]):
    """Inserts a row per registration, contract end and departure; nothing is ever updated."""

    name = "flows"
    # Ids, dates and a nationality: no key is needed.
    opens_personal_data: ClassVar[bool] = False

    def open_page(self, conn: Connection, events: Sequence[Any], keys: SubjectKeys | None) -> FlowsPage:
        """Nothing to load: every event adds a row of its own."""
        return FlowsPage(conn)

    def close_page(self, page: FlowsPage) -> None:
        insert_rows(page.conn, flow_events, _same_columns(page.rows))

    @handles(Worker.Registered)
    def registered(self, page: FlowsPage, event: Worker.Registered, position: int) -> None:
        housed = event.housing_location_id is not None and not event.housing_outside_municipality
        page.rows.append(
            _row(
                event,
                REGISTERED,
                housing_location_id=event.housing_location_id.hex if housed and event.housing_location_id else None,
                employer_id=event.employer_id.hex,
                nationality=storable(event.nationality, flow_events.c.nationality),
            )
        )

    @handles(Worker.ContractEnded)
    def contract_ended(self, page: FlowsPage, event: Worker.ContractEnded, position: int) -> None:
        page.rows.append(_row(event, CONTRACT_ENDED, on_day=event.end_date))

    @handles(Worker.Departed)
    def departed(self, page: FlowsPage, event: Worker.Departed, position: int) -> None:
        page.rows.append(_row(event, DEPARTED, on_day=event.departed_on))


def _row(event: Any, kind: str, **values: Any) -> dict[str, Any]:
    return {
        "worker_id": event.originator_id.hex,
        "seq": event.originator_version,
        "kind": kind,
        "recorded_at": event.timestamp,
        **values,
    }


def _same_columns(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every row with every column (`insert_rows` takes the first row's), absent ones null."""
    names = ("on_day", "housing_location_id", "employer_id", "nationality")
    return [{**dict.fromkeys(names), **row} for row in rows]
