"""Occupancy queries: who lives at a housing location on D as known at T, and is it over-full.

Reads the bitemporal rows of the residence projection (`projections.residence`):
residents on D, the permitted maximum on D, both as believed at T, and — when
the headcount exceeds the maximum — since when it has done so without a break.
An over-full location was never refused by the ledger; this is where it shows.
Both queries can be narrowed to one employer's workers (an employer sees only
its own people, the ones it employs now); the headcount and the maximum stay
the location's.

The permitted maximum on D is the municipality's limit on D, else floor(floor
area / the floor-area norm of the location's kind in force on D), else unknown
(None) — and an unknown maximum is never "over"
(`ledger.domain.housing_location.permitted_maximum`). The norms are a setting
(per kind, by date), so callers pass them; an employer's proposed number is
reported beside the maximum, never as it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, select

from ledger.domain.floor_area_norms import FloorAreaNorms, floor_area_norm_on, norms_for_kind
from ledger.domain.housing_location import LimitBasis, permitted_maximum
from ledger.persistence.database import reading
from projections.bitemporal import known_at, valid_during
from projections.employment import employers_now
from projections.residence import BEGINNING, location_facts, occupancy_limit_history, residence_history


@dataclass(frozen=True)
class Resident:
    """A worker living at the location, over (part of) the asked period."""

    worker_id: UUID
    valid_from: date
    valid_to: date | None
    employer_id: UUID  # the registering employer (`projections.employment` for the employer of a day, or now)

    def holds_on(self, day: date) -> bool:
        """Whether the worker lives there on `day`."""
        return _holds(self.valid_from, self.valid_to, day)


@dataclass(frozen=True)
class Occupancy:
    """A housing location on a date, as known at an instant."""

    housing_location_id: UUID
    on: date
    as_known_at: datetime
    headcount: int
    max_occupants: int | None  # None: not assessed (no municipal limit, no floor area)
    limit_basis: LimitBasis | None
    proposed_max_occupants: int | None  # an employer's number at registration, never counted
    over_capacity: bool | None  # None when the maximum is unknown
    over_capacity_since: date | None
    occupants: tuple[Resident, ...]


@dataclass(frozen=True)
class LocationFacts:
    """What a location's registration said that the limit in force depends on or shows beside."""

    kind: str  # its floor-area norm is this kind's
    floor_area_m2: int | None
    proposed_max_occupants: int | None
    registered_at: datetime


@dataclass(frozen=True)
class LocationHistory:
    """Everything believed at one instant about who lived at a location, and its limits."""

    stays: tuple[Resident, ...]
    limits: tuple[tuple[date, date | None, int | None], ...]  # the municipality's (None: none set)
    facts: LocationFacts
    norms: Mapping[date, float]  # its kind's minimum floor area a person, by the date each applies from

    def headcount_on(self, day: date) -> int:
        """How many lived there on `day`."""
        return sum(stay.holds_on(day) for stay in self.stays)

    def limit_on(self, day: date) -> tuple[int | None, LimitBasis | None]:
        """The permitted maximum on `day` and where it comes from (None, None: not assessed)."""
        municipal = next((maximum for start, end, maximum in self.limits if _holds(start, end, day)), None)
        return permitted_maximum(municipal, self.facts.floor_area_m2, floor_area_norm_on(self.norms, day))

    def max_occupants_on(self, day: date) -> int | None:
        """The permitted maximum on `day` (None: not assessed)."""
        return self.limit_on(day)[0]

    def since(self, on: date, condition: Callable[[date, int, int | None], bool]) -> date | None:
        """The first day of the unbroken run, up to `on`, on which `condition(day, headcount, maximum)` holds."""
        first = None
        for segment in self.segments():
            if segment.start > on:
                break
            holds = condition(segment.start, segment.headcount, segment.maximum)
            first = (first or segment.start) if holds else None
        return first

    def segments(self) -> list[Segment]:
        """Every day from the beginning of time on, in runs between two changes, each with what holds on it.

        Headcount and maximum only change where a stay or a limit begins or
        ends, or another norm applies: between two such days nothing changes.
        The stays are counted in one sweep over their ends, not day by day.
        """
        changes: dict[date, int] = {BEGINNING: 0}  # day -> change of the headcount
        for stay in self.stays:
            changes[stay.valid_from] = changes.get(stay.valid_from, 0) + 1
            if stay.valid_to is not None:
                changes[stay.valid_to] = changes.get(stay.valid_to, 0) - 1
        for start, end, _ in self.limits:
            changes.setdefault(start, 0)
            if end is not None:
                changes.setdefault(end, 0)
        for start in self.norms:
            if start > BEGINNING:
                changes.setdefault(start, 0)
        days = sorted(changes)
        limits = sorted(self.limits, key=lambda limit: limit[0])  # a timeline: one holds at a time, or none
        norms = sorted(self.norms)
        found, headcount, held, norm_from = [], 0, 0, -1
        for day, end in zip(days, [*days[1:], None], strict=True):
            headcount += changes[day]
            while held < len(limits) and (until := limits[held][1]) is not None and until <= day:
                held += 1  # the limits that ended by `day` (`limit_on`, in one pass)
            municipal = limits[held][2] if held < len(limits) and limits[held][0] <= day else None
            while norm_from + 1 < len(norms) and norms[norm_from + 1] <= day:
                norm_from += 1  # the norm of the latest date on or before `day` (`floor_area_norm_on`)
            norm = self.norms[norms[norm_from]] if norm_from >= 0 else None
            maximum, basis = _permitted(municipal, self.facts.floor_area_m2, norm)
            found.append(Segment(day, end, headcount, maximum, basis, norm))
        return found


