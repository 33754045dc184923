"""B4's baseline (b): the residence tables rebuilt by a framework-free loop.

Read a page of the notification log, decode each event's JSON with the
ledger's transcoder (sealed fields are left sealed: residence needs none),
fold the housing and occupancy-limit timelines in memory, and write the page's
rows with one `executemany` per table, inserts before updates. It produces the
rows `projections.residence` produces (same tables, same bitemporal rows),
but keeps no tracking position and opens no keys — what a hand-written
rebuild would do. Only the residence view's tables: the other views are not
rebuilt by this loop.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from sqlalchemy import Connection, bindparam, delete, insert, update

from ledger.application.service import Ledger
from ledger.domain.housing_location import HousingLocation
from ledger.domain.timeline import Move, Timeline, housing_timeline
from ledger.domain.worker import Worker
from projections.residence import (
    BEGINNING,
    location_facts,
    occupancy_limit_entries,
    occupancy_limit_history,
    residence_entries,
    residence_history,
    residence_workers,
)

TABLES = (
    residence_entries,
    residence_workers,
    location_facts,
    residence_history,
    occupancy_limit_entries,
    occupancy_limit_history,
)
Belief = tuple[Any, date, date | None]


class _Page:
    """The rows one page adds, and the rows it closes."""

    def __init__(self) -> None:
        self.inserts: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        self.closed: dict[Any, list[dict[str, Any]]] = defaultdict(list)

    def write(self, conn: Connection) -> None:
        for table in TABLES:
            if self.inserts[table]:
                conn.execute(insert(table), self.inserts[table])
        for table in (residence_history, occupancy_limit_history):
            if self.closed[table]:
                statement = update(table).where(table.c.row_id == bindparam("rid")).values(recorded_to=bindparam("rto"))
                conn.execute(statement, self.closed[table])


class _Fold:
    """What the loop remembers between pages: entries, current beliefs and facts, by worker and location."""

    def __init__(self) -> None:
        self.areas: dict[str, str] = {}
        self.workers: dict[str, tuple[str, str]] = {}
        self.housing: dict[str, list[Move[str]]] = defaultdict(list)
        self.limits: dict[str, list[tuple[int, date, int]]] = defaultdict(list)
        self.beliefs: dict[Any, dict[str, dict[Belief, int]]] = {
            residence_history: defaultdict(dict),
            occupancy_limit_history: defaultdict(dict),
        }
        self.next_id = {residence_history: 1, occupancy_limit_history: 1}

    def revise(
        self,
        page: _Page,
        table: Any,
        key: str,
        new: set[Belief],
        row: Callable[[Belief], dict[str, Any]],
        recorded: datetime,
    ) -> None:
        """Close the beliefs no longer held, insert the new ones (as the projection does)."""
        current = self.beliefs[table][key]
        for belief in [b for b in current if b not in new]:
            page.closed[table].append({"rid": current.pop(belief), "rto": recorded})
        for belief in new - current.keys():
            current[belief] = row_id = self.next_id[table]
            self.next_id[table] += 1
            page.inserts[table].append(
                {"row_id": row_id, "recorded_from": recorded, "recorded_to": None, **row(belief)}
            )


class HandLoop:
    """Rebuilds the residence tables from the log without the projection framework."""

    def __init__(self, ledger: Ledger, page_size: int) -> None:
        self.ledger = ledger
        self.page_size = page_size
        self.decode = ledger.mapper.transcoder.decode
        self.handlers: dict[str, Callable[[_Fold, _Page, Notification, dict[str, Any]], None]] = {
            get_topic(HousingLocation.Registered): _location_registered,
            get_topic(HousingLocation.OccupancyLimitChanged): _limit_changed,
            get_topic(Worker.Registered): _worker_registered,
            get_topic(Worker.HousingAddressChanged): _housing_changed,
            get_topic(Worker.Departed): _departed,
        }

    def run(self) -> int:
        """Empty the tables and replay the whole log into them; return how many events were read."""
        engine = self.ledger.database.engine
        with engine.begin() as conn:
            for table in reversed(TABLES):
                conn.execute(delete(table))
        fold, position, count = _Fold(), 0, 0
        while page := self.ledger.recorder.select_notifications(start=position + 1, limit=self.page_size):
            rows = _Page()
            for notification in page:
                handler = self.handlers.get(notification.topic)
                if handler is not None:
                    handler(fold, rows, notification, self.decode(notification.state))
            with engine.begin() as conn:
                rows.write(conn)
            position, count = page[-1].id, count + len(page)
        return count


def _hex(value: Any) -> str:
    return str(value.hex)


def _location_registered(fold: _Fold, page: _Page, n: Notification, event: dict[str, Any]) -> None:
    location = _hex(n.originator_id)
    fold.areas[location] = event["address"].postcode[:4]
    page.inserts[location_facts].append(
        {
            "housing_location_id": location,
            "postcode_area": fold.areas[location],
            "kind": event["kind"],
            "floor_area_m2": event["floor_area_m2"],
            # Decoded without the mapper, so without its upcast: a version 1 event proposed nothing.
            "proposed_max_occupants": event.get("proposed_max_occupants"),
            "registered_at": event["timestamp"],
        }
    )
    _limit(fold, page, location, n.originator_version, BEGINNING, event["max_occupants"], event["timestamp"])


def _limit_changed(fold: _Fold, page: _Page, n: Notification, event: dict[str, Any]) -> None:
    location = _hex(n.originator_id)
    _limit(fold, page, location, n.originator_version, event["valid_from"], event["max_occupants"], event["timestamp"])


def _limit(
    fold: _Fold, page: _Page, location: str, seq: int, valid_from: date, maximum: int | None, at: datetime
) -> None:
    page.inserts[occupancy_limit_entries].append(
        {"housing_location_id": location, "seq": seq, "valid_from": valid_from, "max_occupants": maximum}
    )
    fold.limits[location].append((seq, valid_from, maximum))
    timeline: Timeline[int | None] = Timeline()
    for entry_seq, start, value in fold.limits[location]:
        timeline.record(start, value, entry_seq)
    new = {(i.value, i.valid_from, i.valid_to) for i in timeline.intervals()}

    def row(belief: Belief) -> dict[str, Any]:
        return {
            "housing_location_id": location,
            "max_occupants": belief[0],
            "valid_from": belief[1],
            "valid_to": belief[2],
        }

    fold.revise(page, occupancy_limit_history, location, new, row, at)


def _worker_registered(fold: _Fold, page: _Page, n: Notification, event: dict[str, Any]) -> None:
    worker = _hex(n.originator_id)
    fold.workers[worker] = (_hex(event["employer_id"]), event["nationality"])
    page.inserts[residence_workers].append(
        {"worker_id": worker, "employer_id": fold.workers[worker][0], "nationality": event["nationality"]}
    )
    if event["housing_valid_from"] is not None:
        _housing(fold, page, n, event["housing_valid_from"], event["housing_location_id"], event, departure=False)


def _housing_changed(fold: _Fold, page: _Page, n: Notification, event: dict[str, Any]) -> None:
    _housing(fold, page, n, event["valid_from"], event["housing_location_id"], event, departure=False)


def _departed(fold: _Fold, page: _Page, n: Notification, event: dict[str, Any]) -> None:
    _housing(fold, page, n, event["departed_on"], None, event, departure=True)


def _housing(
    fold: _Fold,
    page: _Page,
    n: Notification,
    valid_from: date,
    location: Any,
    event: dict[str, Any],
    *,
    departure: bool,
) -> None:
    worker, seq = _hex(n.originator_id), n.originator_version
    where = _hex(location) if location is not None else None
    page.inserts[residence_entries].append(
        {
            "worker_id": worker,
            "seq": seq,
            "valid_from": valid_from,
            "housing_location_id": where,
            "is_departure": departure,
        }
    )
    fold.housing[worker].append(Move(valid_from, seq, where, departure=departure))
    timeline = housing_timeline(fold.housing[worker])
    new = {(i.value, i.valid_from, i.valid_to) for i in timeline.intervals() if i.value is not None}
    employer, nationality = fold.workers[worker]

    def row(belief: Belief) -> dict[str, Any]:
        return {
            "worker_id": worker,
            "housing_location_id": belief[0],
            "employer_id": employer,
            "nationality": nationality,
            "postcode_area": fold.areas.get(belief[0], "0000"),
            "valid_from": belief[1],
            "valid_to": belief[2],
            "position": n.id,
        }

    fold.revise(page, residence_history, worker, new, row, event["timestamp"])
