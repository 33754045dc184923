"""Synthetic Medemblik data for demonstrations: what `ledger demo` appends.

`run_demo` sends the plan of `demo.plan` through the application
service, the only door into the ledger, so every record passes the domain's
rules, and answers a `DemoSummary` of counts. No personal data is ever printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID

from demo.plan import DemoPlan, PlannedInspection, PlannedWorker, plan_demo
from ledger.application.core import Receipt
from ledger.application.service import Ledger
from ledger.domain.employer import employer_id_for
from ledger.domain.housing_location import housing_location_id_for
from ledger.domain.population import BrpAddress
from ledger.errors import Conflict

_PAGE = 1000  # notifications read at a time when counting what was appended


@dataclass(frozen=True)
class DemoSummary:
    """What a demo run appended: counts and ids only, never personal data."""

    employers: int
    housing_locations: int
    already_registered: int
    workers: int
    events_appended: int
    moves: int
    work_address_changes: int
    contract_ends: int
    departures: int
    population_registrations: int
    occupancy_limit_changes: int
    inspections: int
    sanctions: int
    overfull_location_ids: tuple[UUID, ...]
    worker_ids: tuple[UUID, ...]
    elapsed_seconds: float

    @property
    def events_per_second(self) -> float:
        """Events appended per second of the run."""
        return self.events_appended / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0

    def render(self) -> str:
        """A short human summary, without any personal data."""
        return "\n".join(
            (
                f"demo: {self.workers} workers, {self.employers} employers, {self.housing_locations} housing locations"
                f" (of these employers and locations, {self.already_registered} were already registered)",
                f"follow-ups: housing moves {self.moves}, work address changes {self.work_address_changes},"
                f" contract ends {self.contract_ends}, departures {self.departures},"
                f" BRP/RNI registrations {self.population_registrations},"
                f" occupancy-limit changes {self.occupancy_limit_changes}",
                f"enforcement: inspections {self.inspections}, sanctions {self.sanctions},"
                f" locations made over-full {len(self.overfull_location_ids)}",
                f"appended {self.events_appended} events in {self.elapsed_seconds:.2f} s"
                f" ({self.events_per_second:.0f} events/s)",
            )
        )


def run_demo(
    ledger: Ledger, *, workers: int, seed: int, progress: Callable[[int, int], None] | None = None
) -> DemoSummary:
    """Append the data set of `seed` through the ledger, reusing employers and locations already registered.

    `progress(done, total)` is called after each step (a registration, a worker's follow-ups, a change, an
    inspection).
    """
    started = time.perf_counter()
    before = ledger.recorder.max_notification_id() or 0
    plan = plan_demo(workers=workers, seed=seed, today=ledger.today())
    steps = _Steps(
        len(plan.employers)
        + len(plan.locations)
        + 2 * len(plan.workers)
        + len(plan.limit_changes)
        + len(plan.inspections),
        progress,
    )
    reused = _register_places(ledger, plan, steps)
    locations = [housing_location_id_for(loc.bag_id) for loc in plan.locations]
    worker_ids = []
    for w in plan.workers:
        receipt = ledger.register_worker(
            employer_id=employer_id_for(plan.employers[w.employer].kvk_number),
            person=w.person,
            employment=w.employment,
            housing_location_id=locations[w.location],
            housing_valid_from=w.employment.start_date,
        )
        worker_ids.append(receipt.id)
        steps.done()
    for worker, worker_id in zip(plan.workers, worker_ids, strict=True):
        _follow_up(ledger, worker, worker_id, plan, locations)
        steps.done()
    for change in plan.limit_changes:
        ledger.change_occupancy_limit(
            locations[change.location],
            max_occupants=change.max_occupants,
            valid_from=change.valid_from,
            reason=change.reason,
        )
        steps.done()
    for inspection in plan.inspections:
        _inspect(ledger, inspection, locations, plan)
        steps.done()
    events = _events_after(ledger, before)
    overfull = [locations[i] for i in plan.overfull]
    return _summary(plan, worker_ids, overfull, reused=reused, events=events, started=started)


def _summary(
    plan: DemoPlan, worker_ids: list[UUID], overfull: list[UUID], *, reused: int, events: int, started: float
) -> DemoSummary:
    return DemoSummary(
        employers=len(plan.employers),
        housing_locations=len(plan.locations),
        already_registered=reused,
        workers=len(worker_ids),
        events_appended=events,
        moves=sum(w.moved is not None for w in plan.workers),
        work_address_changes=sum(w.work_moved is not None for w in plan.workers),
        contract_ends=sum(w.contract_end is not None for w in plan.workers),
        departures=sum(w.departed_on is not None for w in plan.workers),
        population_registrations=sum(w.registered is not None for w in plan.workers),
        occupancy_limit_changes=len(plan.limit_changes),
        inspections=len(plan.inspections),
        sanctions=sum(i.sanction is not None for i in plan.inspections),
        overfull_location_ids=tuple(overfull),
        worker_ids=tuple(worker_ids),
        elapsed_seconds=time.perf_counter() - started,
    )


class _Steps:
    """Counts the steps of a run and reports them to a progress callback, if there is one."""

    def __init__(self, total: int, progress: Callable[[int, int], None] | None) -> None:
        self.total = total
        self.count = 0
        self.progress = progress

    def done(self) -> None:
        self.count += 1
        if self.progress is not None:
            self.progress(self.count, self.total)


def _register_places(ledger: Ledger, plan: DemoPlan, steps: _Steps) -> int:
    """Register the employers and housing locations; return how many were already registered."""
    reused = 0
    for employer in plan.employers:
        reused += _exists(partial(ledger.register_employer, kvk_number=employer.kvk_number, name=employer.name))
        steps.done()
    for location in plan.locations:
        register = partial(
            ledger.register_housing_location,
            bag_id=location.bag_id,
            address=location.address,
            kind=location.kind,
            max_occupants=location.max_occupants,
            floor_area_m2=location.floor_area_m2,
            owner_kvk_number=location.owner_kvk_number,
        )
        reused += _exists(register)
        steps.done()
    return reused


def _events_after(ledger: Ledger, position: int) -> int:
    """How many events are stored after notification `position`.

    Not the difference of positions: those skip on PostgreSQL, where a registration refused as a
    `Conflict` has still used up its sequence number.
    """
    count = 0
    while page := ledger.recorder.select_notifications(start=position + 1, limit=_PAGE):
        count, position = count + len(page), page[-1].id
    return count


def _exists(register: partial[Receipt]) -> bool:
    """Register an employer or location; True when its KvK number or BAG id was already registered."""
    try:
        register()
    except Conflict:
        return True
    return False


def _follow_up(ledger: Ledger, worker: PlannedWorker, worker_id: UUID, plan: DemoPlan, locations: list[UUID]) -> None:
    if worker.moved is not None:
        location, valid_from = worker.moved
        where = None if location is None else locations[location]
        ledger.change_housing(worker_id, housing_location_id=where, valid_from=valid_from)
    if worker.work_moved is not None:
        employer, valid_from = worker.work_moved
        ledger.change_work_address(worker_id, work_address=plan.employers[employer].site, valid_from=valid_from)
    if worker.registered is not None:
        register, registered_on, bsn = worker.registered
        # A BRP registration holds the address the worker was housed at from the start (in Medemblik, 0420).
        first_home = plan.locations[worker.location].bag_id
        address = BrpAddress(first_home, "0420", worker.employment.start_date) if register == "BRP" else None
        ledger.record_population_registration(
            worker_id, register=register, registered_on=registered_on, bsn=bsn, address=address
        )
    if worker.contract_end is not None:
        end_date, reason = worker.contract_end
        ledger.end_contract(worker_id, end_date=end_date, reason=reason)
    if worker.departed_on is not None:
        ledger.record_departure(worker_id, departed_on=worker.departed_on)


def _inspect(ledger: Ledger, planned: PlannedInspection, locations: list[UUID], plan: DemoPlan) -> None:
    receipt = ledger.record_inspection(
        housing_location_id=locations[planned.location],
        inspected_on=planned.inspected_on,
        occupants_found=planned.occupants_found,
        findings=list(planned.findings),
        outcome=planned.outcome,
        notes=planned.notes,
    )
    if planned.sanction is not None:
        kind, amount, deadline = planned.sanction
        ledger.impose_sanction(receipt.id, kind=kind, amount_eur=amount, deadline=deadline, **_addressee(plan, planned))


def _addressee(plan: DemoPlan, planned: PlannedInspection) -> dict[str, Any]:
    """Whom a sanction names: the owner by its KvK number, else the employer of a worker housed there."""
    owner = plan.locations[planned.location].owner_kvk_number
    if owner is not None:
        return {"against": "owner", "owner_kvk_number": owner}
    employer = next((w.employer for w in plan.workers if w.location == planned.location), 0)
    return {"against": "employer", "employer_id": employer_id_for(plan.employers[employer].kvk_number)}
