"""The nightly retention job when the database is unavailable: retried with backoff, never the scheduler's end.

The job runs in `ledger scheduler` (and in `ledger serve` on the embedded
default). A database that is down at 02:30 must not cost the night's run if it
comes back within the hour, and a run that fails for good is logged by the
error's type only and leaves the scheduler waiting for the next night.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy.exc import OperationalError
from structlog.testing import capture_logs

from jobs import scheduler as nightly
from jobs.scheduler import nightly_retention, retention_trigger
from ledger.application.service import Ledger
from ledger.settings import Settings
from tests.integration.postgres_cluster import free_port

BOUND_S = 30.0


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nightly, "NIGHTLY_RETRY_FIRST_WAIT_S", 0.01, raising=False)
    monkeypatch.setattr(nightly, "NIGHTLY_RETRY_FOR_S", 0.5, raising=False)


@pytest.mark.usefixtures("quick_retries")
def test_a_nightly_run_retries_while_the_database_is_unavailable_then_runs(
    migrated: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = nightly.open_ledger
    calls = 0

    def unavailable_twice(settings: Settings) -> AbstractContextManager[Ledger]:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise OperationalError("SELECT 1", {}, psycopg.OperationalError("connection refused"))
        return opened(settings)

    monkeypatch.setattr(nightly, "open_ledger", unavailable_twice)

    with capture_logs() as logs:
        nightly_retention(migrated)

    assert calls == 3
    retries = [e for e in logs if e["event"] == "nightly_retention_retrying"]
    assert [(e["attempt"], e["error_type"]) for e in retries] == [(1, "OperationalError"), (2, "OperationalError")]
    assert all(set(e) == {"event", "log_level", "attempt", "retry_in_s", "error_type"} for e in retries), retries
    assert [e["event"] for e in logs].count("retention_run") == 1


@pytest.mark.usefixtures("quick_retries")
def test_a_nightly_run_that_never_reaches_the_database_leaves_the_scheduler_running(tmp_path: Any) -> None:
    nowhere = Settings(data_dir=tmp_path, database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/x")
    outcomes: list[JobExecutionEvent] = []
    ran = threading.Event()

    def record(event: JobExecutionEvent) -> None:
        outcomes.append(event)
        ran.set()

    scheduler = BackgroundScheduler(timezone=nowhere.timezone)
    scheduler.add_listener(record, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.add_job(nightly_retention, retention_trigger(nowhere), args=[nowhere], id="retention")
    scheduler.add_job(nightly_retention, DateTrigger(run_date=datetime.now(UTC)), args=[nowhere], id="now")
    with capture_logs() as logs:
        scheduler.start()
        try:
            assert ran.wait(BOUND_S), "the job did not run"
            assert scheduler.running
            assert scheduler.get_job("retention") is not None
        finally:
            scheduler.shutdown(wait=True)

    assert [(o.job_id, o.exception) for o in outcomes] == [("now", None)]
    failed = [e for e in logs if e["event"] == "nightly_retention_failed"]
    assert len(failed) == 1
    assert set(failed[0]) == {"event", "log_level", "attempts", "error_type"}
