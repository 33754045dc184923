"""The lists' answers against a naive fold over the events (issue 18, "Speed": the lists made fast, not different).

Property: an employer's counts (its workers by their status on D, as the
register now believes) and the locations housing its workers (on D as known
at T, under the employer of the day: on the employer, and as the locations
filtered by it) equal what the aggregates folded from the events say; and the
housing locations filtered by `overCapacity` are exactly the unfiltered list's
records whose capacity says so, whatever the norms, the kinds, the limits and
the day and instant asked.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application.service import Ledger
from ledger.domain.erasure import ERASURE_REQUEST_POLICY
from ledger.domain.housing_location import MUNICIPALITY, Registrant
from ledger.domain.worker import Worker
from ledger.errors import Conflict, RuleViolated
from ledger.settings import Settings
from projections.employer_queries import employer as one_employer
from projections.employer_queries import employers
from projections.location_queries import Asked, LocationFilter, locations
from projections.registry import build_view_runners
from tests.factories import a_bag_id, a_kvk_number, a_world, an_address, register_worker
from tests.location_commands import apply_location_command

START, TODAY = date(2026, 4, 1), date(2026, 6, 15)  # the factories' employment start; the fixed clock's day
DAYS = st.integers(min_value=-30, max_value=(TODAY - START).days + 60).map(lambda n: START + timedelta(days=n))
# Transfers, contract ends and departures lie between the employment's start and today.
WORKING_DAYS = st.integers(min_value=0, max_value=(TODAY - START).days).map(lambda n: START + timedelta(days=n))

# Every example registers its places again (the ledger outlives the examples): each at an address of its own.
_HOUSE_NUMBERS = itertools.count(1)


def _fold(ledger: Ledger, aggregate_id: UUID, instant: datetime | None = None) -> Any:
    """The aggregate rebuilt from only the events recorded at or before `instant` (all of them without one)."""
    aggregate = None
    for event in ledger.events.get(aggregate_id):
        if instant is None or event.timestamp <= instant:  # type: ignore[attr-defined]
            aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


def _catch_up(ledger: Ledger) -> None:
    for runner in build_view_runners(ledger):
        runner.catch_up()


def _worker_commands(workers: int, employers: int, locations: int) -> st.SearchStrategy[tuple[Any, ...]]:
    where = st.one_of(st.none(), st.just("outside"), st.integers(0, locations - 1))
    return st.one_of(
        st.tuples(st.just("transfer"), st.integers(0, workers - 1), st.integers(0, employers - 1), WORKING_DAYS),
        st.tuples(st.just("move"), st.integers(0, workers - 1), where, DAYS),
        st.tuples(st.just("end"), st.integers(0, workers - 1), WORKING_DAYS),
        st.tuples(st.just("depart"), st.integers(0, workers - 1), WORKING_DAYS),
        st.tuples(st.just("shred"), st.integers(0, workers - 1)),
    )


def _apply(
    ledger: Ledger, command: tuple[Any, ...], workers: list[UUID], employers: list[UUID], locations: list[UUID]
) -> None:
    kind, worker = command[0], workers[command[1]]
    try:
        if kind == "transfer":
            ledger.transfer_worker(worker, employer_id=employers[command[2]], valid_from=command[3])
        elif kind == "move":
            where = command[2]
            outside = where == "outside"
            location = None if where is None or outside else locations[where]
            ledger.change_housing(
                worker, housing_location_id=location, valid_from=command[3], outside_municipality=outside
            )
        elif kind == "end":
            ledger.end_contract(worker, end_date=command[2])
        elif kind == "depart":
            ledger.record_departure(worker, departed_on=command[2])
        else:
            ledger.shred_subject(worker, policy=ERASURE_REQUEST_POLICY)
    except (Conflict, RuleViolated):
        pass  # a command the domain refuses (a shredded worker's, say) changes nothing, as in the API


def _active_on(worker: Worker, day: date) -> bool:
    """The register's status rule, on the folded worker: not shredded, not departed and unhoused, not ended."""
    if worker.shredded:
        return False
    if worker.departed_on is not None and worker.departed_on <= day and worker.housing_on(day) is None:
        return False
    return worker.contract_end is None or worker.contract_end > day


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_employers_counts_and_homes_equal_a_naive_fold_over_the_events(ledger: Ledger, data: st.DataObject) -> None:
    world = a_world(ledger)
    employer_ids = [
        world.employer_id,
        *(ledger.register_employer(kvk_number=a_kvk_number(), name="Uitzendbureau B.V.").id for _ in range(2)),
    ]
    locations_ = [world.location_id, world.other_location_id]
    workers = [register_worker(ledger, world) for _ in range(4)]
    instants = [datetime.now(UTC)]
    commands = _worker_commands(len(workers), len(employer_ids), len(locations_))
    for command in data.draw(st.lists(commands, max_size=12)):
        _apply(ledger, command, workers, employer_ids, locations_)
        instants.append(datetime.now(UTC))
    _catch_up(ledger)
    engine = ledger.database.engine
    now: dict[UUID, Worker] = {w: _fold(ledger, w) for w in workers}

    for _ in range(4):
        instant, day = data.draw(st.sampled_from(instants)), data.draw(DAYS)
        then: dict[UUID, Worker] = {w: _fold(ledger, w, instant) for w in workers}
        for record in employers(engine, on=day, as_known_at=instant, limit=1000):
            if record.id not in employer_ids:
                continue  # an employer of an earlier example
            own = [w for w in now.values() if w.employer_id == record.id]
            assert (record.active_workers, record.total_workers) == (sum(_active_on(w, day) for w in own), len(own))
            homes = sorted(
                {
                    w.housing_on(day)
                    for w in then.values()
                    if w is not None and w.housing_on(day) is not None and w.employer_on(day) == record.id
                },
                key=lambda u: u.hex,
            )
            # The list carries no homes; the employer does, and the locations filtered by it are the same.
            one = one_employer(engine, record.id, on=day, as_known_at=instant)
            assert one is not None and [h.id for h in one.housing_locations] == homes
            assert all(h.label is not None for h in one.housing_locations)
            asked = Asked(on=day, as_known_at=instant, settings=ledger.settings)
            filtered = locations(engine, asked, LocationFilter(employer_id=record.id), limit=1000)
            assert [r.id for r in filtered] == homes


