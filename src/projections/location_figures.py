"""Every location's capacity at once, summed and ranked in SQL: the overview's location figures (issue 19).

The overview shows, for a day D as known at an instant T, how many locations
there are, how many are over capacity, the permitted places and the places
taken at the locations whose maximum is known, and the ten locations that
need attention first. Each is what the list of locations (`GET
/housing-locations`, `projections.location_queries`) answers when read to
its end — but reading every location's record folds every stay of the
register in Python, and the overview only needs two numbers a location. Here
the database works them out for every location in one statement and sums
them (`location_totals`), or ranks them and hands back the first few
(`locations_in_need`), as `projections.capacity_filter` tests one location:

- the headcount is the number of `residence_history` rows at the location
  valid on D and believed at T (a worker lives at one place at a time),
  counted once for every location by one grouped scan;
- the permitted maximum is the municipality's limit valid on D as believed at
  T, else floor(floor area / its kind's norm on D)
  (`capacity_filter.floor_area_maximum`), else unknown; a location the
  residence view did not know at T (no limit row believed then) has none.

The ranking is `web.figures`' (over capacity first, most too many first, then
the fullest, then the address). The address line and the four-decimal
utilisation are Python's (`projections.labels`, `ledger.domain.capacity`), so
the database hands back every location that could rank among the first — all
those above the last one it ranks first, and those within 0.0001 of its
utilisation — and Python ranks those exactly as before.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Float, FromClause, Select, case, cast, func, null, or_, select, true

from ledger.domain.capacity import Capacity, capacity
from ledger.domain.floor_area_norms import FloorAreaNorms
from projections.bitemporal import known_at, valid_during, valid_on
from projections.capacity_filter import floor_area_maximum
from projections.directory import directory_locations
from projections.ids import uuid_of
from projections.labels import address_line
from projections.residence import location_facts, occupancy_limit_history, residence_history

# A utilisation rounds up to 1.0 (full) from 0.99995: the database's superset of the full and over-full.
_FULL_FROM = (99_995, 100_000)
# Two utilisations four-decimal rounding makes equal are less than this apart.
_ROUNDING = 0.0001


@dataclass(frozen=True)
class LocationTotals:
    """Locations registered by the instant, those over capacity, and the places at those whose maximum is known."""

    locations: int
    over_capacity: int
    places_permitted: int
    places_taken: int


@dataclass(frozen=True)
class LocationInNeed:
    """A location that is full or over capacity on the day: its address, headcount, maximum and what follows."""

    id: UUID
    label: str
    headcount: int
    max_occupants: int
    capacity: Capacity


def location_figures(
    conn: Connection, on: date, as_known_at: datetime, norms: FloorAreaNorms, count: int
) -> tuple[LocationTotals, list[LocationInNeed]]:
    """The totals over every location registered by `as_known_at`, on `on`, and the first `count` in need.

    One statement: each location's headcount and maximum are worked out once,
    summed over all (window aggregates, on every row) and ranked; the rows
    handed back are the first and those that could rank among the first
    `count` (the `count`-th's key, `nth_value`, within the rounding).
    """
    per = _per_location(on, as_known_at, norms).subquery()
    headcount, maximum = per.c.headcount, per.c.maximum
    assessed = maximum.is_not(None)
    # Each location's key once, on narrow rows (the addresses join the few rows handed back).
    keyed = select(
        per,
        case((headcount > maximum, headcount - maximum), else_=0).label("over_by"),
        case((maximum > 0, cast(headcount, Float) / maximum), else_=0.0).label("utilisation"),
        case((assessed, 0), else_=1).label("unassessed"),
    ).subquery()
    k = keyed.c
    if count <= 0:  # the totals alone: no ranking
        return LocationTotals(*(int(total) for total in conn.execute(_summed(keyed)).one())), []
    # The unassessed last: the full and over-full then come before every other location.
    rank = (k.unassessed, k.over_by.desc(), k.utilisation.desc())
    # A common table expression read several times: each database works it out once.
    ranked = select(keyed, func.row_number().over(order_by=rank).label("place")).cte("ranked")
    r = ranked.c
    last_over_by = select(r.over_by).where(r.place == count).scalar_subquery()
    last_use = select(r.utilisation).where(r.place == count).scalar_subquery()
    full = or_(r.headcount > r.maximum, (r.maximum > 0) & (r.headcount * _FULL_FROM[1] >= r.maximum * _FULL_FROM[0]))
    near = or_(
        last_over_by.is_(None),
        r.over_by > last_over_by,
        (r.over_by == last_over_by) & (r.utilisation >= last_use - _ROUNDING),
    )
    d = directory_locations.c
    address = (d.street, d.house_number, d.house_letter, d.house_number_addition, d.postcode, d.city)
    in_need = (
        select(r.housing_location_id, r.headcount, r.maximum, *address)
        .select_from(ranked.join(directory_locations, d.housing_location_id == r.housing_location_id))
        .where(r.maximum.is_not(None), full, near)
        .subquery()
    )
    # The totals' one row, with each location handed back beside it (none: the totals alone, the rest null).
    sums = _summed(ranked).subquery()
    rows = conn.execute(select(sums, in_need).select_from(sums.outerjoin(in_need, true()))).all()
    first = rows[0]
    totals = LocationTotals(
        int(first.all_locations), int(first.all_over), int(first.all_permitted), int(first.all_taken)
    )
    rows = [row for row in rows if row.housing_location_id is not None]
    found = [_in_need(row) for row in rows if row.maximum is not None]
    found = [row for row in found if row.capacity.over_capacity or (row.capacity.utilisation or 0) >= 1]
    return totals, sorted(found, key=attention_order)[: max(count, 0)]


def _summed(per: FromClause) -> Select[Any]:
    """The totals over rows of each location's `headcount` and `maximum`: one row."""
    c = per.c
    return select(
        func.count().label("all_locations"),
        func.coalesce(func.sum(case((c.headcount > c.maximum, 1), else_=0)), 0).label("all_over"),
        func.coalesce(func.sum(c.maximum), 0).label("all_permitted"),
        func.coalesce(func.sum(case((c.maximum.is_not(None), c.headcount), else_=0)), 0).label("all_taken"),
    ).select_from(per)


def housed_on(conn: Connection, days: Sequence[date], as_known_at: datetime) -> list[int]:
    """The workers housed on each of `days`, as known at `as_known_at`: one grouped scan of the stays for all of them.

    As `projections.headcounts` counts one day (and the headcounts report a
    period's first day): the residence rows valid on the day, believed at the
    instant — a worker lives at one place at a time. The stays are counted by
    their valid interval (some 1 200 intervals at 100 000 workers over a year)
    and the days covered are summed here: on SQLite 78 ms instead of 124 for a
    conditional count per day and stay (docs/web.md § Overzicht).
    """
    if not days:
        return []
    h = residence_history.c
    statement = (
        select(h.valid_from, h.valid_to, func.count().label("stays"))
        .where(known_at(residence_history, as_known_at), valid_during(residence_history, min(days), max(days)))
        .group_by(h.valid_from, h.valid_to)
    )
    return count_on_days(((row.valid_from, row.valid_to, row.stays) for row in conn.execute(statement)), days)


def count_on_days(spans: Iterable[tuple[date, date | None, int]], days: Sequence[date]) -> list[int]:
    """For each of `days`, the sum of the counts of the spans [from, to) holding it (to None: open-ended)."""
    ordered = sorted(range(len(days)), key=lambda i: days[i])
    sorted_days = [days[i] for i in ordered]
    # Each span holds a run of the sorted days: added where the run starts, taken off after it ends.
    steps = [0] * (len(days) + 1)
    for first, end, count in spans:
        steps[bisect_left(sorted_days, first)] += count
        steps[len(days) if end is None else bisect_left(sorted_days, end)] -= count
    counts = [0] * len(days)
    running = 0
    for place, index in enumerate(ordered):
        running += steps[place]
        counts[index] = running
    return counts


def attention_order(row: LocationInNeed) -> tuple[int, float, str, str]:
    """Over-full first (most too many first), then the fullest; ties by address, then in the list's (id) order."""
    return (-(row.capacity.over_by or 0), -(row.capacity.utilisation or 0.0), row.label, row.id.hex)


def _in_need(row: Any) -> LocationInNeed:
    label = address_line(
        row.street, row.house_number, row.house_letter, row.house_number_addition, row.postcode, row.city
    )
    return LocationInNeed(
        uuid_of(row.housing_location_id), label, row.headcount, row.maximum, capacity(row.headcount, row.maximum)
    )


def _per_location(on: date, as_known_at: datetime, norms: FloorAreaNorms) -> Select[Any]:
    """Each location registered by the instant with its headcount and its permitted maximum (or null)."""
    d, h, o = directory_locations, residence_history, occupancy_limit_history
    housed = (
        select(h.c.housing_location_id, func.count().label("housed"))
        .where(valid_on(h, on), known_at(h, as_known_at))
        .group_by(h.c.housing_location_id)
        .subquery()
    )
    # A location's limits form a timeline: at most one is valid on the day (`capacity_filter` takes the first).
    limits = (
        select(
            o.c.housing_location_id,
            func.max(case((valid_on(o, on), o.c.max_occupants), else_=null())).label("municipal"),
        )
        .where(known_at(o, as_known_at))
        .group_by(o.c.housing_location_id)
        .subquery()
    )
    known = limits.c.housing_location_id.is_not(None)  # registration records the first limit row
    maximum = case((known, func.coalesce(limits.c.municipal, floor_area_maximum(location_facts, on, norms))))
    return (
        select(
            d.c.housing_location_id,
            func.coalesce(housed.c.housed, 0).label("headcount"),
            maximum.label("maximum"),
        )
        .select_from(
            d.outerjoin(location_facts, location_facts.c.housing_location_id == d.c.housing_location_id)
            .outerjoin(housed, housed.c.housing_location_id == d.c.housing_location_id)
            .outerjoin(limits, limits.c.housing_location_id == d.c.housing_location_id)
        )
        .where(d.c.registered_at <= as_known_at)
    )
