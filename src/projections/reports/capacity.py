"""The capacity report: every housing location on a day — its permitted maximum, headcount, free places, use.

One row per location registered as known at `as_known_at`, with the
permitted maximum in force on `on` (the municipality's limit, else the floor
area at its kind's norm of that day, else unknown: docs/occupancy.md), the
workers living there that day, and what follows from the two
(`ledger.domain.capacity`: free places never negative, `overBy`,
utilisation; all unknown while the maximum is). The locations over capacity
come first, the most over-full first; then the others by key.

Totals: one per group (`postcodeArea` or `kind`) and one of all locations.
A total's `maxOccupants`, `freePlaces` and `overBy` add up the locations
whose maximum is known; its `headcount` every location's; its `utilisation`
is the headcount of the locations with a known maximum over the sum of those
maxima (`None` when there is none).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Engine, func, select

from ledger.domain.capacity import Capacity, capacity
from ledger.domain.floor_area_norms import FloorAreaNorms, floor_area_norm_on, norms_for_kind
from ledger.domain.housing_location import permitted_maximum
from ledger.persistence.database import reading
from projections.bitemporal import known_at, valid_on
from projections.reports.table import TOTAL, Measure, ReportGroup, ReportRow, ReportTable
from projections.residence_tables import location_facts, occupancy_limit_history, residence_history

MEASURES = ("maxOccupants", "headcount", "freePlaces", "overBy", "utilisation")


class CapacityGroup(StrEnum):
    """What the capacity report's totals are grouped by (the API's `groupBy`); the rows are locations."""

    POSTCODE_AREA = ReportGroup.POSTCODE_AREA.value
    KIND = ReportGroup.KIND.value


@dataclass(frozen=True)
class _Location:
    key: str
    group: str
    maximum: int | None
    headcount: int
    capacity: Capacity


def capacity_report(
    engine: Engine, *, on: date, as_known_at: datetime, norms: FloorAreaNorms, group_by: CapacityGroup | None
) -> ReportTable:
    """Every location's capacity on `on` as known at `as_known_at`, over-full first, with totals per group."""
    f, h, o = location_facts.c, residence_history.c, occupancy_limit_history.c
    with reading(engine) as conn:
        facts = conn.execute(
            select(f.housing_location_id, f.postcode_area, f.kind, f.floor_area_m2).where(
                f.registered_at <= as_known_at
            )
        ).all()
        counted: dict[str, int] = {
            location: int(n)
            for location, n in conn.execute(
                select(h.housing_location_id, func.count())
                .where(valid_on(residence_history, on), known_at(residence_history, as_known_at))
                .group_by(h.housing_location_id)
            )
        }
        # The municipality's limit of the day (null where it set none: the floor area decides).
        limits: dict[str, int | None] = {
            location: maximum
            for location, maximum in conn.execute(
                select(o.housing_location_id, o.max_occupants).where(
                    valid_on(occupancy_limit_history, on), known_at(occupancy_limit_history, as_known_at)
                )
            )
        }
    # The norm of each kind on `on`, worked out once per kind rather than once per location.
    norm_of = {kind: floor_area_norm_on(norms_for_kind(norms, kind), on) for kind in {row.kind for row in facts}}
    located = []
    for key, postcode_area, kind, floor_area in facts:
        maximum, _ = permitted_maximum(limits.get(key), floor_area, norm_of[kind])
        headcount = counted.get(key, 0)
        group = kind if group_by is CapacityGroup.KIND else postcode_area
        located.append(_Location(key, group, maximum, headcount, capacity(headcount, maximum)))
    located.sort(key=lambda loc: (-(loc.capacity.over_by or 0), loc.key))
    rows = [ReportRow(on, on, loc.key, None, _one(loc)) for loc in located]
    totals = []
    if group_by is not None:
        groups: defaultdict[str, list[_Location]] = defaultdict(list)
        for loc in located:
            groups[loc.group].append(loc)
        totals = [ReportRow(on, on, key, None, _measures(groups[key])) for key in sorted(groups)]
    totals.append(ReportRow(on, on, None, TOTAL, _measures(located)))
    group = ReportGroup(group_by.value) if group_by is not None else None
    return ReportTable("capacity", MEASURES, tuple(rows), tuple(totals), ("headcount",), group)


def _one(location: _Location) -> Mapping[str, Measure]:
    """The measures of one location: its capacity, worked out once (a table has a row per location)."""
    c = location.capacity
    return {
        "maxOccupants": location.maximum,
        "headcount": location.headcount,
        "freePlaces": c.free_places,
        "overBy": c.over_by,
        "utilisation": c.utilisation,
    }


def _measures(locations: Iterable[_Location]) -> Mapping[str, Measure]:
    """The totals of several locations."""
    every = list(locations)
    known = [loc for loc in every if loc.maximum is not None]
    headcount = sum(loc.headcount for loc in every)
    if not known:
        return {"maxOccupants": None, "headcount": headcount, "freePlaces": None, "overBy": None, "utilisation": None}
    each = [loc.capacity for loc in known]
    maximum = sum(loc.maximum or 0 for loc in known)
    housed = sum(loc.headcount for loc in known)
    return {
        "maxOccupants": maximum,
        "headcount": headcount,
        "freePlaces": sum(c.free_places or 0 for c in each),
        "overBy": sum(c.over_by or 0 for c in each),
        "utilisation": round(housed / maximum, 4) if maximum > 0 else None,
    }
