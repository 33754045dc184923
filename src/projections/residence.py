"""Residence history: who lived where, when — and as known when (bitemporal rows).

One row per (worker, housing location, valid interval) belief: `valid_from` /
`valid_to` (half-open, null = open) say when it was true in the world,
`recorded_from` / `recorded_to` (null = still believed) when the ledger
believed it. A back-dated change or a correction closes the superseded rows
(`recorded_to`) and inserts the new belief; nothing else is ever updated, so
every earlier answer can be given again. The worker's timeline is folded with
the domain's own `Timeline`, so the semantics are exactly those of the write
side (docs/time.md).

The same projection keeps who employed a transferred worker when
(`employment_history`, same technique; `projections.employment` reads it), the
occupancy-limit history (same technique: the
municipality's limit, null where it set none) and the few facts of workers and
locations that queries group by or need (floor area, an employer's proposed
maximum, when the location was registered); the occupancy, headcount and alert
queries read these tables. The limit in force — the municipality's, else one
from the floor area and the norm of that day — is worked out at query time,
since the norm is a setting, not an event.

A page of events is folded in memory (`ResidencePage`, in
`projections.residence_page`) and written with one statement per table and
kind of change; the tables are in `projections.residence_tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import Connection

from ledger.domain.housing_location import HousingLocation
from ledger.domain.timeline import Timeline
from ledger.domain.worker import Worker
from ledger.sealing import SubjectKeys
from projections.housing import fold_housing
from projections.projection import LedgerProjection, handles
from projections.residence_page import Belief, BeliefRows, EmploymentEntry, HousingEntry, LimitEntry, ResidencePage
from projections.residence_tables import (
    employment_entries,
    employment_history,
    location_facts,
    metadata,
    occupancy_limit_entries,
    occupancy_limit_history,
    residence_entries,
    residence_history,
    residence_workers,
)
from projections.storable import storable
from projections.view import View

# The page and the tables live in their own modules; they are named here too,
# where the other read models, the tests and the benchmarks import them from.
__all__ = [
    "BEGINNING",
    "Belief",
    "BeliefRows",
    "HousingEntry",
    "LimitEntry",
    "ResidencePage",
    "ResidenceProjection",
    "ResidenceView",
    "employment_entries",
    "employment_history",
    "location_facts",
    "metadata",
    "occupancy_limit_entries",
    "occupancy_limit_history",
    "residence_entries",
    "residence_history",
    "residence_workers",
]

# The first limit of a location holds from the beginning of (calendar) time.
BEGINNING = date(1, 1, 1)


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
        employment_entries,
        employment_history,
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
        employed: set[str] = set()  # transferred workers
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
            elif isinstance(event, Worker.EmployerChanged):
                employed.add(owner)
        page = ResidencePage(conn)
        page.load(
            workers=workers - created, places=places - created, limited=limited - created, employed=employed - created
        )
        return page

    def close_page(self, page: ResidencePage) -> None:
        page.write()

    @handles(HousingLocation.Registered)
    def location_registered(self, page: ResidencePage, event: HousingLocation.Registered, position: int) -> None:
        location = event.originator_id.hex
        page.areas[location] = storable(event.address.postcode[:4], location_facts.c.postcode_area)
        page.add(
            location_facts,
            {
                "housing_location_id": location,
                "postcode_area": page.areas[location],
                "kind": storable(event.kind, location_facts.c.kind),
                "floor_area_m2": event.floor_area_m2,
                "proposed_max_occupants": event.proposed_max_occupants,
                "registered_at": event.timestamp,
            },
        )
        # The municipality's limit, or None: an employer's proposal is never a limit row.
        entry = LimitEntry(event.originator_version, BEGINNING, event.max_occupants)
        self._record_limit(page, location, entry, event.timestamp)

    @handles(HousingLocation.OccupancyLimitChanged)
    def limit_changed(self, page: ResidencePage, event: HousingLocation.OccupancyLimitChanged, position: int) -> None:
        entry = LimitEntry(event.originator_version, event.valid_from, event.max_occupants)
        self._record_limit(page, event.originator_id.hex, entry, event.timestamp)

    @handles(Worker.Registered)
    def worker_registered(self, page: ResidencePage, event: Worker.Registered, position: int) -> None:
        worker = event.originator_id.hex
        nationality = storable(event.nationality, residence_workers.c.nationality)
        page.workers[worker] = {"employer_id": event.employer_id.hex, "nationality": nationality}
        page.add(residence_workers, {"worker_id": worker, **page.workers[worker]})
        if event.housing_valid_from is not None:
            self._record_housing(page, event, event.housing_valid_from, event.housing_location_id, position)

    @handles(Worker.EmployerChanged)
    def employer_changed(self, page: ResidencePage, event: Worker.EmployerChanged, position: int) -> None:
        worker = event.originator_id.hex
        entry = EmploymentEntry(event.originator_version, event.valid_from, event.employer_id.hex)
        page.employments[worker].append(entry)
        page.add(employment_entries, {"worker_id": worker, **entry._asdict()})
        # The domain's timeline: the registering employer from the beginning, then each transfer.
        timeline: Timeline[str] = Timeline()
        timeline.record(BEGINNING, page.workers[worker]["employer_id"], 0)
        for seq, start, employer in page.employments[worker]:
            timeline.record(start, employer, seq)
        new = {(i.value, i.valid_from, i.valid_to) for i in timeline.intervals()}

        def row(belief: Belief) -> dict[str, Any]:
            employer, start, end = belief
            return {"worker_id": worker, "employer_id": employer, "valid_from": start, "valid_to": end}

        page.employers.replace(worker, new, event.timestamp, row)

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
        timeline: Timeline[int | None] = Timeline()
        for seq, start, maximum in page.limits[location]:
            timeline.record(start, maximum, seq)
        new = {(i.value, i.valid_from, i.valid_to) for i in timeline.intervals()}

        def row(belief: Belief) -> dict[str, Any]:
            maximum, start, end = belief
            return {"housing_location_id": location, "max_occupants": maximum, "valid_from": start, "valid_to": end}

        page.limit_rows.replace(location, new, recorded, row)
