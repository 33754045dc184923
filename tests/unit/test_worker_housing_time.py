"""Unit tests of a worker's housing over valid time (docs/time.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import pytest
from eventsourcing.domain import CanMutateAggregate

from ledger.domain.errors import RuleViolated
from ledger.domain.housing_location import housing_location_id_for
from ledger.domain.timeline import Interval
from ledger.domain.worker import Worker
from tests.factories import TODAY, a_worker

FIRST = housing_location_id_for("0420010000000001")
SECOND = housing_location_id_for("0420010000000002")
THIRD = housing_location_id_for("0420010000000003")


def worker_housed_at_first_from_april() -> Worker:
    return a_worker(housing_location_id=FIRST, housing_valid_from=date(2026, 4, 1))


def replayed(events: Sequence[CanMutateAggregate[UUID]]) -> Worker:
    """The worker as known from exactly these events (what an as-known-at query sees)."""
    worker: Worker | None = None
    for event in events:
        worker = event.mutate(worker)
    assert isinstance(worker, Worker)
    return worker


def test_housing_holds_from_its_valid_from_on() -> None:
    worker = worker_housed_at_first_from_april()

    assert worker.housing_on(date(2026, 3, 31)) is None
    assert worker.housing_on(date(2026, 4, 1)) == FIRST
    assert worker.housing_on(date(2030, 1, 1)) == FIRST


def test_housing_change_holds_until_the_next_later_valid_from() -> None:
    worker = worker_housed_at_first_from_april()
    worker.change_housing(SECOND, date(2026, 5, 1), TODAY)
    worker.change_housing(THIRD, date(2026, 6, 1), TODAY)

    assert worker.housing_on(date(2026, 4, 30)) == FIRST
    assert worker.housing_on(date(2026, 5, 1)) == SECOND
    assert worker.housing_on(date(2026, 5, 31)) == SECOND
    assert worker.housing_on(date(2026, 6, 1)) == THIRD


def test_back_dated_change_is_inserted_without_overwriting_later_ones() -> None:
    worker = worker_housed_at_first_from_april()
    worker.change_housing(SECOND, date(2026, 6, 1), TODAY)

    worker.change_housing(THIRD, date(2026, 5, 1), TODAY)  # recorded later, valid earlier

    assert worker.housing_on(date(2026, 4, 30)) == FIRST
    assert worker.housing_on(date(2026, 5, 1)) == THIRD
    assert worker.housing_on(date(2026, 5, 31)) == THIRD
    assert worker.housing_on(date(2026, 6, 1)) == SECOND


def test_change_back_dated_before_registration_housing_applies_from_its_date() -> None:
    worker = worker_housed_at_first_from_april()

    worker.change_housing(SECOND, date(2026, 3, 1), TODAY)

    assert worker.housing_on(date(2026, 3, 1)) == SECOND
    assert worker.housing_on(date(2026, 4, 1)) == FIRST


def test_of_two_changes_with_the_same_valid_from_the_later_recorded_wins() -> None:
    worker = worker_housed_at_first_from_april()
    worker.change_housing(SECOND, date(2026, 5, 1), TODAY)
    worker.change_housing(THIRD, date(2026, 5, 1), TODAY)

    assert worker.housing_on(date(2026, 5, 1)) == THIRD


def test_change_with_the_registration_valid_from_replaces_the_registered_housing() -> None:
    worker = worker_housed_at_first_from_april()

    worker.change_housing(SECOND, date(2026, 4, 1), TODAY)

    assert worker.housing_on(date(2026, 4, 1)) == SECOND


def test_departure_ends_housing_from_its_date() -> None:
    worker = worker_housed_at_first_from_april()

    worker.depart(date(2026, 6, 1), TODAY)

    assert worker.housing_on(date(2026, 5, 31)) == FIRST
    assert worker.housing_on(date(2026, 6, 1)) is None
    assert worker.housing_on(date(2027, 1, 1)) is None


def test_departure_recorded_after_a_same_day_housing_change_wins() -> None:
    worker = worker_housed_at_first_from_april()
    worker.change_housing(SECOND, date(2026, 6, 1), TODAY)

    worker.depart(date(2026, 6, 1), TODAY)

    assert worker.housing_on(date(2026, 6, 1)) is None


def test_back_dated_housing_before_a_departure_still_ends_at_the_departure() -> None:
    worker = worker_housed_at_first_from_april()
    worker.depart(date(2026, 6, 1), TODAY)

    worker.change_housing(SECOND, date(2026, 5, 1), TODAY)

    assert worker.housing_on(date(2026, 5, 15)) == SECOND
    assert worker.housing_on(date(2026, 6, 1)) is None


def test_housing_intervals_are_half_open_and_the_last_is_open() -> None:
    worker = worker_housed_at_first_from_april()
    worker.change_housing(SECOND, date(2026, 5, 1), TODAY)
    worker.depart(date(2026, 6, 1), TODAY)

    assert worker.housing_timeline().intervals() == [
        Interval(date(2026, 4, 1), date(2026, 5, 1), FIRST),
        Interval(date(2026, 5, 1), date(2026, 6, 1), SECOND),
        Interval(date(2026, 6, 1), None, None),
    ]


def test_a_worker_replayed_from_the_events_known_earlier_shows_the_earlier_housing() -> None:
    worker = worker_housed_at_first_from_april()
    worker.change_housing(SECOND, date(2026, 5, 1), TODAY)
    worker.change_housing(THIRD, date(2026, 5, 1), TODAY)
    events = worker.collect_events()

    assert replayed(events[:1]).housing_on(date(2026, 5, 15)) == FIRST
    assert replayed(events[:2]).housing_on(date(2026, 5, 15)) == SECOND
    assert replayed(events).housing_on(date(2026, 5, 15)) == THIRD


def test_a_later_departure_corrects_an_earlier_one() -> None:
    worker = a_worker()
    worker.depart(date(2026, 5, 1), TODAY)
    worker.depart(date(2026, 6, 1), TODAY)

    assert worker.departed_on == date(2026, 6, 1)
    assert worker.housing_on(date(2026, 5, 15)) is not None
    assert worker.housing_on(date(2026, 6, 1)) is None


def test_housing_after_the_departure_date_is_a_return() -> None:
    worker = a_worker()
    location = worker.housing_on(date(2026, 5, 1))
    worker.depart(date(2026, 6, 1), TODAY)
    worker.change_housing(location, date(2026, 8, 1), TODAY)

    assert worker.housing_on(date(2026, 7, 1)) is None
    assert worker.housing_on(date(2026, 8, 1)) == location


def test_an_eight_digit_bsn_is_refused() -> None:
    with pytest.raises(RuleViolated) as refused:
        a_worker().record_population_registration("RNI", date(2026, 4, 2), "12345672", TODAY)
    assert refused.value.violations[0].code == "invalid_bsn"
