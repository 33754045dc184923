"""A worker who lives outside the municipality (a commuter): housing "outside the municipality", not a place here."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from ledger.domain.errors import RuleViolated
from ledger.domain.housing_location import housing_location_id_for
from ledger.domain.worker import Worker
from ledger.transcodings import register_ledger_transcodings
from tests.factories import TODAY, a_worker, broken_rules

START = date(2026, 4, 1)  # an_employment()'s start date
LOCATION = housing_location_id_for("0420010000000001")


def refusal(command: Any) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolated) as refused:
        command()
    return broken_rules(refused.value)


def a_commuter(**overrides: Any) -> Worker:
    fields: dict[str, Any] = {"housing_location_id": None, "housing_valid_from": START}
    return a_worker(**(fields | overrides), housing_outside_municipality=True)


def test_a_commuter_is_registered_as_living_outside_the_municipality() -> None:
    worker = a_commuter()

    (event,) = worker.collect_events()

    assert isinstance(event, Worker.Registered)
    assert (event.housing_location_id, event.housing_valid_from, event.housing_outside_municipality) == (
        None,
        START,
        True,
    )
    assert worker.housing_on(START) is None  # housed at no place here
    assert worker.lives_outside_on(START)
    assert not worker.lives_outside_on(date(2026, 3, 31))


def test_a_worker_housed_here_does_not_live_outside() -> None:
    worker = a_worker()
    assert worker.housing_on(START) == LOCATION
    assert not worker.lives_outside_on(START)


def test_outside_the_municipality_names_no_housing_location() -> None:
    assert refusal(lambda: a_commuter(housing_location_id=LOCATION)) == {
        ("housing.housing_location_id", "not_applicable")
    }


def test_outside_the_municipality_needs_the_date_it_holds_from() -> None:
    assert refusal(lambda: a_commuter(housing_valid_from=None)) == {("housing.valid_from", "required")}


def test_housing_from_a_date_names_a_location_or_says_outside() -> None:
    # The API's `housing` gives one of the two; a date alone would say nothing.
    assert refusal(lambda: a_worker(housing_location_id=None, housing_valid_from=START)) == {
        ("housing.housing_location_id", "required")
    }


def test_a_housed_worker_moves_out_of_the_municipality_and_back() -> None:
    worker = a_worker()
    worker.change_housing(None, date(2026, 5, 1), TODAY, outside_municipality=True)
    worker.change_housing(LOCATION, date(2026, 6, 1), TODAY)

    *_, out, back = worker.collect_events()

    assert isinstance(out, Worker.HousingAddressChanged) and out.outside_municipality
    assert isinstance(back, Worker.HousingAddressChanged) and not back.outside_municipality
    assert [(worker.housing_on(d), worker.lives_outside_on(d)) for d in (START, date(2026, 5, 15), TODAY)] == [
        (LOCATION, False),
        (None, True),
        (LOCATION, False),
    ]


def test_a_move_outside_names_no_housing_location() -> None:
    worker = a_worker()
    assert refusal(lambda: worker.change_housing(LOCATION, date(2026, 5, 1), TODAY, outside_municipality=True)) == {
        ("housing_location_id", "not_applicable")
    }


def test_a_departure_ends_living_outside_too() -> None:
    worker = a_commuter()
    worker.depart(date(2026, 6, 1), TODAY)
    assert worker.lives_outside_on(date(2026, 5, 31))
    assert not worker.lives_outside_on(date(2026, 6, 1))


# -- events stored before the change (version 1) ------------------------------------------------


def _mapper() -> Mapper[Any]:
    transcoder = JSONTranscoder()
    register_ledger_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


def _as_version_1(stored: StoredEvent, field: str) -> StoredEvent:
    """The event as the code before this change stored it: no `class_version`, no `field`."""
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    del state[field]
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: a_worker().collect_events()[0], "housing_outside_municipality"),
        (lambda: _moved().collect_events()[-1], "outside_municipality"),
    ],
)
def test_an_event_of_version_1_reads_as_housed_here_or_nowhere_never_outside(make: Any, field: str) -> None:
    mapper = _mapper()
    old = _as_version_1(mapper.to_stored_event(make()), field)

    event = mapper.to_domain_event(old)

    assert getattr(event, field) is False


def _moved() -> Worker:
    worker = a_worker()
    worker.change_housing(None, date(2026, 5, 1), TODAY)
    return worker
