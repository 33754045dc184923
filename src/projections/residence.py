"""Residence history: who lived where, when — and as known when (bitemporal rows).

One row per (worker, housing location, valid interval) belief: `valid_from` /
`valid_to` (half-open, null = open) say when it was true in the world,
`recorded_from` / `recorded_to` (null = still believed) when the ledger
believed it. A back-dated change or a correction closes the superseded rows
(`recorded_to`) and inserts the new belief; nothing else is ever updated, so
every earlier answer can be given again. The worker's timeline is folded with
the domain's own `Timeline`, so the semantics are exactly those of the write
side (api-contract.md, Time semantics).

The same projection keeps the occupancy-limit history (same technique) and the
few facts of workers and locations that queries group by; the occupancy and
headcount queries read these tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)

from ledger.database import UTCDateTime
from ledger.domain.housing_location import HousingLocation
from ledger.domain.timeline import Timeline
from ledger.domain.worker import Worker
from projections.housing import fold_housing
from projections.projection import LedgerProjection, handles
from projections.view import View

metadata = MetaData()

# The inputs of each worker's housing timeline, as recorded.
residence_entries = Table(
    "residence_entries",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("housing_location_id", String(32), nullable=True),
    Column("is_departure", Boolean, nullable=False),
)

residence_workers = Table(
    "residence_workers",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("employer_id", String(32), nullable=False),
    Column("nationality", String(3), nullable=False),
)

location_facts = Table(
    "location_facts",
    metadata,
    Column("housing_location_id", String(32), primary_key=True),
    Column("postcode_area", String(4), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("floor_area_m2", Integer, nullable=True),
)

residence_history = Table(
    "residence_history",
    metadata,
    Column("row_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("worker_id", String(32), nullable=False),
    Column("housing_location_id", String(32), nullable=False),
    Column("employer_id", String(32), nullable=False),
    Column("nationality", String(3), nullable=False),
    Column("postcode_area", String(4), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("recorded_from", UTCDateTime, nullable=False),
    Column("recorded_to", UTCDateTime, nullable=True),
    Column("position", BigInteger, nullable=False),
    Index("ix_residence_history_location", "housing_location_id", "valid_from"),
    Index("ix_residence_history_worker", "worker_id", "recorded_to"),
)

occupancy_limit_entries = Table(
    "occupancy_limit_entries",
    metadata,
    Column("housing_location_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("max_occupants", Integer, nullable=False),
)

occupancy_limit_history = Table(
    "occupancy_limit_history",
    metadata,
    Column("row_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("housing_location_id", String(32), nullable=False),
    Column("max_occupants", Integer, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("recorded_from", UTCDateTime, nullable=False),
    Column("recorded_to", UTCDateTime, nullable=True),
    Index("ix_occupancy_limit_history_location", "housing_location_id", "valid_from"),
)

# The first limit of a location holds from the beginning of (calendar) time.
BEGINNING = date(1, 1, 1)

Belief = tuple[str, date, date | None]  # (housing location, valid_from, valid_to)


class ResidenceView(View):
    """Bitemporal residence and occupancy-limit rows, and the facts queries group by."""

    name = "residence"
    tables = (
        residence_entries,
        residence_workers,
        location_facts,
        residence_history,
        occupancy_limit_entries,
        occupancy_limit_history,
    )


class ResidenceProjection(LedgerProjection[ResidenceView]):
    """Folds housing, departure and occupancy-limit events into bitemporal rows."""

    name = "residence"

    @handles(HousingLocation.Registered)
    def location_registered(self, conn: Connection, event: HousingLocation.Registered, position: int) -> None:
        location = event.originator_id.hex
        conn.execute(
            insert(location_facts).values(
                housing_location_id=location,
                postcode_area=event.address.postcode[:4],
                kind=event.kind,
                floor_area_m2=event.floor_area_m2,
            )
        )
        self._record_limit(conn, location, event.originator_version, BEGINNING, event.max_occupants, event.timestamp)

    @handles(HousingLocation.OccupancyLimitChanged)
    def limit_changed(self, conn: Connection, event: HousingLocation.OccupancyLimitChanged, position: int) -> None:
        location = event.originator_id.hex
        self._record_limit(
            conn, location, event.originator_version, event.valid_from, event.max_occupants, event.timestamp
        )

    @handles(Worker.Registered)
    def worker_registered(self, conn: Connection, event: Worker.Registered, position: int) -> None:
        worker = event.originator_id.hex
        conn.execute(
            insert(residence_workers).values(
                worker_id=worker, employer_id=event.employer_id.hex, nationality=event.nationality
            )
        )
        if event.housing_valid_from is not None:
            self._record_housing(
                conn, event, event.housing_valid_from, event.housing_location_id, position, is_departure=False
            )

    @handles(Worker.HousingAddressChanged)
    def housing_changed(self, conn: Connection, event: Worker.HousingAddressChanged, position: int) -> None:
        self._record_housing(conn, event, event.valid_from, event.housing_location_id, position, is_departure=False)

    @handles(Worker.Departed)
    def departed(self, conn: Connection, event: Worker.Departed, position: int) -> None:
        self._record_housing(conn, event, event.departed_on, None, position, is_departure=True)

    # -- residence -----------------------------------------------------------------

    def _record_housing(
        self,
        conn: Connection,
        event: Any,
        valid_from: date,
        location_id: UUID | None,
        position: int,
        *,
        is_departure: bool,
    ) -> None:
        worker = event.originator_id.hex
        conn.execute(
            insert(residence_entries).values(
                worker_id=worker,
                seq=event.originator_version,
                valid_from=valid_from,
                housing_location_id=location_id.hex if location_id else None,
                is_departure=is_departure,
            )
        )
        new = _beliefs(_housing_timeline(conn, worker))
        current = conn.execute(
            select(
                residence_history.c.row_id,
                residence_history.c.housing_location_id,
                residence_history.c.valid_from,
                residence_history.c.valid_to,
            ).where((residence_history.c.worker_id == worker) & residence_history.c.recorded_to.is_(None))
        ).all()
        believed = {(r.housing_location_id, r.valid_from, r.valid_to): r.row_id for r in current}
        superseded = [row_id for belief, row_id in believed.items() if belief not in new]
        if superseded:
            conn.execute(
                update(residence_history)
                .where(residence_history.c.row_id.in_(superseded))
                .values(recorded_to=event.timestamp)
            )
        added = [belief for belief in new if belief not in believed]
        if added:
            facts = _facts(conn, worker, {location for location, _, _ in added})
            conn.execute(
                insert(residence_history),
                [
                    {
                        "worker_id": worker,
                        "housing_location_id": location,
                        "valid_from": valid_from_,
                        "valid_to": valid_to,
                        "recorded_from": event.timestamp,
                        "recorded_to": None,
                        "position": position,
                        **facts[location],
                    }
                    for location, valid_from_, valid_to in added
                ],
            )

    # -- occupancy limits ------------------------------------------------------------

    def _record_limit(
        self, conn: Connection, location: str, seq: int, valid_from: date, max_occupants: int, recorded: datetime
    ) -> None:
        conn.execute(
            insert(occupancy_limit_entries).values(
                housing_location_id=location, seq=seq, valid_from=valid_from, max_occupants=max_occupants
            )
        )
        timeline: Timeline[int] = Timeline()
        for row in conn.execute(
            select(occupancy_limit_entries).where(occupancy_limit_entries.c.housing_location_id == location)
        ):
            timeline.record(row.valid_from, row.max_occupants, row.seq)
        new = {(i.value, i.valid_from, i.valid_to) for i in timeline.intervals()}
        current = conn.execute(
            select(
                occupancy_limit_history.c.row_id,
                occupancy_limit_history.c.max_occupants,
                occupancy_limit_history.c.valid_from,
                occupancy_limit_history.c.valid_to,
            ).where(
                (occupancy_limit_history.c.housing_location_id == location)
                & occupancy_limit_history.c.recorded_to.is_(None)
            )
        ).all()
        believed = {(r.max_occupants, r.valid_from, r.valid_to): r.row_id for r in current}
        superseded = [row_id for belief, row_id in believed.items() if belief not in new]
        if superseded:
            conn.execute(
                update(occupancy_limit_history)
                .where(occupancy_limit_history.c.row_id.in_(superseded))
                .values(recorded_to=recorded)
            )
        added = [belief for belief in new if belief not in believed]
        if added:
            conn.execute(
                insert(occupancy_limit_history),
                [
                    {
                        "housing_location_id": location,
                        "max_occupants": maximum,
                        "valid_from": start,
                        "valid_to": end,
                        "recorded_from": recorded,
                        "recorded_to": None,
                    }
                    for maximum, start, end in added
                ],
            )


def _housing_timeline(conn: Connection, worker: str) -> Timeline[str | None]:
    """The worker's housing timeline from the recorded entries (only the latest departure counts)."""
    return fold_housing(
        conn.execute(
            select(residence_entries).where(residence_entries.c.worker_id == worker).order_by(residence_entries.c.seq)
        )
    )


def _beliefs(timeline: Timeline[str | None]) -> set[Belief]:
    return {(i.value, i.valid_from, i.valid_to) for i in timeline.intervals() if i.value is not None}


def _facts(conn: Connection, worker: str, locations: set[str]) -> dict[str, dict[str, Any]]:
    person = conn.execute(select(residence_workers).where(residence_workers.c.worker_id == worker)).one()
    rows = conn.execute(
        select(location_facts.c.housing_location_id, location_facts.c.postcode_area).where(
            location_facts.c.housing_location_id.in_(locations)
        )
    )
    areas = {location: area for location, area in rows}
    return {
        location: {
            "employer_id": person.employer_id,
            "nationality": person.nationality,
            "postcode_area": areas.get(location, "0000"),
        }
        for location in locations
    }
