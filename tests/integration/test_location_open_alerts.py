"""A housing location's `openAlerts` read from the alerts view equal the rules' answer (issue 18, "Speed").

The lists of locations and the single location used to work each location's
alerts out from its whole history with the rules
(`projections.location_alert_rules.location_alerts` over the residence view's
history as believed at the instant). They now read the alerts view
(`projections.location_open_alerts`); the rules are the oracle here: for any
day and instant, on both backends, the view must answer what they answer. When
the view cannot answer as they would — built under other settings, or behind
the residence view — the rules answer, as before.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import patch
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application.service import Ledger
from ledger.domain.housing_location import MUNICIPALITY, Registrant
from ledger.persistence.database import reading
from ledger.settings import Settings
from projections.alert_rules import Alert, location_alerts
from projections.alert_view import AlertsProjection, AlertsView
from projections.directory import DirectoryProjection, DirectoryView
from projections.location_open_alerts import open_alerts
from projections.location_queries import Asked, LocationFilter, location, locations
from projections.occupancy import location_history
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner
from tests.factories import a_bag_id, a_world, an_address, register_worker
from tests.location_commands import apply_location_command

START, TODAY = date(2026, 4, 1), date(2026, 6, 15)
DAYS = st.integers(min_value=-30, max_value=(TODAY - START).days + 60).map(lambda n: START + timedelta(days=n))
ASKED = st.integers(min_value=-120, max_value=(TODAY - START).days + 400).map(lambda n: START + timedelta(days=n))
NORMS = {
    "dwelling": {date(1900, 1, 1): 12.0, date(2026, 6, 1): 15.0},
    "caravan_site": {date(1900, 1, 1): 7.5},
    "short_stay_facility": {date(1900, 1, 1): 10.0},
}
KINDS = ("dwelling", "caravan_site", "short_stay_facility", "recreational")
_HOUSE_NUMBERS = itertools.count(7000)


def _with_norms(ledger: Ledger) -> Settings:
    return Settings.model_validate(ledger.settings.model_dump() | {"floor_area_norms_m2": NORMS})


def _runners(ledger: Ledger, alert_settings: Settings) -> list[ViewRunner]:
    engine = ledger.database.engine
    return [
        ViewRunner(ledger, DirectoryProjection(view=DirectoryView(engine))),
        ViewRunner(ledger, ResidenceProjection(view=ResidenceView(engine))),
        ViewRunner(ledger, AlertsProjection(view=AlertsView(engine, ledger.keys, alert_settings))),
    ]


def _catch_up(ledger: Ledger, alert_settings: Settings) -> None:
    for runner in _runners(ledger, alert_settings):
        runner.catch_up()


def _by_the_rules(ledger: Ledger, ids: list[UUID], asked: Asked) -> dict[UUID, tuple[Alert, ...]]:
    """What the rules say: each location's alerts from its history as believed at the instant (the code before)."""
    zone = ZoneInfo(asked.settings.timezone)
    found = {}
    with reading(ledger.database.engine) as conn:
        for location_id in ids:
            history = location_history(conn, location_id, asked.as_known_at, asked.settings.floor_area_norms_m2)
            if history is None:
                found[location_id] = ()
                continue
            registered_on = history.facts.registered_at.astimezone(zone).date()
            found[location_id] = tuple(location_alerts(location_id, history, asked.on, registered_on=registered_on))
    return found


def _commands(workers: int, locations: int) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.one_of(
        st.tuples(
            st.just("move"), st.integers(0, workers - 1), st.one_of(st.none(), st.integers(0, locations - 1)), DAYS
        ),
        st.tuples(st.just("limit"), st.integers(0, locations - 1), st.integers(0, 3), DAYS),
        st.tuples(st.just("depart"), st.integers(0, workers - 1), DAYS),
    )


