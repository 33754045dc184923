"""`/readyz`: ready only when the database answers, a runner follows every view and none is far behind.

Behind is measured in time — since the oldest event a view has not processed —
not in events: a burst of fresh writes is no reason to take every instance
out of service, a view that has not moved for longer than the setting is. A
runner that died is seen by its view lock, held by nobody (no write needed).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.application.service import Ledger
from ledger.domain.employer import Employer
from ledger.settings import Settings
from ledger.system import open_ledger
from projections.coordination import view_lock
from projections.follower import LogFollower
from projections.registry import build_view_runners
from tests.background import running_in_background
from tests.conftest import fixed_clock

BOUND_S = 30.0


@contextmanager
def serving(settings: Settings, **overrides: Any) -> Iterator[TestClient]:
    """The app on `settings`, without a projection runner of its own (as `ledger serve` on PostgreSQL)."""
    app = create_app(settings.model_copy(update={"api_run_projections": False, **overrides}), clock=fixed_clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@contextmanager
def opened(settings: Settings) -> Iterator[Ledger]:
    with open_ledger(settings, clock=fixed_clock) as ledger:
        yield ledger


@contextmanager
def stuck_runner(ledger: Ledger) -> Iterator[None]:
    """Every view's lock held by a 'runner' that processes nothing."""
    with ExitStack() as stack:
        for runner in build_view_runners(ledger):
            lock = view_lock(ledger.settings, runner.name)
            assert lock.acquire()
            stack.callback(lock.release)
        yield


def readiness(client: TestClient) -> tuple[int, dict[str, Any]]:
    answer = client.get("/readyz")
    body: dict[str, Any] = answer.json()
    return answer.status_code, body


def wait_for_readiness(client: TestClient, status: int) -> dict[str, Any]:
    deadline = time.monotonic() + BOUND_S
    while True:
        answered, body = readiness(client)
        if answered == status:
            return body
        assert time.monotonic() < deadline, f"readyz did not answer {status}: {answered} {body}"
        time.sleep(0.05)


def fresh_employers(ledger: Ledger, count: int) -> None:
    """`count` events in one transaction: a burst of writes."""
    ledger.save(
        *(Employer.register(kvk_number=f"{70_000_000 + n:08d}", name=f"Uitzendbureau {n}") for n in range(count))
    )


def test_not_ready_while_no_runner_follows_the_views_and_ready_once_one_does(migrated: Settings) -> None:
    with serving(migrated) as client, opened(migrated) as ledger:
        status, body = readiness(client)
        assert status == 503
        views = body["checks"]["projections"]
        assert views and all(view["runner"] is False for view in views.values())

        runner = LogFollower(ledger, build_view_runners(ledger), poll_interval=0.05)
        with running_in_background(runner):
            body = wait_for_readiness(client, 200)
            assert all(view["runner"] is True for view in body["checks"]["projections"].values())

        # The runner stopped: its locks are free, and nothing written since is needed to notice.
        wait_for_readiness(client, 503)


def test_a_burst_of_fresh_events_keeps_an_instance_ready(migrated: Settings) -> None:
    with serving(migrated) as client, opened(migrated) as ledger, stuck_runner(ledger):
        fresh_employers(ledger, 1500)

        status, body = readiness(client)

        assert status == 200, body
        views = body["checks"]["projections"]
        assert all(view["lag"] >= 1500 and view["lagSeconds"] < 30 for view in views.values()), views


def test_not_ready_once_the_oldest_unprocessed_event_is_older_than_the_setting(migrated: Settings) -> None:
    with serving(migrated, ready_max_lag_s=1.0) as client, opened(migrated) as ledger, stuck_runner(ledger):
        assert readiness(client)[0] == 200
        fresh_employers(ledger, 1)

        body = wait_for_readiness(client, 503)

        views = body["checks"]["projections"]
        # Not ready once a lag exceeds the setting; the answer rounds it to milliseconds (1.0004 s reads 1.0).
        assert all(view["lag"] == 1 and view["lagSeconds"] >= 1.0 for view in views.values()), views


@pytest.mark.parametrize("backend", ["postgresql"])
def test_readyz_answers_within_a_second_when_the_database_does_not(migrated: Settings) -> None:
    with serving(migrated) as client, opened(migrated) as ledger:
        runner = LogFollower(ledger, build_view_runners(ledger), poll_interval=0.05)
        with running_in_background(runner):
            wait_for_readiness(client, 200)
            # Another session takes the schema table away: every query of the probe now waits on it.
            blocker = psycopg.connect(migrated.database_url or "", autocommit=False)
            try:
                blocker.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
                answers = []
                for _ in range(3):
                    started = time.monotonic()
                    status, body = readiness(client)
                    answers.append((status, round(time.monotonic() - started, 2), body["checks"]["database"]))
                assert all(status == 503 and seconds < 1.5 for status, seconds, _ in answers), answers
            finally:
                blocker.rollback()
                blocker.close()
            wait_for_readiness(client, 200)


def test_the_in_process_runner_counts_and_its_end_is_seen_without_writes(migrated: Settings) -> None:
    """`ledger serve` on the embedded default runs the projections itself: that runner follows the views."""
    settings = migrated.model_copy(update={"api_run_projections": True})
    with TestClient(create_app(settings, clock=fixed_clock), raise_server_exceptions=False) as client:
        body = wait_for_readiness(client, 200)
        assert all(view["runner"] is True for view in body["checks"]["projections"].values())

        services = client.app.state.services  # type: ignore[attr-defined]
        services.background.stop()

        # The runner lets go of its views one at a time: readyz is 503 from the first, so wait for the last.
        deadline = time.monotonic() + BOUND_S
        while True:
            answered, body = readiness(client)
            views = body["checks"]["projections"].values()
            if answered == 503 and all(view["runner"] is False for view in views):
                break
            assert time.monotonic() < deadline, f"the runner still holds a view: {answered} {body}"
            time.sleep(0.05)
