"""The residence page: what a page of events touches, folded in memory, and the bitemporal rows it writes.

A page of events is folded in memory: `open_page` reads, in a few queries,
what the page's workers and locations already have (`ResidencePage`); each
event then changes the beliefs as if it were alone, stamped with its own
recording instant; `close_page` writes the page with one statement per table
and kind of change. Per-event statements made a rebuild slow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, bindparam, select, update

from projections.residence_tables import (
    employment_entries,
    employment_history,
    location_facts,
    occupancy_limit_entries,
    occupancy_limit_history,
    residence_entries,
    residence_history,
    residence_workers,
)
from projections.view import insert_rows

# (value, valid_from, valid_to): a housing location id, an employer id, or a maximum number of occupants.
Belief = tuple[Any, date, date | None]


class HousingEntry(NamedTuple):
    """One input of a worker's housing timeline (a `residence_entries` row without its worker)."""

    seq: int
    valid_from: date
    housing_location_id: str | None
    is_departure: bool


class EmploymentEntry(NamedTuple):
    """One transfer of a worker (an `employment_entries` row without its worker)."""

    seq: int
    valid_from: date
    employer_id: str


class LimitEntry(NamedTuple):
    """One input of a location's occupancy-limit timeline (the municipality's limit; None: none set)."""

    seq: int
    valid_from: date
    max_occupants: int | None


class BeliefRows:
    """The current beliefs of one bitemporal table per owner (worker or location), and a page's changes to them.

    A belief maps to its row: the row id of a stored row, or the values of a row
    this page inserts. A belief given up is closed with the instant of the event
    that gave it up — for a row of this page by setting `recorded_to` before it
    is written, so an interval believed only between two events of one page is
    still kept.
    """

    def __init__(self, table: Table, owner: str, belief: tuple[str, ...]) -> None:
        self.table = table
        self.owner = owner
        self.belief = belief
        self.current: dict[str, dict[Belief, int | dict[str, Any]]] = defaultdict(dict)
        self.inserts: list[dict[str, Any]] = []
        self.closes: list[dict[str, Any]] = []

    def load(self, conn: Connection, owners: Collection[str]) -> None:
        """Read the stored current beliefs (`recorded_to` null) of `owners`."""
        if not owners:
            return
        c = self.table.c
        rows = conn.execute(
            select(c.row_id, c[self.owner], *(c[name] for name in self.belief)).where(
                c[self.owner].in_(owners) & c.recorded_to.is_(None)
            )
        )
        for row_id, owner, *belief in rows:
            self.current[owner][tuple(belief)] = row_id

    def replace(
        self, owner: str, new: set[Belief], recorded: datetime, values: Callable[[Belief], dict[str, Any]]
    ) -> None:
        """Believe exactly `new` for `owner` from `recorded` on: close what is given up, add what is new."""
        current = self.current[owner]
        for belief in [b for b in current if b not in new]:
            row = current.pop(belief)
            if isinstance(row, dict):
                row["recorded_to"] = recorded
            else:
                self.closes.append({"closed_row": row, "closed_at": recorded})
        # In valid-time order, so that row ids do not depend on set order.
        for belief in sorted(new - current.keys(), key=lambda b: b[1]):
            current[belief] = row = {**values(belief), "recorded_from": recorded, "recorded_to": None}
            self.inserts.append(row)

    def write(self, conn: Connection) -> None:
        """Insert the page's rows and close the stored rows it gave up, one statement each."""
        if self.inserts:
            insert_rows(conn, self.table, self.inserts)
        if self.closes:
            closing = (
                update(self.table)
                .where(self.table.c.row_id == bindparam("closed_row"))
                .values(recorded_to=bindparam("closed_at"))
            )
            conn.execute(closing, self.closes)


class ResidencePage:
    """What a page of events touches, read in a few queries, and the rows it writes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.housing: dict[str, list[HousingEntry]] = defaultdict(list)
        self.limits: dict[str, list[LimitEntry]] = defaultdict(list)
        self.employments: dict[str, list[EmploymentEntry]] = defaultdict(list)
        self.workers: dict[str, dict[str, str]] = {}  # worker -> employer_id and nationality
        self.areas: dict[str, str] = {}  # housing location -> postcode area
        self.stays = BeliefRows(residence_history, "worker_id", ("housing_location_id", "valid_from", "valid_to"))
        self.limit_rows = BeliefRows(
            occupancy_limit_history, "housing_location_id", ("max_occupants", "valid_from", "valid_to")
        )
        self.employers = BeliefRows(employment_history, "worker_id", ("employer_id", "valid_from", "valid_to"))
        self.added: dict[Table, list[dict[str, Any]]] = defaultdict(list)  # rows of the other tables

    def load(self, *, workers: set[str], places: set[str], limited: set[str], employed: Collection[str] = ()) -> None:
        """Read what the page needs and has not got from its own events.

        That is: the housing entries, current stays and facts of `workers`; the
        postcode areas of `places`; the limit entries and current limits of the
        `limited` locations; the facts, transfers and current employments of the
        `employed` (transferred) workers.
        """
        c = self.conn
        places = set(places)
        if employed:
            self._load_employments(set(employed) - set(workers))
            self._load_transfers(set(employed))
        if workers:
            entries = select(residence_entries).where(residence_entries.c.worker_id.in_(workers))
            for row in c.execute(entries.order_by(residence_entries.c.seq)):
                entry = HousingEntry(row.seq, row.valid_from, row.housing_location_id, row.is_departure)
                self.housing[row.worker_id].append(entry)
                if row.housing_location_id is not None:
                    # A new stay may be at any location of the worker's timeline, not only the page's.
                    places.add(row.housing_location_id)
            for row in c.execute(select(residence_workers).where(residence_workers.c.worker_id.in_(workers))):
                self.workers[row.worker_id] = {"employer_id": row.employer_id, "nationality": row.nationality}
            self.stays.load(c, workers)
        if places:
            facts = location_facts.c
            rows = c.execute(
                select(facts.housing_location_id, facts.postcode_area).where(facts.housing_location_id.in_(places))
            )
            self.areas.update({location: area for location, area in rows})
        if limited:
            limits = select(occupancy_limit_entries).where(occupancy_limit_entries.c.housing_location_id.in_(limited))
            for row in c.execute(limits.order_by(occupancy_limit_entries.c.seq)):
                self.limits[row.housing_location_id].append(LimitEntry(row.seq, row.valid_from, row.max_occupants))
            self.limit_rows.load(c, limited)

    def _load_employments(self, workers: set[str]) -> None:
        # The facts of transferred workers whose housing the page does not touch (those it does are read below).
        if workers:
            for row in self.conn.execute(select(residence_workers).where(residence_workers.c.worker_id.in_(workers))):
                self.workers[row.worker_id] = {"employer_id": row.employer_id, "nationality": row.nationality}

    def _load_transfers(self, workers: set[str]) -> None:
        entries = select(employment_entries).where(employment_entries.c.worker_id.in_(workers))
        for row in self.conn.execute(entries.order_by(employment_entries.c.seq)):
            self.employments[row.worker_id].append(EmploymentEntry(row.seq, row.valid_from, row.employer_id))
        self.employers.load(self.conn, workers)

    def add(self, table: Table, row: dict[str, Any]) -> None:
        """A row to insert into one of the tables that are only ever inserted into."""
        self.added[table].append(row)

    def write(self) -> None:
        """Write the page: one statement per table and kind of change."""
        for table, rows in self.added.items():
            insert_rows(self.conn, table, rows)
        self.stays.write(self.conn)
        self.limit_rows.write(self.conn)
        self.employers.write(self.conn)
