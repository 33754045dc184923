"""A write that cannot get the database in time is 503 with `Retry-After`, at once, and leaves nothing behind.

Another writer holds the event store's write lock past the lock timeout: on
SQLite a `BEGIN IMMEDIATE` ("database is locked"), on PostgreSQL the
table lock every insert of events takes. The client is told to come back
(503, `Retry-After`) within about the timeout, not after the library's own
retries; the write was rolled back, so the same request afterwards is the
first registration, not a conflict with a phantom one.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.settings import Settings
from tests.conftest import Api, fixed_clock

LOCK_TIMEOUT_S = 1
# The lock timeout, a pooled connection, and the answer: far below the library's ten attempts.
ANSWERED_WITHIN_S = 4.0
EMPLOYER = {"kvkNumber": "34781256", "name": "Flexwerk West B.V."}


@contextmanager
def write_lock_held(settings: Settings, events_table: str) -> Iterator[None]:
    """Another process's writer holding the event store's write lock."""
    if settings.backend == "sqlite":
        holder = sqlite3.connect(settings.sqlite_path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    with psycopg.connect(settings.database_url or "") as conn:
        conn.execute(f'LOCK TABLE "{events_table}" IN EXCLUSIVE MODE')
        yield
        conn.rollback()


def test_a_write_waiting_past_the_lock_timeout_is_503_with_retry_after_and_not_stored(migrated: Settings) -> None:
    settings = migrated.model_copy(
        update={
            "sqlite_lock_timeout_s": LOCK_TIMEOUT_S,
            "postgres_lock_timeout_s": LOCK_TIMEOUT_S,
            "api_run_projections": False,
        }
    )
    with TestClient(create_app(settings, clock=fixed_clock), raise_server_exceptions=False) as client:
        api = Api(client, settings)
        events_table = str(api.services.ledger.recorder.events_table_name)  # type: ignore[attr-defined]
        registrar = api.auth("registrar")

        with write_lock_held(settings, events_table):
            started = time.monotonic()
            refused = client.post("/api/v1/employers", json=EMPLOYER, headers=registrar)
            took = time.monotonic() - started

        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["status"] == 503
        assert took < ANSWERED_WITHIN_S, f"answered after {took:.1f} s"

        stored = client.post("/api/v1/employers", json=EMPLOYER, headers=registrar)
        assert stored.status_code == 201, stored.text