# The same few (limit, floor area, norm) come again and again (exact arithmetic on fractions: not free).
_permitted = functools.lru_cache(maxsize=4096)(permitted_maximum)


@dataclass(frozen=True)
class Segment:
    """The days [start, end) (end None: from start on) between two changes at a location, and what holds on them."""

    start: date
    end: date | None
    headcount: int
    maximum: int | None  # the permitted maximum (None: not assessed)
    basis: LimitBasis | None
    norm: float | None  # the floor-area norm of the location's kind (None: the kind has none)


# A stay, as the queries read it from a residence row.
_STAY_COLUMNS = (
    residence_history.c.worker_id,
    residence_history.c.valid_from,
    residence_history.c.valid_to,
    residence_history.c.employer_id,
)


def location_history(
    conn: Connection,
    location_id: UUID,
    as_known_at: datetime,
    norms: FloorAreaNorms,
    facts: LocationFacts | None = None,
) -> LocationHistory | None:
    """A location's stays and limits as believed at `as_known_at`; None if not registered then.

    `norms` are every kind's; the history keeps its location's kind's. `facts`
    are read unless given (the alerts read every location's at once).
    """
    location = location_id.hex
    limit_rows = conn.execute(
        select(
            occupancy_limit_history.c.valid_from,
            occupancy_limit_history.c.valid_to,
            occupancy_limit_history.c.max_occupants,
        )
        .where(occupancy_limit_history.c.housing_location_id == location)
        .where(known_at(occupancy_limit_history, as_known_at))
    ).all()
    if not limit_rows:
        return None
    if facts is None:
        facts = _facts(conn, location)
    stay_rows = conn.execute(
        select(*_STAY_COLUMNS)
        .where(residence_history.c.housing_location_id == location)
        .where(known_at(residence_history, as_known_at))
    ).all()
    return LocationHistory(
        stays=tuple(_resident(r) for r in stay_rows),
        limits=tuple((r.valid_from, r.valid_to, r.max_occupants) for r in limit_rows),
        facts=facts,
        norms=norms_for_kind(norms, facts.kind),
    )


def over_capacity(_day: date, headcount: int, maximum: int | None) -> bool:
    """More occupants than permitted (never, while the maximum is unknown)."""
    return maximum is not None and headcount > maximum


def not_assessed(_day: date, _headcount: int, maximum: int | None) -> bool:
    """No permitted maximum: the municipality set none, and there is no floor area to derive one from."""
    return maximum is None