def _places(ledger: Ledger, data: st.DataObject, employer: Registrant) -> list[UUID]:
    return [
        ledger.register_housing_location(
            bag_id=a_bag_id(),
            address=an_address(street="Oosterstraat", house_number=next(_HOUSE_NUMBERS)),
            kind=data.draw(st.sampled_from(KINDS)),
            max_occupants=data.draw(st.one_of(st.none(), st.integers(1, 3))),
            floor_area_m2=data.draw(st.one_of(st.none(), st.integers(1, 40))),
            registrant=MUNICIPALITY if data.draw(st.booleans()) else employer,
        ).id
        for _ in range(4)
    ]


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_open_alerts_of_a_page_are_the_rules_answer_on_any_day_as_known_at_any_instant(
    ledger: Ledger, data: st.DataObject
) -> None:
    norms = _with_norms(ledger)
    world = a_world(ledger)
    places = _places(ledger, data, Registrant(municipal=False, employer_id=world.employer_id))
    workers = [register_worker(ledger, world) for _ in range(5)]
    instants = [datetime.now(UTC)]
    for command in data.draw(st.lists(_commands(len(workers), len(places)), max_size=12)):
        apply_location_command(ledger, command, workers, places)
        instants.append(datetime.now(UTC))
    _catch_up(ledger, norms)

    engine = ledger.database.engine
    for _ in range(5):
        asked = Asked(on=data.draw(ASKED), as_known_at=data.draw(st.sampled_from(instants)), settings=norms)
        expected = _by_the_rules(ledger, places, asked)
        with reading(engine) as conn:
            viewed = open_alerts(conn, [p.hex for p in places], asked.on, asked.as_known_at, norms)
        assert viewed is not None  # the view answers: it was built under these settings and is caught up
        assert {p: viewed.get(p.hex, ()) for p in places} == expected
        listed = locations(engine, asked, LocationFilter(street="oosterstraat"), limit=1000)
        page = {r.id: r.alerts for r in listed}
        assert {p: page[p] for p in places} == expected
        # The whole answer (headcount and limit of the day, read alone now) as when the rules answered.
        with patch("projections.location_records.open_alerts", return_value=None):
            assert listed == locations(engine, asked, LocationFilter(street="oosterstraat"), limit=1000)
        # Filtered by over-capacity through the view's alerts: exactly the records that say so.
        for over in (True, False):
            filtered = LocationFilter(street="oosterstraat", over_capacity=over)
            assert locations(engine, asked, filtered, limit=1000) == [
                r for r in listed if r.capacity.over_capacity is over
            ]
        one = location(engine, places[0], asked)
        assert one is not None and one.alerts == expected[places[0]]


def test_without_a_view_that_can_answer_the_rules_give_the_open_alerts(ledger: Ledger) -> None:
    norms = _with_norms(ledger)
    world = a_world(ledger, max_occupants=1)
    for _ in range(3):
        register_worker(ledger, world)  # three at a place for one: over capacity
    engine = ledger.database.engine
    asked = Asked(on=TODAY, as_known_at=datetime.now(UTC), settings=norms)
    _catch_up(ledger, ledger.settings)  # the view built under other norms than the reader's

    record = location(engine, world.location_id, asked)
    assert record is not None and record.alerts == _by_the_rules(ledger, [world.location_id], asked)[world.location_id]
    assert [a.kind.value for a in record.alerts] == ["over_capacity"]
    with reading(engine) as conn:
        assert open_alerts(conn, [world.location_id.hex], asked.on, asked.as_known_at, norms) is None

    _catch_up(ledger, norms)  # built again under the reader's norms: the view answers
    with reading(engine) as conn:
        assert open_alerts(conn, [world.location_id.hex], asked.on, asked.as_known_at, norms) is not None

    register_worker(ledger, world)  # a fourth: the residence view sees it, the alerts view not yet
    for runner in _runners(ledger, norms)[:2]:
        runner.catch_up()
    later = Asked(on=TODAY, as_known_at=datetime.now(UTC), settings=norms)
    with reading(engine) as conn:
        assert open_alerts(conn, [world.location_id.hex], later.on, later.as_known_at, norms) is None
    record = location(engine, world.location_id, later)
    assert record is not None and record.alerts[0].detail.startswith("4 occupants")
