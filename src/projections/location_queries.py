"""Housing locations read back (issue 18): a list filtered by address, kind, over-capacity and employer; one location.

A location as registered (the directory view), its limits as the
municipality set them (the history: when each holds from, when it was
recorded, why), and on the day `on` as known at `as_known_at`: the permitted
maximum in force, the headcount, what follows from the two
(`ledger.domain.capacity`: free places never negative, `over_by`, utilisation;
all None with the limit unknown), the alerts about the location that day and
its last inspection by then. The page is one query; what its answers show is
read for the whole page at once (`projections.location_records`): a page
costs a few queries whatever its size.

An employer (`employer_id`) sees the locations that house its workers on the
day, or that it proposed; at a location, the count of its own workers only.
What depends on everyone's (over-capacity, free places, utilisation, the
location's alerts) and the inspections are not shown to it (None, empty).

The list's `employer_id` filter is the locations housing that employer's
workers on the day as known at the instant, under the employer of the day
(`projections.employment.homes_by_employer`, the scope's rule too): how a
client pages an employer's homes, which the employers' list no longer
carries (`projections.employer_queries`). For an employer the filter meets
its scope: its own id gives the locations housing its workers (not those it
merely proposed), another employer's nothing.

`over_capacity` is a figure of the day, worked out from a setting (the
floor-area norms): no column can hold it, so the list's query tests it per
location in SQL and stops at the page's end — in the alerts view when it can
answer (`projections.location_open_alerts`), else over the residence view's
rows (`projections.capacity_filter`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, Select, or_, select

from ledger.persistence.database import reading
from projections.capacity_filter import over_capacity_is
from projections.directory import compact_postcode, directory_locations, folded
from projections.employment import homes_by_employer
from projections.location_open_alerts import over_capacity_in_view, view_ready
from projections.location_records import (
    FACT_COLUMNS,
    Asked,
    InspectionFacts,
    LimitSet,
    LocationRecord,
    read_records,
)
from projections.residence import location_facts

# The answers' types live with the code that reads them; the API imports them from here.
__all__ = ["Asked", "InspectionFacts", "LimitSet", "LocationFilter", "LocationRecord", "location", "locations"]


@dataclass(frozen=True)
class LocationFilter:
    """What a list of locations is narrowed to; None: not filtered on it."""

    postcode: str | None = None  # any case, with or without the space
    house_number: int | None = None
    street: str | None = None  # a part of it, case and marks folded
    city: str | None = None  # likewise
    kind: str | None = None
    over_capacity: bool | None = None
    employer_id: UUID | None = None  # housing its workers on the day (the employer of the day)


def locations(
    engine: Engine, asked: Asked, found: LocationFilter, *, limit: int = 100, after: UUID | None = None
) -> list[LocationRecord]:
    """A page of locations in id order after `after`, registered by `asked.as_known_at`, matching `found`."""
    if found.over_capacity is not None and asked.employer_id is not None:
        return []  # an employer is not shown whether a location is over capacity: none matches either way
    if None not in (asked.employer_id, found.employer_id) and asked.employer_id != found.employer_id:
        return []  # an employer is not shown where another's workers live, not even where its own live too
    with reading(engine) as conn:
        ready = _view_ready(conn, asked)
        statement = _filtered(asked, found, alerts_view=ready)
        if after is not None:
            statement = statement.where(directory_locations.c.housing_location_id > after.hex)
        return read_records(conn, conn.execute(statement.limit(limit)).all(), asked, ready=ready)


def location(engine: Engine, location_id: UUID, asked: Asked) -> LocationRecord | None:
    """One location, or None if it was not registered as of `asked.as_known_at` (or is outside the employer's)."""
    statement = _filtered(asked, LocationFilter()).where(directory_locations.c.housing_location_id == location_id.hex)
    with reading(engine) as conn:
        found = read_records(conn, conn.execute(statement).all(), asked, ready=_view_ready(conn, asked))
    return found[0] if found else None


def _view_ready(conn: Connection, asked: Asked) -> bool:
    """Whether the alerts view answers this read (an employer's reads no alerts: never asked)."""
    return asked.employer_id is None and view_ready(conn, asked.settings)


def _filtered(asked: Asked, found: LocationFilter, *, alerts_view: bool = False) -> Select[Any]:
    d = directory_locations.c
    statement = (
        select(directory_locations, *FACT_COLUMNS)
        .select_from(
            directory_locations.outerjoin(location_facts, location_facts.c.housing_location_id == d.housing_location_id)
        )
        .where(d.registered_at <= asked.as_known_at)
    )
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
    if found.over_capacity is not None and alerts_view:
        statement = statement.where(over_capacity_in_view(found.over_capacity, asked.on, asked.as_known_at))
    elif found.over_capacity is not None:
        norms = asked.settings.floor_area_norms_m2
        statement = statement.where(over_capacity_is(found.over_capacity, asked.on, asked.as_known_at, norms))
    if found.employer_id is not None:
        statement = statement.where(d.housing_location_id.in_(_housing_workers_of(found.employer_id, asked)))
    if asked.employer_id is not None and found.employer_id is None:  # with its own id, the filter is narrower
        statement = statement.where(
            or_(
                d.housing_location_id.in_(_housing_workers_of(asked.employer_id, asked)),
                d.proposed_by == asked.employer_id.hex,
            )
        )
    return statement.order_by(d.housing_location_id)


def _housing_workers_of(employer_id: UUID, asked: Asked) -> Select[Any]:
    """The locations housing the employer's workers on the day as known at the instant (the employer of the day)."""
    pairs = homes_by_employer([employer_id.hex], asked.on, asked.as_known_at).subquery()
    return select(pairs.c.housing_location_id)