# Norms with a kind that has none, a fraction of a square metre, and a stricter norm from a date on.
NORMS = {
    "dwelling": {date(1900, 1, 1): 12.0, date(2026, 6, 1): 15.0},
    "caravan_site": {date(1900, 1, 1): 7.5},
    "short_stay_facility": {date(1900, 1, 1): 10.0},
}
KINDS = ("dwelling", "caravan_site", "short_stay_facility", "recreational")


def _location_commands(workers: int, locations: int) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.one_of(
        st.tuples(
            st.just("move"), st.integers(0, workers - 1), st.one_of(st.none(), st.integers(0, locations - 1)), DAYS
        ),
        st.tuples(st.just("limit"), st.integers(0, locations - 1), st.integers(0, 3), DAYS),
        st.tuples(st.just("depart"), st.integers(0, workers - 1), WORKING_DAYS),
    )


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_locations_over_capacity_are_the_records_that_say_so(ledger: Ledger, data: st.DataObject) -> None:
    world = a_world(ledger)
    employer = Registrant(municipal=False, employer_id=world.employer_id)
    places = [
        ledger.register_housing_location(
            bag_id=a_bag_id(),
            address=an_address(street="Westerstraat", house_number=next(_HOUSE_NUMBERS)),
            kind=data.draw(st.sampled_from(KINDS)),
            max_occupants=data.draw(st.one_of(st.none(), st.integers(1, 3))),
            floor_area_m2=data.draw(st.one_of(st.none(), st.integers(1, 40))),
            registrant=MUNICIPALITY if data.draw(st.booleans()) else employer,
        ).id
        for _ in range(4)
    ]
    workers = [register_worker(ledger, world) for _ in range(5)]
    instants = [datetime.now(UTC)]
    for command in data.draw(st.lists(_location_commands(len(workers), len(places)), max_size=12)):
        apply_location_command(ledger, command, workers, places)
        instants.append(datetime.now(UTC))
    _catch_up(ledger)
    norms = Settings.model_validate(ledger.settings.model_dump() | {"floor_area_norms_m2": NORMS})

    for _ in range(4):
        asked = Asked(on=data.draw(DAYS), as_known_at=data.draw(st.sampled_from(instants)), settings=norms)
        every = locations(ledger.database.engine, asked, LocationFilter(), limit=1000)
        for over in (True, False):
            found = locations(ledger.database.engine, asked, LocationFilter(over_capacity=over), limit=1000)
            assert found == [r for r in every if r.capacity.over_capacity is over]
            # Paged one at a time, after each cursor, the same.
            paged, after = [], None
            while page := locations(
                ledger.database.engine, asked, LocationFilter(over_capacity=over), limit=1, after=after
            ):
                paged += page
                after = page[-1].id
            assert paged == found
