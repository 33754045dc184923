"""A page of housing locations read into their answers: the figures of the day, the limits' history, inspections.

`projections.location_queries` selects the page (the directory's rows, with
the residence view's facts of each location beside them); this module reads
what the answers show for the whole page at once — the alerts in force from
the alerts view (`projections.location_open_alerts`), each location's
headcount and limit of the day as believed at the instant, the limits the
municipality set, the last inspection — in one query each, whatever the
page's size, and works out the day's figures (`ledger.domain.capacity`) in
memory. While the alerts view cannot answer, the alerts are worked out with
the rules from each location's whole history, as the occupancy query does
(`projections.occupancy.LocationHistory`).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, Column, ColumnElement, Connection, Date, Select, String, Table, any_, bindparam
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import and_, func, or_, select, true

from ledger.domain.capacity import UNKNOWN, Capacity, capacity
from ledger.domain.floor_area_norms import norms_for_kind
from ledger.domain.housing_location import LimitBasis
from ledger.domain.values import Address
from ledger.persistence.database import UTCDateTime, in_chunks
from ledger.settings import Settings
from projections.alert_rules import Alert, location_alerts
from projections.bitemporal import known_at, valid_on
from projections.directory import directory_inspections, directory_location_limits
from projections.employment import residence_with_employer
from projections.ids import uuid_of
from projections.labels import address_line
from projections.location_open_alerts import open_alerts
from projections.occupancy import LocationFacts, LocationHistory, Resident
from projections.residence import location_facts, occupancy_limit_history, residence_history

# The residence view's facts of a location, selected beside its directory row (None: not seen there yet).
FACT_COLUMNS = (
    location_facts.c.kind.label("facts_kind"),
    location_facts.c.floor_area_m2.label("facts_floor_area_m2"),
    location_facts.c.proposed_max_occupants.label("facts_proposed_max_occupants"),
    location_facts.c.registered_at.label("facts_registered_at"),
)


@dataclass(frozen=True)
class LimitSet:
    """A limit the municipality set: from when (None: from registration), as recorded when, and why."""

    max_occupants: int
    valid_from: date | None
    recorded_at: datetime
    reason: str | None


@dataclass(frozen=True)
class InspectionFacts:
    """The plain facts of an inspection."""

    id: UUID
    inspected_on: date
    occupants_found: int
    outcome: str


@dataclass(frozen=True)
class LocationRecord:
    """A housing location on a day, as known at an instant."""

    id: UUID
    bag_id: str
    address: Address
    label: str
    kind: str
    floor_area_m2: int | None
    owner_kvk_number: str | None
    proposed_max_occupants: int | None
    registered_at: datetime
    max_occupants: int | None
    limit_basis: LimitBasis | None
    headcount: int
    capacity: Capacity
    limits: tuple[LimitSet, ...]
    alerts: tuple[Alert, ...]
    last_inspection: InspectionFacts | None


@dataclass(frozen=True)
class Asked:
    """The day and instant asked about, the settings (the norms, the zone), and whose view (None: everyone's)."""

    on: date
    as_known_at: datetime
    settings: Settings
    employer_id: UUID | None = None


class _Reads(NamedTuple):
    """A page's reads; their parameters are the page's `ids`, the day `on` and the instant `at`."""

    stays: Select[Any]
    headcounts: Select[Any]
    limits: Select[Any]
    limits_set: Select[Any]
    inspections: Select[Any]


@functools.cache
def _reads(dialect: str, day_only: bool) -> _Reads:
    """The page's reads on `dialect`, built once: SQLAlchemy reuses their compiled form and cache key.

    On PostgreSQL the ids are one array parameter (`= ANY`): the statement is
    then the same short text for every page, which psycopg keeps parsed (it
    parses a text of over 4 kB again every time, and an IN list of 50 ids makes
    one). SQLite has no arrays: it takes an IN list. `day_only`: the stays and
    limits of the day `on` only, all the answer needs when the alerts are not
    worked out from the whole history (`projections.location_open_alerts`).
    """
    ids: BindParameter[Any]
    if dialect == "postgresql":
        ids = bindparam("ids", type_=postgresql.ARRAY(String))

        def among(column: Column[str]) -> ColumnElement[bool]:
            return column == any_(ids)
    else:
        ids = bindparam("ids", expanding=True)

        def among(column: Column[str]) -> ColumnElement[bool]:
            return column.in_(ids)

    on, at = bindparam("on", type_=Date), bindparam("at", type_=UTCDateTime)

    def of_the_day(table: Table) -> ColumnElement[bool]:
        if not day_only:
            return true()
        return and_(table.c.valid_from <= on, or_(table.c.valid_to.is_(None), table.c.valid_to > on))

    h, o, c, i = residence_history.c, occupancy_limit_history.c, directory_location_limits.c, directory_inspections.c
    return _Reads(
        stays=select(h.housing_location_id, h.worker_id, h.valid_from, h.valid_to, h.employer_id).where(
            among(h.housing_location_id), known_at(residence_history, at), of_the_day(residence_history)
        ),
        headcounts=select(h.housing_location_id, func.count())
        .where(among(h.housing_location_id), known_at(residence_history, at), of_the_day(residence_history))
        .group_by(h.housing_location_id),
        limits=select(o.housing_location_id, o.valid_from, o.valid_to, o.max_occupants).where(
            among(o.housing_location_id), known_at(occupancy_limit_history, at), of_the_day(occupancy_limit_history)
        ),
        limits_set=select(directory_location_limits)
        .where(among(c.housing_location_id), c.recorded_at <= at)
        .order_by(c.housing_location_id, c.seq),
        inspections=select(directory_inspections)
        .where(among(i.housing_location_id), i.inspected_on <= on, i.recorded_at <= at)
        .order_by(i.inspected_on, i.recorded_at),  # the last one read is the latest
    )


def read_records(
    conn: Connection, rows: Sequence[Any], asked: Asked, *, ready: bool | None = None
) -> list[LocationRecord]:
    """The answers for these directory rows (selected with `FACT_COLUMNS`), in their order.

    `ready`: whether the alerts view can answer, as asked in the same read (None: ask it here).
    """
    if not rows:
        return []
    ids = [row.housing_location_id for row in rows]
    # An employer is shown no location's alerts. None: the alerts view cannot answer yet, the rules do.
    alerts = (
        {}
        if asked.employer_id is not None
        else open_alerts(conn, ids, asked.on, asked.as_known_at, asked.settings, ready=ready)
    )
    # The rules need each location's whole history; the day's figures need only the day's headcount and limit.
    histories, headcounts = _histories(conn, rows, asked, day_only=alerts is not None)
    limits = _limit_history(conn, ids, asked.as_known_at)
    inspections = {} if asked.employer_id is not None else _last_inspections(conn, ids, asked)
    return [
        _record(
            row,
            histories.get(row.housing_location_id),
            headcounts,
            limits[row.housing_location_id],
            inspections,
            asked,
            alerts,
        )
        for row in rows
    ]


def _record(
    row: Any,
    history: LocationHistory | None,
    headcounts: dict[str, int] | None,
    limits: list[LimitSet],
    inspections: dict[str, InspectionFacts],
    asked: Asked,
    viewed: dict[str, tuple[Alert, ...]] | None,
) -> LocationRecord:
    location_id = uuid_of(row.housing_location_id)
    scope = asked.employer_id
    maximum, basis, headcount = None, None, 0
    alerts = () if viewed is None else viewed.get(row.housing_location_id, ())
    if history is not None:  # None only while the residence view has not yet seen the registration
        maximum, basis = history.limit_on(asked.on)
        if headcounts is not None:
            headcount = headcounts.get(row.housing_location_id, 0)
        else:
            headcount = sum(s.holds_on(asked.on) for s in history.stays)
        if scope is None and viewed is None:
            registered_on = history.facts.registered_at.astimezone(ZoneInfo(asked.settings.timezone)).date()
            alerts = tuple(location_alerts(location_id, history, asked.on, registered_on=registered_on))
    address = Address(
        street=row.street,
        house_number=row.house_number,
        postcode=row.postcode,
        city=row.city,
        house_letter=row.house_letter,
        house_number_addition=row.house_number_addition,
    )
    return LocationRecord(
        id=location_id,
        bag_id=row.bag_id,
        address=address,
        label=address_line(
            row.street, row.house_number, row.house_letter, row.house_number_addition, row.postcode, row.city
        ),
        kind=row.kind,
        floor_area_m2=row.floor_area_m2,
        owner_kvk_number=row.owner_kvk_number,
        # An employer sees the limit, not the number some employer proposed (as in the occupancy answer).
        proposed_max_occupants=row.proposed_max_occupants if scope is None else None,
        registered_at=row.registered_at,
        max_occupants=maximum,
        limit_basis=basis,
        headcount=headcount,
        # Free places and the like depend on everyone's workers: not an employer's to see.
        capacity=capacity(headcount, maximum) if scope is None else UNKNOWN,
        limits=tuple(limits),
        alerts=alerts,
        last_inspection=inspections.get(row.housing_location_id),
    )


def _histories(
    conn: Connection, rows: Sequence[Any], asked: Asked, *, day_only: bool
) -> tuple[dict[str, LocationHistory], dict[str, int] | None]:
    """Each location's stays and limits as believed at the instant, as `occupancy.location_history` reads one.

    `day_only`: only the limit of the day asked, and instead of the stays the
    headcount of that day (counted in the query; an employer's, its workers of
    that day). A location the residence view knows at the instant has a limit
    row on every day (its limits' timeline begins at `BEGINNING`, with a row
    that sets none), so it is still known. An employer's answer is always of
    the day: it is shown no alerts.
    """
    assert day_only or asked.employer_id is None
    reads = _reads(conn.dialect.name, day_only)
    at = {"on": asked.on, "at": asked.as_known_at}
    facts = {
        row.housing_location_id: LocationFacts(
            row.facts_kind, row.facts_floor_area_m2, row.facts_proposed_max_occupants, row.facts_registered_at
        )
        for row in rows
        if row.facts_registered_at is not None
    }
    ids = list(facts)
    stays: defaultdict[str, list[Resident]] = defaultdict(list)
    headcounts: dict[str, int] = {}
    limits: defaultdict[str, list[tuple[date, date | None, int | None]]] = defaultdict(list)
    for chunk in in_chunks(ids):
        if not day_only:
            # Everyone's answer counts every stay: the registering employer each row names will do.
            for location, worker, valid_from, valid_to, employer_hex in conn.execute(reads.stays, {"ids": chunk} | at):
                stays[location].append(Resident(uuid_of(worker), valid_from, valid_to, uuid_of(employer_hex)))
        else:
            counted = (
                conn.execute(reads.headcounts, {"ids": chunk} | at)
                if asked.employer_id is None
                else conn.execute(_its_headcounts(chunk, asked, asked.employer_id))
            )
            headcounts.update((location, int(count)) for location, count in counted)
        limit_rows = conn.execute(reads.limits, {"ids": chunk} | at)
        for location, valid_from, valid_to, maximum in limit_rows.all():
            limits[location].append((valid_from, valid_to, maximum))
    norms = asked.settings.floor_area_norms_m2
    histories = {
        location: LocationHistory(
            stays=tuple(stays[location]),
            limits=tuple(limits[location]),
            facts=facts[location],
            norms=norms_for_kind(norms, facts[location].kind),
        )
        for location in ids
        if limits[location]  # known to the residence view at the instant
    }
    return histories, headcounts if day_only else None


def _its_headcounts(ids: Sequence[str], asked: Asked, employer_id: UUID) -> Select[Any]:
    """How many of the employer's workers of the day asked live at each location that day (after any transfer)."""
    h = residence_history.c
    joined, employer = residence_with_employer(asked.on, asked.as_known_at)
    return (
        select(h.housing_location_id, func.count())
        .select_from(joined)
        .where(h.housing_location_id.in_(ids), known_at(residence_history, asked.as_known_at))
        .where(valid_on(residence_history, asked.on), employer == employer_id.hex)
        .group_by(h.housing_location_id)
    )


def _limit_history(conn: Connection, ids: list[str], as_known_at: datetime) -> defaultdict[str, list[LimitSet]]:
    found: defaultdict[str, list[LimitSet]] = defaultdict(list)
    for chunk in in_chunks(ids):
        for row in conn.execute(_reads(conn.dialect.name, False).limits_set, {"ids": chunk, "at": as_known_at}).all():
            found[row.housing_location_id].append(
                LimitSet(row.max_occupants, row.valid_from, row.recorded_at, row.reason)
            )
    return found


def _last_inspections(conn: Connection, ids: list[str], asked: Asked) -> dict[str, InspectionFacts]:
    """The latest inspection of each location on or before the day, as recorded by the instant."""
    found: dict[str, InspectionFacts] = {}
    for chunk in in_chunks(ids):
        for row in conn.execute(
            _reads(conn.dialect.name, False).inspections, {"ids": chunk, "on": asked.on, "at": asked.as_known_at}
        ).all():
            found[row.housing_location_id] = InspectionFacts(
                uuid_of(row.inspection_id), row.inspected_on, row.occupants_found, row.outcome
            )
    return found
