"""Housing locations read back (issue 18): a list filtered by address, kind and over-capacity, one location.

A location as registered (the directory view), its limits as the
municipality set them (the history: when each holds from, when it was
recorded, why), and on the day `on` as known at `as_known_at`: the permitted
maximum in force, the headcount, what follows from the two
(`ledger.domain.capacity`: free places never negative, `over_by`, utilisation;
all None with the limit unknown), the alerts about the location that day and
its last inspection by then. The day-dependent figures come from the
residence view's bitemporal rows (`projections.occupancy.LocationHistory`,
as the occupancy and the alerts read them), read for a whole page at once:
a page costs a few queries whatever its size.

An employer (`employer_id`) sees the locations that house its workers on the
day, or that it proposed; at a location, the count of its own workers only.
What depends on everyone's (over-capacity, free places, utilisation, the
location's alerts) and the inspections are not shown to it (None, empty).

`over_capacity` is a figure of the day, worked out from a setting (the
floor-area norms): no column can hold it. A list filtered by it reads the
candidates a chunk at a time after the cursor and keeps those that match.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Select, or_, select

from ledger.domain.capacity import UNKNOWN, Capacity, capacity
from ledger.domain.floor_area_norms import norms_for_kind
from ledger.domain.housing_location import LimitBasis
from ledger.domain.values import Address
from ledger.persistence.database import in_chunks, reading
from ledger.settings import Settings
from projections.alert_rules import Alert, location_alerts
from projections.bitemporal import known_at, valid_on
from projections.directory import (
    compact_postcode,
    directory_inspections,
    directory_location_limits,
    directory_locations,
    folded,
)
from projections.employment import residence_with_employer
from projections.labels import address_line
from projections.occupancy import LocationHistory, Resident, read_facts
from projections.residence import location_facts, occupancy_limit_history, residence_history

# Candidates read at a time when the list is filtered by over-capacity.
_CHUNK = 500


@dataclass(frozen=True)
class LocationFilter:
    """What a list of locations is narrowed to; None: not filtered on it."""

    postcode: str | None = None  # any case, with or without the space
    house_number: int | None = None
    street: str | None = None  # a part of it, case and marks folded
    city: str | None = None  # likewise
    kind: str | None = None
    over_capacity: bool | None = None


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


def locations(
    engine: Engine, asked: Asked, found: LocationFilter, *, limit: int = 100, after: UUID | None = None
) -> list[LocationRecord]:
    """A page of locations in id order after `after`, registered by `asked.as_known_at`, matching `found`."""
    statement = _filtered(asked, found)
    if found.over_capacity is None:
        if after is not None:
            statement = statement.where(directory_locations.c.housing_location_id > after.hex)
        with reading(engine) as conn:
            rows = conn.execute(statement.limit(limit)).all()
            return _records(conn, rows, asked)
    kept: list[LocationRecord] = []
    with reading(engine) as conn:
        while len(kept) < limit:
            chunk = statement
            if after is not None:
                chunk = chunk.where(directory_locations.c.housing_location_id > after.hex)
            rows = conn.execute(chunk.limit(_CHUNK)).all()
            kept += [r for r in _records(conn, rows, asked) if r.capacity.over_capacity is found.over_capacity]
            if len(rows) < _CHUNK:
                break
            after = UUID(rows[-1].housing_location_id)
    return kept[:limit]


def location(engine: Engine, location_id: UUID, asked: Asked) -> LocationRecord | None:
    """One location, or None if it was not registered as of `asked.as_known_at` (or is outside the employer's)."""
    statement = _filtered(asked, LocationFilter()).where(directory_locations.c.housing_location_id == location_id.hex)
    with reading(engine) as conn:
        found = _records(conn, conn.execute(statement).all(), asked)
    return found[0] if found else None


def _filtered(asked: Asked, found: LocationFilter) -> Select[Any]:
    d = directory_locations.c
    statement = select(directory_locations).where(d.registered_at <= asked.as_known_at)
    if found.postcode is not None:
        statement = statement.where(d.postcode == compact_postcode(found.postcode))
    if found.house_number is not None:
        statement = statement.where(d.house_number == found.house_number)
    if found.street is not None:
        statement = statement.where(d.street_folded.contains(folded(found.street), autoescape=True))
    if found.city is not None:
        statement = statement.where(d.city_folded.contains(folded(found.city), autoescape=True))
    if found.kind is not None:
        statement = statement.where(d.kind == found.kind)
    if asked.employer_id is not None:
        # Its workers on the day: the employer of that day, after any transfer (`projections.employment`).
        h = residence_history.c
        joined, employer = residence_with_employer(asked.on, asked.as_known_at)
        housing_its_workers = (
            select(h.housing_location_id)
            .select_from(joined)
            .where(employer == asked.employer_id.hex)
            .where(valid_on(residence_history, asked.on))
            .where(known_at(residence_history, asked.as_known_at))
        )
        statement = statement.where(
            or_(d.housing_location_id.in_(housing_its_workers), d.proposed_by == asked.employer_id.hex)
        )
    return statement.order_by(d.housing_location_id)


def _records(conn: Connection, rows: Sequence[Any], asked: Asked) -> list[LocationRecord]:
    ids = [row.housing_location_id for row in rows]
    histories = _histories(conn, ids, asked)
    limits = _limit_history(conn, ids, asked.as_known_at)
    inspections = {} if asked.employer_id is not None else _last_inspections(conn, ids, asked)
    return [
        _record(row, histories.get(row.housing_location_id), limits[row.housing_location_id], inspections, asked)
        for row in rows
    ]


def _record(
    row: Any,
    history: LocationHistory | None,
    limits: list[LimitSet],
    inspections: dict[str, InspectionFacts],
    asked: Asked,
) -> LocationRecord:
    location_id = UUID(row.housing_location_id)
    scope = asked.employer_id
    maximum, basis, headcount, alerts = None, None, 0, tuple[Alert, ...]()
    if history is not None:  # None only while the residence view has not yet seen the registration
        maximum, basis = history.limit_on(asked.on)
        headcount = sum(s.holds_on(asked.on) and scope in (None, s.employer_id) for s in history.stays)
        if scope is None:
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


def _histories(conn: Connection, ids: list[str], asked: Asked) -> dict[str, LocationHistory]:
    """Each location's stays and limits as believed at the instant, as `occupancy.location_history` reads one."""
    stays: defaultdict[str, list[Resident]] = defaultdict(list)
    limits: defaultdict[str, list[tuple[date, date | None, int | None]]] = defaultdict(list)
    facts: dict[str, Any] = {}
    h, o = residence_history.c, occupancy_limit_history.c
    # Each stay with the employer of the day asked (an employer's headcount counts its workers of that day).
    joined, employer = residence_with_employer(asked.on, asked.as_known_at)
    for chunk in in_chunks(ids):
        for row in conn.execute(
            select(h.housing_location_id, h.worker_id, h.valid_from, h.valid_to, employer.label("employer_id"))
            .select_from(joined)
            .where(h.housing_location_id.in_(chunk))
            .where(known_at(residence_history, asked.as_known_at))
        ):
            stays[row.housing_location_id].append(
                Resident(UUID(row.worker_id), row.valid_from, row.valid_to, UUID(row.employer_id))
            )
        for limit in conn.execute(
            select(o.housing_location_id, o.valid_from, o.valid_to, o.max_occupants)
            .where(o.housing_location_id.in_(chunk))
            .where(known_at(occupancy_limit_history, asked.as_known_at))
        ):
            limits[limit.housing_location_id].append((limit.valid_from, limit.valid_to, limit.max_occupants))
        for fact in conn.execute(select(location_facts).where(location_facts.c.housing_location_id.in_(chunk))):
            facts[fact.housing_location_id] = read_facts(fact)
    norms = asked.settings.floor_area_norms_m2
    return {
        location: LocationHistory(
            stays=tuple(stays[location]),
            limits=tuple(limits[location]),
            facts=facts[location],
            norms=norms_for_kind(norms, facts[location].kind),
        )
        for location in ids
        if location in facts and limits[location]  # known to the residence view at the instant
    }


def _limit_history(conn: Connection, ids: list[str], as_known_at: datetime) -> defaultdict[str, list[LimitSet]]:
    found: defaultdict[str, list[LimitSet]] = defaultdict(list)
    c = directory_location_limits.c
    for chunk in in_chunks(ids):
        for row in conn.execute(
            select(directory_location_limits)
            .where(c.housing_location_id.in_(chunk), c.recorded_at <= as_known_at)
            .order_by(c.housing_location_id, c.seq)
        ):
            found[row.housing_location_id].append(
                LimitSet(row.max_occupants, row.valid_from, row.recorded_at, row.reason)
            )
    return found


def _last_inspections(conn: Connection, ids: list[str], asked: Asked) -> dict[str, InspectionFacts]:
    """The latest inspection of each location on or before the day, as recorded by the instant."""
    found: dict[str, InspectionFacts] = {}
    c = directory_inspections.c
    for chunk in in_chunks(ids):
        for row in conn.execute(
            select(directory_inspections)
            .where(c.housing_location_id.in_(chunk), c.inspected_on <= asked.on, c.recorded_at <= asked.as_known_at)
            .order_by(c.inspected_on, c.recorded_at)  # the last one read is the latest
        ):
            found[row.housing_location_id] = InspectionFacts(
                UUID(row.inspection_id), row.inspected_on, row.occupants_found, row.outcome
            )
    return found