def occupancy(
    engine: Engine,
    location_id: UUID,
    *,
    on: date,
    as_known_at: datetime,
    norms: FloorAreaNorms,
    employer_id: UUID | None = None,
) -> Occupancy | None:
    """The occupancy of a location; None when the location was not registered as of `as_known_at`.

    `norms` are the floor-area norms (m² a person per kind of location, by the
    date each applies from: `Settings.floor_area_norms_m2`). With `employer_id`, only the
    workers that employer employs now are listed as occupants (a former
    employer sees none after a transfer); the headcount, the maximum and the
    over-capacity stay the location's, since whether a house is full does not
    depend on whose workers fill it.
    """
    with reading(engine) as conn:
        history = location_history(conn, location_id, as_known_at, norms)
        living = [s for s in history.stays if s.holds_on(on)] if history is not None else []
        visible = _of_employer(conn, living, employer_id)
    if history is None:
        return None
    maximum, basis = history.limit_on(on)
    return Occupancy(
        housing_location_id=location_id,
        on=on,
        as_known_at=as_known_at,
        headcount=len(living),
        max_occupants=maximum,
        limit_basis=basis,
        proposed_max_occupants=history.facts.proposed_max_occupants,
        over_capacity=None if maximum is None else len(living) > maximum,
        over_capacity_since=history.since(on, over_capacity),
        occupants=tuple(sorted(visible, key=_by_since)),
    )


def residents(
    engine: Engine,
    location_id: UUID,
    *,
    first: date,
    last: date,
    as_known_at: datetime,
    employer_id: UUID | None = None,
) -> list[Resident] | None:
    """Everyone (employed now by `employer_id`, if given) who lived at the location on any day in [first, last].

    As known at `as_known_at`.

    None when the location was not registered as of `as_known_at` (as for `occupancy`).
    """
    statement = (
        select(*_STAY_COLUMNS)
        .where(residence_history.c.housing_location_id == location_id.hex)
        .where(valid_during(residence_history, first, last))
        .where(known_at(residence_history, as_known_at))
    )
    with reading(engine) as conn:
        if not _registered(conn, location_id, as_known_at):
            return None
        stays = _of_employer(conn, [_resident(r) for r in conn.execute(statement)], employer_id)
    return sorted(stays, key=_by_since)


def _of_employer(conn: Connection, stays: list[Resident], employer_id: UUID | None) -> list[Resident]:
    """The stays of the workers `employer_id` employs now (all, without one): a former employer sees none."""
    if employer_id is None:
        return stays
    now = employers_now(conn, {stay.worker_id.hex for stay in stays})
    return [stay for stay in stays if now.get(stay.worker_id.hex) == employer_id.hex]


def _registered(conn: Connection, location_id: UUID, as_known_at: datetime) -> bool:
    # Registration records the first occupancy limit, so a location has one from the moment it is known.
    limits = occupancy_limit_history.c
    statement = (
        select(limits.row_id)
        .where(limits.housing_location_id == location_id.hex)
        .where(known_at(occupancy_limit_history, as_known_at))
        .limit(1)
    )
    return conn.execute(statement).first() is not None


def read_facts(row: Any) -> LocationFacts:
    """The facts of a `location_facts` row."""
    return LocationFacts(row.kind, row.floor_area_m2, row.proposed_max_occupants, row.registered_at)


_FACT_COLUMNS = (
    location_facts.c.kind,
    location_facts.c.floor_area_m2,
    location_facts.c.proposed_max_occupants,
    location_facts.c.registered_at,
)


def _facts(conn: Connection, location: str) -> LocationFacts:
    # Written with the location's first limit row, in the same page: one exists where the other does.
    row = conn.execute(select(*_FACT_COLUMNS).where(location_facts.c.housing_location_id == location)).one()
    return read_facts(row)


def _resident(row: Any) -> Resident:
    return Resident(UUID(row.worker_id), row.valid_from, row.valid_to, UUID(row.employer_id))


def _holds(valid_from: date, valid_to: date | None, day: date) -> bool:
    return valid_from <= day and (valid_to is None or day < valid_to)


def _by_since(resident: Resident) -> tuple[date, str]:
    return (resident.valid_from, resident.worker_id.hex)
