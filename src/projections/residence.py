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

A page of events is folded in memory: `open_page` reads, in a few queries,
what the page's workers and locations already have (`ResidencePage`); each
event then changes the beliefs as if it were alone, stamped with its own
recording instant; `close_page` writes the page with one statement per table
and kind of change. Per-event statements made a rebuild slow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from typing import Any, ClassVar, NamedTuple
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
    bindparam,
    select,
    update,
)

from ledger.database import UTCDateTime
from ledger.domain.housing_location import HousingLocation
from ledger.domain.timeline import Timeline
from ledger.domain.worker import Worker
from ledger.sealing import SubjectKeys
from projections.housing import fold_housing
from projections.projection import LedgerProjection, handles
from projections.view import View, insert_rows

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

# (value, valid_from, valid_to): a housing location id, or a maximum number of occupants.
Belief = tuple[Any, date, date | None]


class HousingEntry(NamedTuple):
    """One input of a worker's housing timeline (a `residence_entries` row without its worker)."""

    seq: int
    valid_from: date
    housing_location_id: str | None
    is_departure: bool


class LimitEntry(NamedTuple):
    """One input of a location's occupancy-limit timeline."""

    seq: int
    valid_from: date
    max_occupants: int


class BeliefRows:
    """The current beliefs of one bitemporal table per owner (worker or location), and a page's changes to them.

    A belief maps to its row: the row id of a stored row, or the values of a row
    this page inserts. A belief given up is closed with the instant of the event
    that gave it up — for a row of this page by setting `recorded_to` before it
    is written, so an interval believed only between two events of one page is
    still kept.
    """

    def __init__(self, table: Table, owner: str, belief: tuple[str, str, str]) -> None:
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
        self.workers: dict[str, dict[str, str]] = {}  # worker -> employer_id and nationality
        self.areas: dict[str, str] = {}  # housing location -> postcode area
        self.stays = BeliefRows(residence_history, "worker_id", ("housing_location_id", "valid_from", "valid_to"))
        self.limit_rows = BeliefRows(
            occupancy_limit_history, "housing_location_id", ("max_occupants", "valid_from", "valid_to")
        )
        self.added: dict[Table, list[dict[str, Any]]] = defaultdict(list)  # rows of the other tables

    def load(self, *, workers: set[str], places: set[str], limited: set[str]) -> None:
        """Read what the page needs and has not got from its own events.

        That is: the housing entries, current stays and facts of `workers`; the
        postcode areas of `places`; the limit entries and current limits of the
        `limited` locations.
        """
        c = self.conn
        places = set(places)
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

    def add(self, table: Table, row: dict[str, Any]) -> None:
        """A row to insert into one of the tables that are only ever inserted into."""
        self.added[table].append(row)

    def write(self) -> None:
        """Write the page: one statement per table and kind of change."""
        for table, rows in self.added.items():
            insert_rows(self.conn, table, rows)
        self.stays.write(self.conn)
        self.limit_rows.write(self.conn)


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
    """Folds housing, departure and occupancy-limit events into bitemporal rows, a page at a time."""

    name = "residence"
    # Housing, limits and the grouping facts are never sealed: the runner need not open keys for this view.
    opens_personal_data: ClassVar[bool] = False

    def open_page(self, conn: Connection, events: Sequence[Any], keys: SubjectKeys | None) -> ResidencePage:
        """Read what the page's events touch: their workers' and locations' entries, beliefs and facts."""
        workers: set[str] = set()
        places: set[str] = set()  # housing locations whose postcode area a new stay may need
        limited: set[str] = set()
        created: set[str] = set()
        for event in events:
            owner = event.originator_id.hex
            if isinstance(event, Worker.Registered | HousingLocation.Registered):
                # Nothing is stored yet about an aggregate created in this page: a rebuild reads little.
                created.add(owner)
            if isinstance(event, Worker.Registered | Worker.HousingAddressChanged | Worker.Departed):
                workers.add(owner)
                location = getattr(event, "housing_location_id", None)  # a departure names none
                if location is not None:
                    places.add(location.hex)
            elif isinstance(event, HousingLocation.OccupancyLimitChanged):
                limited.add(owner)
        page = ResidencePage(conn)
        page.load(workers=workers - created, places=places - created, limited=limited - created)
        return page

    def close_page(self, page: ResidencePage) -> None:
        page.write()

    @handles(HousingLocation.Registered)
    def location_registered(self, page: ResidencePage, event: HousingLocation.Registered, position: int) -> None:
        location = event.originator_id.hex
        page.areas[location] = event.address.postcode[:4]
        page.add(
            location_facts,
            {
                "housing_location_id": location,
                "postcode_area": page.areas[location],
                "kind": event.kind,
                "floor_area_m2": event.floor_area_m2,
            },
        )
        entry = LimitEntry(event.originator_version, BEGINNING, event.max_occupants)
        self._record_limit(page, location, entry, event.timestamp)

    @handles(HousingLocation.OccupancyLimitChanged)
    def limit_changed(self, page: ResidencePage, event: HousingLocation.OccupancyLimitChanged, position: int) -> None:
        entry = LimitEntry(event.originator_version, event.valid_from, event.max_occupants)
        self._record_limit(page, event.originator_id.hex, entry, event.timestamp)

    @handles(Worker.Registered)
    def worker_registered(self, page: ResidencePage, event: Worker.Registered, position: int) -> None:
        worker = event.originator_id.hex
        page.workers[worker] = {"employer_id": event.employer_id.hex, "nationality": event.nationality}
        page.add(residence_workers, {"worker_id": worker, **page.workers[worker]})
        if event.housing_valid_from is not None:
            self._record_housing(page, event, event.housing_valid_from, event.housing_location_id, position)

    @handles(Worker.HousingAddressChanged)
    def housing_changed(self, page: ResidencePage, event: Worker.HousingAddressChanged, position: int) -> None:
        self._record_housing(page, event, event.valid_from, event.housing_location_id, position)

    @handles(Worker.Departed)
    def departed(self, page: ResidencePage, event: Worker.Departed, position: int) -> None:
        self._record_housing(page, event, event.departed_on, None, position, is_departure=True)

    def _record_housing(
        self,
        page: ResidencePage,
        event: Any,
        valid_from: date,
        location_id: UUID | None,
        position: int,
        *,
        is_departure: bool = False,
    ) -> None:
        worker = event.originator_id.hex
        entry = HousingEntry(
            event.originator_version, valid_from, location_id.hex if location_id else None, is_departure
        )
        page.housing[worker].append(entry)
        page.add(residence_entries, {"worker_id": worker, **entry._asdict()})
        timeline = fold_housing(page.housing[worker])
        new = {(i.value, i.valid_from, i.valid_to) for i in timeline.intervals() if i.value is not None}

        def row(belief: Belief) -> dict[str, Any]:
            location, start, end = belief
            return {
                "worker_id": worker,
                "housing_location_id": location,
                "valid_from": start,
                "valid_to": end,
                "position": position,
                "postcode_area": page.areas.get(location, "0000"),
                **page.workers[worker],
            }

        page.stays.replace(worker, new, event.timestamp, row)

    def _record_limit(self, page: ResidencePage, location: str, entry: LimitEntry, recorded: datetime) -> None:
        page.limits[location].append(entry)
        page.add(occupancy_limit_entries, {"housing_location_id": location, **entry._asdict()})
        timeline: Timeline[int] = Timeline()
        for seq, start, maximum in page.limits[location]:
            timeline.record(start, maximum, seq)
        new = {(i.value, i.valid_from, i.valid_to) for i in timeline.intervals()}

        def row(belief: Belief) -> dict[str, Any]:
            maximum, start, end = belief
            return {"housing_location_id": location, "max_occupants": maximum, "valid_from": start, "valid_to": end}

        page.limit_rows.replace(location, new, recorded, row)
