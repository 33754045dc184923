"""The projection runner: catch up, follow, one runner per view, stop at a broken event, rebuild."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from demo import run_demo
from ledger.application.core import Receipt
from ledger.application.service import Ledger
from ledger.domain.worker import Worker
from projections.coordination import view_lock, wakeup_for
from projections.follower import LogFollower
from projections.projection import handles
from projections.registry import build_view_runners
from projections.residence import (
    ResidencePage,
    ResidenceProjection,
    ResidenceView,
    residence_history,
    residence_workers,
)
from projections.runner import ViewRunner, ViewStoppedError
from tests.background import running_in_background
from tests.factories import World, a_person, a_world, an_employment
from tests.integration.view_contents import view_rows


class HandlerBroke(Exception):
    """What the broken handler raises."""


class BreaksAt(ResidenceProjection):
    """The residence projection, with a housing handler that fails on the event at one position."""

    def __init__(
        self, view: ResidenceView, broken_at: int, error: Exception | None = None, times: int | None = None
    ) -> None:
        super().__init__(view=view)
        self.broken_at = broken_at
        self.error = error or HandlerBroke()
        self.failures_left = times  # None: every time

    @handles(Worker.HousingAddressChanged)
    def housing_changed(self, page: ResidencePage, event: Worker.HousingAddressChanged, position: int) -> None:
        if position == self.broken_at and self.failures_left != 0:
            if self.failures_left is not None:
                self.failures_left -= 1
            raise self.error
        super().housing_changed(page, event, position)


def register(ledger: Ledger, world: World) -> Receipt:
    return ledger.register_worker(
        employer_id=world.employer_id,
        person=a_person(),
        employment=an_employment(),
        housing_location_id=world.location_id,
        housing_valid_from=date(2026, 4, 1),
    )


def residence_runner(ledger: Ledger, *, broken_at: int | None = None, **breakage: Any) -> ViewRunner:
    view = ResidenceView(ledger.database.engine)
    projection = ResidenceProjection(view=view) if broken_at is None else BreaksAt(view, broken_at, **breakage)
    return ViewRunner(ledger, projection)


def named(runners: list[ViewRunner], name: str) -> ViewRunner:
    return next(r for r in runners if r.name == name)


def head(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


def workers_in_view(ledger: Ledger) -> set[str]:
    with ledger.database.engine.connect() as conn:
        return set(conn.execute(select(residence_workers.c.worker_id)).scalars())


def believed_locations(ledger: Ledger, worker: Receipt) -> set[str]:
    with ledger.database.engine.connect() as conn:
        rows = conn.execute(
            select(residence_history.c.housing_location_id).where(
                (residence_history.c.worker_id == worker.id.hex) & residence_history.c.recorded_to.is_(None)
            )
        )
        return set(rows.scalars())


# -- catching up and following --------------------------------------------------------


def test_catch_up_brings_every_view_to_the_head_of_the_log(ledger: Ledger) -> None:
    run_demo(ledger, workers=30, seed=11)
    runners = build_view_runners(ledger)
    for view_runner in runners:
        view_runner.page_size = 7  # many pages
    runner = LogFollower(ledger, runners)
    try:
        processed = runner.run_once()
    finally:
        runner.release_locks()

    assert processed == len(runners) * len(ledger.recorder.select_notifications(start=1, limit=100_000))
    assert {r.name: r.position() for r in runners} == {r.name: head(ledger) for r in runners}
    assert [(s.lag, s.stopped) for s in (r.status() for r in runners)] == [(0, False)] * len(runners)


def test_a_following_runner_lets_a_writer_read_its_own_writes(ledger: Ledger) -> None:
    world = a_world(ledger)
    runners = build_view_runners(ledger)
    residence = named(runners, "residence")

    with running_in_background(LogFollower(ledger, runners, poll_interval=0.05)):
        worker = register(ledger, world)
        residence.wait(worker.position, timeout=10)
        assert worker.id.hex in workers_in_view(ledger)

        # Written once the runner is idle: it must be woken (NOTIFY) or look again (polling).
        moved = ledger.change_housing(
            worker.id, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1)
        )
        residence.wait(moved.position, timeout=10)
        assert believed_locations(ledger, worker) == {world.location_id.hex, world.other_location_id.hex}

    released = view_lock(ledger.settings, "residence")
    assert released.acquire()
    released.release()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_an_insert_wakes_a_runner_listening_on_postgresql(ledger: Ledger) -> None:
    stop = threading.Event()
    wakeup = wakeup_for(ledger.settings, getattr(ledger.recorder, "channel_name", None), stop, poll_interval=0.05)
    try:
        a_world(ledger)
        assert wakeup.wait(timeout=30)

        stop.set()
        assert not wakeup.wait(timeout=30)
    finally:
        wakeup.close()


# -- one runner per view ------------------------------------------------------------------


def test_a_view_lock_is_held_by_one_holder_at_a_time(ledger: Ledger) -> None:
    first = view_lock(ledger.settings, "residence")
    second = view_lock(ledger.settings, "residence")
    another_view = view_lock(ledger.settings, "another")
    try:
        assert first.acquire()
        assert first.acquire()  # its holder may ask again
        assert not second.acquire()
        assert another_view.acquire()

        first.release()
        assert second.acquire()
        assert not first.acquire()
    finally:
        for lock in (first, second, another_view):
            lock.release()


def test_a_runner_leaves_a_view_locked_by_another_runner_alone(ledger: Ledger) -> None:
    a_world(ledger)
    residence = residence_runner(ledger)
    elsewhere = view_lock(ledger.settings, "residence")
    runner = LogFollower(ledger, [residence])
    try:
        assert elsewhere.acquire()
        assert runner.run_once() == 0
        assert residence.position() == 0

        elsewhere.release()
        assert runner.run_once() > 0
        assert residence.position() == head(ledger)
        assert not elsewhere.acquire()
    finally:
        runner.release_locks()
        elsewhere.release()


# -- an event that cannot be processed ---------------------------------------------------------


def test_a_failing_handler_stops_the_view_at_that_event_keeping_the_ones_before(ledger: Ledger) -> None:
    world = a_world(ledger)
    first, second = register(ledger, world), register(ledger, world)
    moved = ledger.change_housing(first.id, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
    third = register(ledger, world)
    runner = residence_runner(ledger, broken_at=moved.position)

    with pytest.raises(ViewStoppedError) as stopped:
        runner.catch_up()

    assert (stopped.value.position, stopped.value.error_type) == (moved.position, "HandlerBroke")
    assert runner.position() == second.position
    assert workers_in_view(ledger) == {first.id.hex, second.id.hex}
    assert third.id.hex not in workers_in_view(ledger)
    assert believed_locations(ledger, first) == {world.location_id.hex}
    status = runner.status()
    assert (status.stopped, status.stopped_at, status.error_type) == (True, moved.position, "HandlerBroke")
    assert status.lag == third.position - second.position


def test_a_stopped_view_stays_stopped_until_a_restart_retries_it(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = register(ledger, world)
    moved = ledger.change_housing(worker.id, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
    later = register(ledger, world)

    broken = LogFollower(ledger, [residence_runner(ledger, broken_at=moved.position)])
    try:
        broken.run_once()
        later_again = register(ledger, world)
        assert broken.run_once() == 0
    finally:
        broken.release_locks()
    assert residence_runner(ledger).status().stopped_at == moved.position

    fixed = residence_runner(ledger)
    restarted = LogFollower(ledger, [fixed])
    try:
        restarted.run_once()
    finally:
        restarted.release_locks()
    status = fixed.status()
    assert (status.stopped, status.position, status.lag) == (False, later_again.position, 0)
    assert {later.id.hex, later_again.id.hex} <= workers_in_view(ledger)
    assert believed_locations(ledger, worker) == {world.location_id.hex, world.other_location_id.hex}


def test_a_database_error_interrupts_a_view_without_stopping_it(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = register(ledger, world)
    moved = ledger.change_housing(worker.id, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
    gone = OperationalError("INSERT INTO residence_history", {}, ConnectionError("server closed the connection"))
    residence = residence_runner(ledger, broken_at=moved.position, error=gone, times=1)
    runner = LogFollower(ledger, [residence])
    try:
        assert runner.run_once() == 0
        assert (residence.status().stopped, residence.position()) == (False, 0)

        runner.run_once()
    finally:
        runner.release_locks()
    assert (residence.status().stopped, residence.position()) == (False, moved.position)
    assert believed_locations(ledger, worker) == {world.location_id.hex, world.other_location_id.hex}


def test_waiting_for_a_position_beyond_a_stop_fails_at_once(ledger: Ledger) -> None:
    world = a_world(ledger)
    before = register(ledger, world)
    moved = ledger.change_housing(before.id, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
    runner = residence_runner(ledger, broken_at=moved.position)
    with pytest.raises(ViewStoppedError):
        runner.catch_up()

    runner.wait(before.position, timeout=10)
    with pytest.raises(ViewStoppedError) as stopped:
        runner.wait(moved.position, timeout=600)
    assert stopped.value.position == moved.position


def test_an_event_that_does_not_decode_stops_the_view_there(ledger: Ledger) -> None:
    world = a_world(ledger)
    before = head(ledger)
    stray = StoredEvent(originator_id=uuid4(), originator_version=1, topic="ledger.domain.gone:Vanished", state=b"{}")
    ledger.recorder.insert_events([stray])
    register(ledger, world)
    runner = residence_runner(ledger)

    with pytest.raises(ViewStoppedError) as stopped:
        runner.catch_up()

    (undecodable,) = ledger.recorder.select_notifications(start=before + 1, limit=1)
    assert stopped.value.position == undecodable.id
    assert runner.position() == before
    assert runner.status().stopped_at == undecodable.id


# -- rebuild ------------------------------------------------------------------------------------


def test_a_rebuild_gives_every_view_the_rows_of_its_first_build(ledger: Ledger) -> None:
    run_demo(ledger, workers=40, seed=12)
    runners = build_view_runners(ledger)
    for view_runner in runners:
        view_runner.catch_up()
    first_build = {r.name: view_rows(r.view) for r in runners}

    for view_runner in runners:
        view_runner.rebuild()

    assert {r.name: view_rows(r.view) for r in runners} == first_build
    assert {r.name: r.position() for r in runners} == {r.name: head(ledger) for r in runners}
    assert any(rows for contents in first_build.values() for rows in contents.values())
