"""Over capacity as a condition in SQL: the list of locations filtered by `overCapacity` in one query.

A location is over capacity on D as known at T when its headcount exceeds its
permitted maximum, both as believed at T (docs/occupancy.md). Neither can be
a column — they depend on the day, the instant and a setting (the floor-area
norms) — but both are a few index lookups per location in the residence view's
bitemporal rows, so the database can test each location of the list in id
order and stop at the page's end, instead of the application reading the
candidates chunk by chunk and folding each:

- the headcount is the number of `residence_history` rows at the location
  valid on D and believed at T (a worker lives at one place at a time);
- the permitted maximum is the municipality's limit valid on D as believed at
  T, else floor(floor area / the norm of the location's kind in force on D),
  else unknown (`ledger.domain.housing_location.permitted_maximum`). The norm
  of each kind on D is looked up here, once per query, and written into the
  query as the fraction p/q it is, so floor(area * q / p) is integer arithmetic
  in the database and exact, as the domain's `Fraction` is;
- a location whose maximum is unknown is neither over capacity nor not (as in
  its answer, where `overCapacity` is null), and one the residence view did not
  yet know at T has no maximum.

`projections.location_records` works the same figures out in memory for the
answers; the property test of the lists holds the two to each other.
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, FromClause, case, cast, func, null, select

from ledger.domain.floor_area_norms import FloorAreaNorms, floor_area_norm_on
from projections.bitemporal import known_at, valid_on
from projections.directory import directory_locations
from projections.residence import location_facts, occupancy_limit_history, residence_history


def over_capacity_is(over: bool, on: date, as_known_at: datetime, norms: FloorAreaNorms) -> ColumnElement[bool]:
    """Whether a `directory_locations` row is over capacity (`over`) or not; false while its maximum is unknown.

    Every part is a subquery correlated to the row, none a join: PostgreSQL
    then walks the list in id order and stops at the page's end (a semi-join
    made it test every location and sort them), and SQLite does so anyway.
    """
    location = directory_locations.c.housing_location_id
    # The list's query joins the facts too: the subquery reads its own.
    h, o, f = residence_history, occupancy_limit_history, location_facts.alias("facts_of_location")
    headcount = (
        select(func.count())
        .select_from(h)
        .where(h.c.housing_location_id == location, valid_on(h, on), known_at(h, as_known_at))
        .scalar_subquery()
    )
    municipal = (
        select(o.c.max_occupants)
        .where(o.c.housing_location_id == location, valid_on(o, on), known_at(o, as_known_at))
        .limit(1)
        .scalar_subquery()
    )
    from_floor_area = (
        select(floor_area_maximum(f, on, norms)).where(f.c.housing_location_id == location).scalar_subquery()
    )
    # Registration records the first limit row: a location has one from the moment the view knows it.
    # (A scalar subquery, not EXISTS: PostgreSQL would hash every location's limits first to test a page's.)
    known = (
        select(o.c.row_id)
        .where(o.c.housing_location_id == location, known_at(o, as_known_at))
        .limit(1)
        .scalar_subquery()
        .is_not(None)
    )
    maximum = case((known, func.coalesce(municipal, from_floor_area)), else_=null())
    # Compared with an unknown maximum (null), neither holds.
    return headcount > maximum if over else headcount <= maximum


def floor_area_maximum(facts: FromClause, on: date, norms: FloorAreaNorms) -> ColumnElement[Any]:
    """floor(floor area / the norm of the location's kind on `on`) of a `location_facts` row; null without a norm."""
    area = cast(facts.c.floor_area_m2, BigInteger)
    whens = []
    for kind, dated in sorted(norms.items()):
        norm = floor_area_norm_on(dated, on)
        if norm is None or norm <= 0:
            continue  # no norm, no limit from the floor area (as `permitted_maximum`)
        # As the domain reads it: the norm as written, an exact fraction (7.5 m² is 15/2).
        exact = Fraction(str(norm))
        whens.append((facts.c.kind == kind, area * exact.denominator // exact.numerator))
    if not whens:
        return null()
    return case(*whens, else_=null())
