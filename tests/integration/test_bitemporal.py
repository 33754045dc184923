"""Hand-written bitemporal cases: asked `on` several dates and `as_known_at` several instants."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import pytest
from sqlalchemy import select

from ledger.application.core import Receipt
from ledger.application.service import Ledger
from projections.headcounts import GroupBy, headcounts
from projections.history import residence_intervals
from projections.occupancy import occupancy, residents
from projections.residence import ResidenceProjection, ResidenceView, residence_history
from projections.runner import ViewRunner
from tests.factories import World, a_bag_id, a_world, an_address, register_worker

# The floor-area norm of the default settings: 12 m² a person (a limit where the municipality set none).
NORMS = {"dwelling": {date(1900, 1, 1): 12.0}}


def _project(ledger: Ledger) -> None:
    ViewRunner(ledger, ResidenceProjection(view=ResidenceView(ledger.database.engine))).catch_up()


def _recorded_at(ledger: Ledger, receipt: Receipt) -> datetime:
    """The instant the ledger recorded the write of `receipt`."""
    event = next(iter(ledger.events.get(receipt.id, gt=receipt.version - 1, lte=receipt.version)))
    return event.timestamp  # type: ignore[attr-defined, no-any-return]


def _occupants(ledger: Ledger, location: UUID, on: date, known: datetime) -> set[UUID]:
    answer = occupancy(ledger.database.engine, location, on=on, as_known_at=known, norms=NORMS)
    assert answer is not None
    return {r.worker_id for r in answer.occupants}


@pytest.fixture
def world(ledger: Ledger) -> World:
    return a_world(ledger)


def test_late_registration_is_invisible_before_it_was_recorded(ledger: Ledger, world: World) -> None:
    before = _recorded_at(ledger, ledger.register_employer(kvk_number="11111111", name="Eerder B.V."))
    worker = register_worker(ledger, world)  # lived there since 1 April, registered in June
    registered = _recorded_at(ledger, Receipt(worker, 1, 0))
    _project(ledger)

    assert _occupants(ledger, world.location_id, date(2026, 5, 1), before) == set()
    assert _occupants(ledger, world.location_id, date(2026, 5, 1), registered) == {worker}
    assert _occupants(ledger, world.location_id, date(2026, 3, 31), registered) == set()


def test_back_dated_move_between_two_later_moves(ledger: Ledger, world: World) -> None:
    third = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Molenweg"), kind="dwelling", max_occupants=4
    ).id
    worker = register_worker(ledger, world)  # at the first location from 1 April
    to_second = ledger.change_housing(worker, housing_location_id=world.other_location_id, valid_from=date(2026, 6, 1))
    to_first = ledger.change_housing(worker, housing_location_id=world.location_id, valid_from=date(2026, 8, 1))
    before_correction = _recorded_at(ledger, to_first)
    correction = ledger.change_housing(worker, housing_location_id=third, valid_from=date(2026, 7, 1))
    after_correction = _recorded_at(ledger, correction)
    _project(ledger)

    assert _occupants(ledger, world.other_location_id, date(2026, 7, 15), before_correction) == {worker}
    assert _occupants(ledger, third, date(2026, 7, 15), before_correction) == set()
    assert _occupants(ledger, third, date(2026, 7, 15), after_correction) == {worker}
    assert _occupants(ledger, world.other_location_id, date(2026, 6, 15), after_correction) == {worker}
    assert _occupants(ledger, world.location_id, date(2026, 8, 5), after_correction) == {worker}
    known_before = residence_intervals(ledger.database.engine, worker, as_known_at=_recorded_at(ledger, to_second))
    assert [(i.housing_location_id, i.valid_from, i.valid_to) for i in known_before] == [
        (world.location_id, date(2026, 4, 1), date(2026, 6, 1)),
        (world.other_location_id, date(2026, 6, 1), None),
    ]
    now = residence_intervals(ledger.database.engine, worker, as_known_at=after_correction)
    assert [(i.housing_location_id, i.valid_from, i.valid_to) for i in now] == [
        (world.location_id, date(2026, 4, 1), date(2026, 6, 1)),
        (world.other_location_id, date(2026, 6, 1), date(2026, 7, 1)),
        (third, date(2026, 7, 1), date(2026, 8, 1)),
        (world.location_id, date(2026, 8, 1), None),
    ]


def test_two_changes_on_the_same_valid_from_the_later_recorded_wins(ledger: Ledger, world: World) -> None:
    worker = register_worker(ledger, world)
    first = ledger.change_housing(worker, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
    second = ledger.change_housing(worker, housing_location_id=world.location_id, valid_from=date(2026, 5, 1))
    _project(ledger)

    assert _occupants(ledger, world.other_location_id, date(2026, 5, 2), _recorded_at(ledger, first)) == {worker}
    assert _occupants(ledger, world.other_location_id, date(2026, 5, 2), _recorded_at(ledger, second)) == set()
    assert _occupants(ledger, world.location_id, date(2026, 5, 2), _recorded_at(ledger, second)) == {worker}


def test_a_stay_believed_only_between_two_events_of_one_page_keeps_both_instants(ledger: Ledger, world: World) -> None:
    worker = register_worker(ledger, world)
    moved = ledger.change_housing(worker, housing_location_id=world.other_location_id, valid_from=date(2026, 6, 1))
    corrected = ledger.change_housing(worker, housing_location_id=None, valid_from=date(2026, 6, 1))
    _project(ledger)  # one page: the stay is added and given up within it

    with ledger.database.engine.connect() as conn:
        rows = conn.execute(
            select(residence_history.c.recorded_from, residence_history.c.recorded_to).where(
                (residence_history.c.worker_id == worker.hex)
                & (residence_history.c.housing_location_id == world.other_location_id.hex)
            )
        ).all()
    assert [tuple(r) for r in rows] == [(_recorded_at(ledger, moved), _recorded_at(ledger, corrected))]


def test_move_out_to_no_housing_and_departure_end_residence(ledger: Ledger, world: World) -> None:
    moved_out = register_worker(ledger, world)
    departed = register_worker(ledger, world)
    ledger.change_housing(moved_out, housing_location_id=None, valid_from=date(2026, 5, 1))
    last = ledger.record_departure(departed, departed_on=date(2026, 6, 1))
    known = _recorded_at(ledger, last)
    _project(ledger)

    assert _occupants(ledger, world.location_id, date(2026, 4, 30), known) == {moved_out, departed}
    assert _occupants(ledger, world.location_id, date(2026, 5, 1), known) == {departed}
    assert _occupants(ledger, world.location_id, date(2026, 6, 1), known) == set()
    stays = residents(
        ledger.database.engine, world.location_id, first=date(2026, 5, 15), last=date(2026, 7, 1), as_known_at=known
    )
    assert [r.worker_id for r in stays] == [departed]


def test_occupancy_limit_changes_and_over_capacity_since(ledger: Ledger) -> None:
    world = a_world(ledger, max_occupants=2)
    workers = [register_worker(ledger, world) for _ in range(3)]  # three from 1 April, two allowed
    ledger.change_housing(workers[2], housing_location_id=None, valid_from=date(2026, 5, 1))
    raised = ledger.change_occupancy_limit(world.location_id, max_occupants=3, valid_from=date(2026, 7, 1))
    before_raise = _recorded_at(ledger, Receipt(workers[2], 2, 0))
    lowered = ledger.change_occupancy_limit(world.location_id, max_occupants=1, valid_from=date(2026, 8, 1))
    _project(ledger)
    engine = ledger.database.engine

    april = occupancy(
        engine, world.location_id, on=date(2026, 4, 15), as_known_at=_recorded_at(ledger, lowered), norms=NORMS
    )
    may = occupancy(
        engine, world.location_id, on=date(2026, 5, 15), as_known_at=_recorded_at(ledger, lowered), norms=NORMS
    )
    august = occupancy(
        engine, world.location_id, on=date(2026, 8, 15), as_known_at=_recorded_at(ledger, lowered), norms=NORMS
    )
    august_before = occupancy(
        engine, world.location_id, on=date(2026, 8, 15), as_known_at=_recorded_at(ledger, raised), norms=NORMS
    )
    assert april is not None and may is not None and august is not None and august_before is not None
    assert (april.headcount, april.max_occupants, april.over_capacity_since) == (3, 2, date(2026, 4, 1))
    assert (may.headcount, may.over_capacity) == (2, False)
    assert (august.max_occupants, august.over_capacity, august.over_capacity_since) == (1, True, date(2026, 8, 1))
    assert (august_before.max_occupants, august_before.over_capacity) == (3, False)
    assert occupancy(engine, world.location_id, on=date(2026, 4, 15), as_known_at=before_raise, norms=NORMS) is not None


def test_location_not_yet_registered_has_no_occupancy(ledger: Ledger) -> None:
    before = _recorded_at(ledger, ledger.register_employer(kvk_number="22222222", name="Vroeg B.V."))
    world = a_world(ledger)
    _project(ledger)
    assert (
        occupancy(ledger.database.engine, world.location_id, on=date(2026, 5, 1), as_known_at=before, norms=NORMS)
        is None
    )


def test_headcounts_by_every_grouping(ledger: Ledger, world: World) -> None:
    register_worker(ledger, world)
    register_worker(ledger, world, nationality="ROU")
    last = ledger.change_housing(
        register_worker(ledger, world), housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1)
    )
    _project(ledger)
    known = _recorded_at(ledger, last)

    def counts(group_by: GroupBy) -> dict[str, int]:
        answer = headcounts(ledger.database.engine, group_by=group_by, on=date(2026, 5, 15), as_known_at=known)
        assert answer.total == 3
        return answer.groups

    assert counts(GroupBy.HOUSING_LOCATION) == {world.location_id.hex: 2, world.other_location_id.hex: 1}
    assert counts(GroupBy.EMPLOYER) == {world.employer_id.hex: 3}
    assert counts(GroupBy.NATIONALITY) == {"POL": 2, "ROU": 1}
    assert counts(GroupBy.POSTCODE_AREA) == {"1671": 3}


def test_occupancy_residents_and_headcounts_narrowed_to_one_employer(ledger: Ledger, world: World) -> None:
    other_employer = ledger.register_employer(kvk_number="33333333", name="Ander B.V.").id
    own = register_worker(ledger, world)
    theirs = register_worker(ledger, World(other_employer, world.location_id, world.other_location_id))
    _project(ledger)
    engine, known, on = ledger.database.engine, _recorded_at(ledger, Receipt(theirs, 1, 0)), date(2026, 5, 1)

    answer = occupancy(engine, world.location_id, on=on, as_known_at=known, norms=NORMS, employer_id=world.employer_id)
    stays = residents(engine, world.location_id, first=on, last=on, as_known_at=known, employer_id=other_employer)
    counts = headcounts(
        engine, group_by=GroupBy.HOUSING_LOCATION, on=on, as_known_at=known, employer_id=world.employer_id
    )

    assert answer is not None
    assert [(r.worker_id, r.employer_id) for r in answer.occupants] == [(own, world.employer_id)]
    assert answer.headcount == 2  # the location's, whoever's workers live there
    assert [r.worker_id for r in stays or []] == [theirs]
    assert (counts.total, counts.groups) == (1, {world.location_id.hex: 1})


def test_residents_of_a_location_not_yet_registered_is_none(ledger: Ledger) -> None:
    before = _recorded_at(ledger, ledger.register_employer(kvk_number="44444444", name="Vroeg B.V."))
    world = a_world(ledger)
    _project(ledger)
    day = date(2026, 5, 1)
    assert residents(ledger.database.engine, world.location_id, first=day, last=day, as_known_at=before) is None
