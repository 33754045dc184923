"""What keeps the lists fast (issue 18, "Speed"), checked without a clock.

- The register keeps, per employer and day, how many of its workers start or
  stop being active and how many it has (`projections.employer_counts`): the
  counts read from it equal a plain fold over the events, on any day.
- A list costs the same number of statements however much it has to look
  through or show: a list of locations over capacity whose first match comes
  after a thousand that are not, and an employer whose workers live at more
  locations than an IN list holds.
- The list of employers reads no homes at all: those are the employer's, and
  the locations' filtered by it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event

from ledger.application.service import Ledger
from ledger.domain.housing_location import HousingLocation
from ledger.domain.worker import Worker
from ledger.persistence.database import IN_LIST_SIZE, reading
from projections.employer_counts import employer_counts
from projections.employer_queries import employer as one_employer
from projections.employer_queries import employers
from projections.location_queries import Asked, LocationFilter, locations
from projections.registry import build_view_runners
from tests.factories import a_bag_id, a_kvk_number, a_person, a_world, an_address, an_employment, register_worker
from tests.integration.test_list_queries import DAYS, _active_on, _apply, _fold, _worker_commands

TODAY = date(2026, 6, 15)


def _catch_up(ledger: Ledger) -> None:
    for runner in build_view_runners(ledger):
        runner.catch_up()


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    """The statements `engine` sends inside the block."""
    sent: list[str] = []

    def keep(_c: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_registers_counts_per_employer_and_day_equal_a_plain_fold(ledger: Ledger, data: st.DataObject) -> None:
    world = a_world(ledger)
    employer_ids = [
        world.employer_id,
        *(ledger.register_employer(kvk_number=a_kvk_number(), name="Uitzendbureau B.V.").id for _ in range(2)),
    ]
    locations_ = [world.location_id, world.other_location_id]
    workers = [register_worker(ledger, world) for _ in range(4)]
    commands = _worker_commands(len(workers), len(employer_ids), len(locations_))
    for command in data.draw(st.lists(commands, max_size=12)):
        _apply(ledger, command, workers, employer_ids, locations_)
    _catch_up(ledger)
    folded: list[Worker] = [_fold(ledger, w) for w in workers]

    for day in [*data.draw(st.lists(DAYS, min_size=1, max_size=4)), date.min, date.max]:
        with reading(ledger.database.engine) as conn:
            counts = employer_counts(conn, [e.hex for e in employer_ids], day)
        for employer in employer_ids:
            own = [w for w in folded if w.employer_id == employer]
            expected = (sum(_active_on(w, day) for w in own), len(own))
            assert counts.get(employer.hex, (0, 0)) == expected


def _locations(ledger: Ledger, count: int) -> list[UUID]:
    """`count` locations for two people each (the municipality's limit), saved a batch at a time."""
    places = [
        HousingLocation.register(
            bag_id=a_bag_id(),
            address=an_address(street="Zuiderstraat", house_number=1 + n),
            kind="dwelling",
            max_occupants=2,
            floor_area_m2=None,
            owner_kvk_number=None,
        )
        for n in range(count)
    ]
    for start in range(0, count, 200):
        ledger.save(*places[start : start + 200])
    return [place.id for place in places]


def _workers_at(ledger: Ledger, employer_id: UUID, homes: list[UUID]) -> None:
    """A worker of `employer_id` at each of `homes` (a home twice: two there), saved a batch at a time."""
    workers = [
        Worker.register(
            employer_id=employer_id,
            person=a_person(),
            employment=an_employment(),
            housing_location_id=home,
            housing_valid_from=date(2026, 4, 1),
            today=TODAY,
        )
        for home in homes
    ]
    for start in range(0, len(workers), 200):
        ledger.save(*workers[start : start + 200])


@pytest.mark.slow
def test_a_list_over_capacity_costs_the_same_statements_however_many_locations_are_not(ledger: Ledger) -> None:
    world = a_world(ledger)
    places = sorted(_locations(ledger, 2 * IN_LIST_SIZE + 1), key=lambda u: u.hex)
    # Three at the first and at the last location in id order: each is over its limit of two.
    _workers_at(ledger, world.employer_id, [places[0]] * 3 + [places[-1]] * 3)
    _catch_up(ledger)
    engine = ledger.database.engine
    asked = Asked(on=TODAY, as_known_at=datetime.now(UTC), settings=ledger.settings)
    over = LocationFilter(over_capacity=True)

    with _statements(engine) as first:
        found = locations(engine, asked, over, limit=1)
    with _statements(engine) as last:  # after the first, a thousand not over capacity come before the next
        found += locations(engine, asked, over, limit=1, after=places[0])
    assert [r.id for r in found] == [places[0], places[-1]]
    assert len(last) == len(first)


@pytest.mark.slow
def test_an_employers_answer_costs_the_same_statements_however_many_locations_house_its_workers(
    ledger: Ledger,
) -> None:
    places = _locations(ledger, IN_LIST_SIZE + 1)
    small = ledger.register_employer(kvk_number=a_kvk_number(), name="Klein Uitzendbureau B.V.").id
    large = ledger.register_employer(kvk_number=a_kvk_number(), name="Groot Uitzendbureau B.V.").id
    _workers_at(ledger, small, places[:1])
    _workers_at(ledger, large, places)
    _catch_up(ledger)
    engine, now = ledger.database.engine, datetime.now(UTC)

    with _statements(engine) as few:
        one = one_employer(engine, small, on=TODAY, as_known_at=now)
    with _statements(engine) as many:
        every = one_employer(engine, large, on=TODAY, as_known_at=now)
    assert one is not None and every is not None
    assert (len(one.housing_locations), len(every.housing_locations)) == (1, IN_LIST_SIZE + 1)
    assert (one.active_workers, every.active_workers) == (1, IN_LIST_SIZE + 1)
    assert [h.id for h in every.housing_locations] == sorted(places, key=lambda u: u.hex)
    assert all(h.label and h.label.startswith("Zuiderstraat ") for h in every.housing_locations)
    assert len(many) == len(few)


def test_the_list_of_employers_reads_no_homes(ledger: Ledger) -> None:
    # A large employer houses thousands (issue 18): the list gives counts, and never reads where the workers live.
    employer_id = ledger.register_employer(kvk_number=a_kvk_number(), name="Uitzendbureau B.V.").id
    _workers_at(ledger, employer_id, _locations(ledger, 2))
    _catch_up(ledger)
    engine = ledger.database.engine

    with _statements(engine) as sent:
        (listed,) = employers(engine, on=TODAY, as_known_at=datetime.now(UTC), employer_id=employer_id)

    assert (listed.active_workers, listed.total_workers) == (2, 2)
    assert not hasattr(listed, "housing_locations")
    assert not [s for s in sent if "residence_history" in s or "employment_history" in s]
