"""Property: occupancy and headcounts equal a naive fold over the events recorded at or before T."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application.service import Ledger
from ledger.domain.housing_location import HousingLocation, Registrant
from ledger.domain.worker import Worker
from projections.headcounts import GroupBy, headcounts
from projections.occupancy import occupancy
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner
from tests.factories import World, a_bag_id, a_world, an_address, register_worker
from tests.integration.view_contents import view_rows

# The floor-area norm of the default settings: 12 m² a person (a limit where the municipality set none).
NORMS = {"dwelling": {date(1900, 1, 1): 12.0}}

DAYS = st.integers(min_value=0, max_value=300).map(lambda n: date(2026, 1, 1) + timedelta(days=n))
# A departure is on or after the employment's start (2026-04-01 in the factories); an earlier one is refused.
DEPARTURES = st.integers(min_value=90, max_value=300).map(lambda n: date(2026, 1, 1) + timedelta(days=n))


def _command(locations: int, workers: int) -> st.SearchStrategy[tuple[Any, ...]]:
    where = st.one_of(st.none(), st.integers(0, locations - 1))
    return st.one_of(
        st.tuples(st.just("move"), st.integers(0, workers - 1), where, DAYS),
        st.tuples(st.just("depart"), st.integers(0, workers - 1), DEPARTURES),
        st.tuples(st.just("limit"), st.integers(0, locations - 1), st.integers(1, 4), DAYS),
    )


# Every example registers its locations again (the ledger outlives the examples): each at an address of its own.
_HOUSE_NUMBERS = itertools.count(1)


def _locations(ledger: Ledger, world: World) -> list[UUID]:
    """The world's two locations (limits set by the municipality), and two an employer registered.

    The employer's proposed maxima are never limits: one location is limited by
    its floor area (floor(50 / 12) = 4) until the municipality sets a limit, the
    other has no limit at all until then.
    """
    employer = Registrant(municipal=False, employer_id=world.employer_id)
    by_floor_area, unassessed = (
        ledger.register_housing_location(
            bag_id=a_bag_id(),
            address=an_address(street=street, house_number=next(_HOUSE_NUMBERS)),
            kind="dwelling",
            max_occupants=10_000,
            floor_area_m2=floor_area,
            registrant=employer,
        ).id
        for street, floor_area in (("Westerstraat", 50), ("Oosterstraat", None))
    )
    return [world.location_id, world.other_location_id, by_floor_area, unassessed]


def _fold(ledger: Ledger, aggregate_id: UUID, instant: datetime) -> Any:
    """The aggregate rebuilt from only the events recorded at or before `instant`."""
    aggregate = None
    for event in ledger.events.get(aggregate_id):
        if event.timestamp <= instant:  # type: ignore[attr-defined]
            aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_queries_equal_a_naive_fold_over_the_events(ledger: Ledger, data: st.DataObject) -> None:
    world = a_world(ledger)
    locations = _locations(ledger, world)
    workers = [register_worker(ledger, world) for _ in range(3)]
    instants = [datetime.now().astimezone()]
    for command in data.draw(st.lists(_command(len(locations), len(workers)), max_size=12)):
        if command[0] == "move":
            _, w, where, day = command
            ledger.change_housing(
                workers[w], housing_location_id=None if where is None else locations[where], valid_from=day
            )
        elif command[0] == "depart":
            ledger.record_departure(workers[command[1]], departed_on=command[2])
        else:
            _, where, maximum, day = command
            ledger.change_occupancy_limit(locations[where], max_occupants=maximum, valid_from=day)
        instants.append(datetime.now().astimezone())
    ViewRunner(ledger, ResidenceProjection(view=ResidenceView(ledger.database.engine))).catch_up()

    for _ in range(5):
        instant = data.draw(st.sampled_from(instants))
        day = data.draw(DAYS)
        folded = {w: _fold(ledger, w, instant) for w in workers}
        housed = {w: f.housing_on(day) for w, f in folded.items() if f is not None}
        counts = headcounts(ledger.database.engine, group_by=GroupBy.HOUSING_LOCATION, on=day, as_known_at=instant)
        for location in locations:
            expected = {w for w, at in housed.items() if at == location}
            answer = occupancy(ledger.database.engine, location, on=day, as_known_at=instant, norms=NORMS)
            limit: HousingLocation = _fold(ledger, location, instant)
            assert answer is not None
            assert {o.worker_id for o in answer.occupants} == expected
            maximum = limit.permitted_maximum_on(day, NORMS)
            assert answer.max_occupants == maximum
            assert answer.over_capacity == (None if maximum is None else len(expected) > maximum)
            assert counts.groups.get(location.hex, 0) == len(expected)


def test_the_fold_sees_only_what_was_recorded(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = register_worker(ledger, world)
    before = datetime.now().astimezone()
    ledger.record_departure(worker, departed_on=date(2026, 5, 1))
    folded: Worker = _fold(ledger, worker, before)
    assert folded.housing_on(date(2026, 5, 2)) == world.location_id


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_page_folded_in_memory_writes_the_rows_of_one_event_at_a_time(ledger: Ledger, data: st.DataObject) -> None:
    world = a_world(ledger)
    locations = _locations(ledger, world)
    workers = [register_worker(ledger, world) for _ in range(2)]
    # Later registrations put a worker's first events in the same page as others' changes.
    commands = st.one_of(_command(len(locations), 3), st.just(("register",)))
    for command in data.draw(st.lists(commands, max_size=12)):
        if command[0] == "register":
            workers.append(register_worker(ledger, world))
        elif command[0] == "move":
            _, w, where, day = command
            ledger.change_housing(
                workers[w % len(workers)],
                housing_location_id=None if where is None else locations[where],
                valid_from=day,
            )
        elif command[0] == "depart":
            ledger.record_departure(workers[command[1] % len(workers)], departed_on=command[2])
        else:
            _, where, maximum, day = command
            ledger.change_occupancy_limit(locations[where], max_occupants=maximum, valid_from=day)
    view = ResidenceView(ledger.database.engine)

    def built_in_pages_of(size: int) -> dict[str, list[tuple[Any, ...]]]:
        ViewRunner(ledger, ResidenceProjection(view=view), page_size=size).rebuild()
        return view_rows(view)

    one_at_a_time = built_in_pages_of(1)
    assert built_in_pages_of(data.draw(st.sampled_from([2, 3, 7, 500]))) == one_at_a_time
