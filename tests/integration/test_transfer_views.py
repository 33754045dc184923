"""Transfers and commuters in the views: headcounts per employer of the day, pages cut anywhere.

Property: the headcount per employer on D as known at T equals a naive fold
over the events recorded at or before T (each housed worker counted under the
employer of D). And the views built a page at a time equal the views built
one event at a time, with transfers and moves outside the municipality among
the events.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application.service import Ledger
from ledger.domain.worker import Worker
from projections.alert_view import AlertsProjection, AlertsView
from projections.headcounts import GroupBy, headcounts
from projections.register import RegisterView
from projections.register_projection import RegisterProjection
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner
from tests.factories import a_kvk_number, a_world, register_worker
from tests.integration.view_contents import view_rows

START, TODAY = date(2026, 4, 1), date(2026, 6, 15)  # the factories' employment start; the fixed clock's day
DAYS = st.integers(min_value=-30, max_value=(TODAY - START).days + 60).map(lambda n: START + timedelta(days=n))
# A transfer lies between the employment's start and today; a move anywhere in the window.
TRANSFER_DAYS = st.integers(min_value=0, max_value=(TODAY - START).days).map(lambda n: START + timedelta(days=n))


def _fold(ledger: Ledger, aggregate_id: UUID, instant: datetime) -> Any:
    """The aggregate rebuilt from only the events recorded at or before `instant`."""
    aggregate = None
    for event in ledger.events.get(aggregate_id):
        if event.timestamp <= instant:  # type: ignore[attr-defined]
            aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


def _commands(workers: int, employers: int, locations: int) -> st.SearchStrategy[tuple[Any, ...]]:
    where = st.one_of(st.none(), st.just("outside"), st.integers(0, locations - 1))
    return st.one_of(
        st.tuples(st.just("transfer"), st.integers(0, workers - 1), st.integers(0, employers - 1), TRANSFER_DAYS),
        st.tuples(st.just("move"), st.integers(0, workers - 1), where, DAYS),
    )


def _apply(
    ledger: Ledger, command: tuple[Any, ...], workers: list[UUID], employers: list[UUID], locations: list[UUID]
) -> None:
    if command[0] == "transfer":
        _, w, e, day = command
        ledger.transfer_worker(workers[w], employer_id=employers[e], valid_from=day)
    else:
        _, w, where, day = command
        outside = where == "outside"
        location = None if where is None or outside else locations[where]
        ledger.change_housing(workers[w], housing_location_id=location, valid_from=day, outside_municipality=outside)


def _employers(ledger: Ledger, first: UUID) -> list[UUID]:
    return [
        first,
        *(ledger.register_employer(kvk_number=a_kvk_number(), name="Uitzendbureau B.V.").id for _ in range(2)),
    ]


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_headcounts_per_employer_equal_a_naive_fold_over_the_events(ledger: Ledger, data: st.DataObject) -> None:
    world = a_world(ledger)
    employers = _employers(ledger, world.employer_id)
    locations = [world.location_id, world.other_location_id]
    workers = [register_worker(ledger, world) for _ in range(3)]
    instants = [datetime.now().astimezone()]
    for command in data.draw(st.lists(_commands(len(workers), len(employers), len(locations)), max_size=10)):
        _apply(ledger, command, workers, employers, locations)
        instants.append(datetime.now().astimezone())
    ViewRunner(ledger, ResidenceProjection(view=ResidenceView(ledger.database.engine))).catch_up()

    for _ in range(5):
        instant, day = data.draw(st.sampled_from(instants)), data.draw(DAYS)
        folded: dict[UUID, Worker] = {w: _fold(ledger, w, instant) for w in workers}
        expected: dict[str, int] = {}
        for worker in folded.values():
            if worker.housing_on(day) is not None:
                key = worker.employer_on(day).hex
                expected[key] = expected.get(key, 0) + 1
        counts = headcounts(ledger.database.engine, group_by=GroupBy.EMPLOYER, on=day, as_known_at=instant)
        assert {k: v for k, v in counts.groups.items() if k in {e.hex for e in employers}} == expected
        for employer in employers:
            own = headcounts(
                ledger.database.engine,
                group_by=GroupBy.HOUSING_LOCATION,
                on=day,
                as_known_at=instant,
                employer_id=employer,
            )
            assert own.total == expected.get(employer.hex, 0)


def _busy_history(ledger: Ledger) -> None:
    world = a_world(ledger)
    employers = _employers(ledger, world.employer_id)
    mover, commuter, corrected = (register_worker(ledger, world) for _ in range(3))
    ledger.transfer_worker(mover, employer_id=employers[1], valid_from=date(2026, 5, 1))
    ledger.change_housing(mover, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 10))
    ledger.transfer_worker(mover, employer_id=employers[2], valid_from=date(2026, 6, 1))
    ledger.change_housing(commuter, housing_location_id=None, valid_from=date(2026, 5, 1), outside_municipality=True)
    ledger.transfer_worker(commuter, employer_id=employers[1], valid_from=date(2026, 5, 20))
    ledger.change_housing(commuter, housing_location_id=world.location_id, valid_from=date(2026, 6, 1))
    ledger.transfer_worker(corrected, employer_id=employers[1], valid_from=date(2026, 6, 1))
    ledger.transfer_worker(corrected, employer_id=employers[2], valid_from=date(2026, 5, 1))  # back-dated before it
    ledger.record_departure(corrected, departed_on=date(2026, 6, 10))


def _views(ledger: Ledger) -> list[tuple[Any, Any]]:
    engine = ledger.database.engine
    return [
        (ResidenceProjection, ResidenceView(engine)),
        (RegisterProjection, RegisterView(engine, ledger.keys)),
        (AlertsProjection, AlertsView(engine, ledger.keys, ledger.settings)),
    ]


@pytest.mark.parametrize("page_size", [2, 3, 5, 1000])
def test_the_views_built_a_page_at_a_time_equal_the_views_built_event_by_event(ledger: Ledger, page_size: int) -> None:
    _busy_history(ledger)
    for projection, view in _views(ledger):
        ViewRunner(ledger, projection(view=view), page_size=1).rebuild()
        one_by_one = view_rows(view)

        ViewRunner(ledger, projection(view=view), page_size=page_size).rebuild()

        assert view_rows(view) == one_by_one, view.name
