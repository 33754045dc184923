"""The projection runner when the database goes away: it waits, reconnects with backoff, and resumes.

Whatever a round of the runner asks the database — its view locks, a view's
stop, the log — may fail while the server restarts; the runner must neither
die nor skip anything, and once the database answers it catches up by itself.
A view lock whose session the server ended is no longer held, and the runner
must not go on believing it is (another runner may have taken it). The real
restart under load is tests/integration/test_database_outage.py.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import psycopg
import pytest
from sqlalchemy.exc import OperationalError
from structlog.testing import capture_logs

from ledger.application.core import Receipt
from ledger.application.service import Ledger
from ledger.settings import Settings
from projections.consistency import verify_views
from projections.coordination import view_lock, wakeup_for
from projections.follower import LogFollower
from projections.registry import build_view_runners
from projections.runner import ViewRunner
from tests.background import running_in_background
from tests.conftest import POSTGRES_ADMIN_URL
from tests.factories import World, a_person, a_world, an_employment
from tests.integration.postgres_cluster import free_port

BOUND_S = 30.0


def register(ledger: Ledger, world: World) -> Receipt:
    return ledger.register_worker(
        employer_id=world.employer_id,
        person=a_person(),
        employment=an_employment(),
        housing_location_id=world.location_id,
        housing_valid_from=date(2026, 4, 1),
    )


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BOUND_S
    while not condition():
        assert time.monotonic() < deadline, f"not within {BOUND_S} s: {what}"
        time.sleep(0.02)


def at(runners: list[ViewRunner], position: int) -> bool:
    return all(r.position() >= position for r in runners)


def test_a_runner_rides_out_database_errors_anywhere_in_its_round_and_catches_up(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = a_world(ledger)
    runners = build_view_runners(ledger)
    runner = LogFollower(ledger, runners, poll_interval=0.05)
    outage = threading.Event()

    def failing(method: Callable[..., Any], error: Callable[[], Exception]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if outage.is_set():
                raise error()
            return method(*args, **kwargs)

        return call

    def session_gone() -> Exception:
        return psycopg.OperationalError("server closed the connection unexpectedly")

    def query_failed() -> Exception:
        return OperationalError("SELECT", {}, ConnectionError("server closed the connection unexpectedly"))

    for view_runner in runners:
        lock = runner.locks[view_runner.name]
        monkeypatch.setattr(lock, "acquire", failing(lock.acquire, session_gone))
        monkeypatch.setattr(view_runner.view, "stopped", failing(view_runner.view.stopped, query_failed))

    with capture_logs() as logs, running_in_background(runner):
        first = register(ledger, world)
        wait_until(lambda: at(runners, first.position), "the first write projected")

        outage.set()
        during = register(ledger, world)  # the writer's own connections still work
        wait_until(lambda: sum(e["event"] == "database_unavailable" for e in logs) >= 3, "three reconnect attempts")
        outage.clear()

        wait_until(lambda: at(runners, during.position), "the write made during the outage projected")

    attempts = [e for e in logs if e["event"] == "database_unavailable"]
    # One line per attempt (not per view), the error's type only, and waits that grow.
    assert [e["attempt"] for e in attempts[:3]] == [1, 2, 3]
    assert {e["error_type"] for e in attempts} <= {"OperationalError"}
    assert all(set(e) == {"event", "log_level", "attempt", "retry_in_s", "error_type"} for e in attempts), attempts
    assert attempts[2]["retry_in_s"] > attempts[0]["retry_in_s"]
    assert any(e["event"] == "database_reconnected" for e in logs)


def test_a_runner_whose_database_fails_at_random_calls_survives_and_its_views_equal_a_rebuild(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every call the runner makes to the database fails now and then (seeded): wherever it fails, it goes on."""
    world = a_world(ledger)
    runner = LogFollower(ledger, build_view_runners(ledger), poll_interval=0.01)
    observed = build_view_runners(ledger)  # the test's own views: their calls never fail
    chaos = threading.Event()
    dice = random.Random(20)
    failures = 0

    def flaky(method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            nonlocal failures
            if chaos.is_set() and dice.random() < 0.05:
                failures += 1
                raise OperationalError("SELECT", {}, ConnectionError("server closed the connection unexpectedly"))
            return method(*args, **kwargs)

        return call

    monkeypatch.setattr(ledger.recorder, "select_notifications", flaky(ledger.recorder.select_notifications))
    monkeypatch.setattr(ledger.recorder, "max_notification_id", flaky(ledger.recorder.max_notification_id))
    for view_runner in runner.runners:
        lock, view = runner.locks[view_runner.name], view_runner.view
        monkeypatch.setattr(lock, "acquire", flaky(lock.acquire))
        for name in ("stopped", "clear_stopped", "max_tracking_id", "transaction"):
            monkeypatch.setattr(view, name, flaky(getattr(view, name)))
    monkeypatch.setattr("projections.follower.RECONNECT_MAX_WAIT_S", 0.2)  # many rounds in little time

    with running_in_background(runner):
        chaos.set()
        deadline = time.monotonic() + BOUND_S
        while failures < 40:
            assert time.monotonic() < deadline, f"only {failures} failures in {BOUND_S} s: has the runner died?"
            last = register(ledger, world)  # a write between rounds: the runner has news to process
        chaos.clear()
        wait_until(lambda: at(observed, last.position), "every write projected once the failures end")

    assert [s.stopped for s in (r.status() for r in observed)] == [False] * len(observed)
    checks = verify_views(ledger)
    assert all(check.ok for check in checks), [c for c in checks if not c.ok]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_view_lock_whose_session_the_server_ended_is_no_longer_held(ledger: Ledger) -> None:
    first, second = view_lock(ledger.settings, "residence"), view_lock(ledger.settings, "residence")
    try:
        assert first.acquire()
        with psycopg.connect(ledger.settings.database_url or "", autocommit=True) as admin:
            ended = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory')"
            ).fetchall()
        assert ended == [(True,)]
        wait_until(second.acquire, "the ended session's lock freed")

        assert not first.acquire(), "the lock of an ended session is believed held while another holds it"
        first.release()  # on a connection the server closed: no error
        second.release()
        assert first.acquire()
    finally:
        first.release()
        second.release()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_listening_starts_without_the_server_and_resumes_after_the_connection_is_lost(ledger: Ledger) -> None:
    channel = getattr(ledger.recorder, "channel_name", None)
    stop = threading.Event()
    nowhere = Settings(
        data_dir=ledger.settings.data_dir, database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/x"
    )
    unreachable = wakeup_for(nowhere, channel, stop, poll_interval=0.05)
    try:
        started = time.monotonic()
        assert not unreachable.wait(timeout=0.2)
        assert time.monotonic() - started < 5
    finally:
        unreachable.close()

    wakeup = wakeup_for(ledger.settings, channel, stop, poll_interval=0.05)
    try:
        assert not wakeup.wait(timeout=0.1)
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND query ILIKE 'LISTEN%%'",
                (ledger.settings.url.database,),
            )
        assert not wakeup.wait(timeout=0.2)  # notices the loss
        assert not wakeup.wait(timeout=0.2)  # listens again
        a_world(ledger)
        assert wakeup.wait(timeout=BOUND_S)
    finally:
        wakeup.close()
