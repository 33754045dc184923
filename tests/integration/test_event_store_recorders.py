"""The library's own recorder test cases, run against our recorders on SQLite and PostgreSQL.

Our recorders are the library's with two additions — `synchronous=FULL` on
SQLite, and on both an audit link written in the events' own transaction — so
they must pass what the library's own recorders pass.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.tests.persistence import ApplicationRecorderTestCase
from sqlalchemy import create_engine, func, select

from ledger.audit.chain import audit_links, metadata
from ledger.eventstore.postgres_store import ChainedPostgresFactory
from ledger.eventstore.sqlite_store import DurableSQLiteFactory
from tests.conftest import PostgresDatabase


def _join_library_threads(before: set[threading.Thread]) -> None:
    # The library's concurrency test signals its reader threads to stop but does
    # not join them; closing connections under them would crash the driver. Only
    # the threads started since `before` are joined: a thread another test left
    # running in this worker would otherwise cost each test here its timeout.
    for thread in set(threading.enumerate()) - before:
        if not thread.daemon:
            thread.join(timeout=10)


class TestChainedSQLiteApplicationRecorder(ApplicationRecorderTestCase[ApplicationRecorder]):
    # Timing only, no assertion: speed is measured in bench/, not in the test suite.
    test_performance = None  # type: ignore[assignment]

    def setUp(self) -> None:
        self._threads = set(threading.enumerate())
        self._directory = tempfile.TemporaryDirectory()
        path = Path(self._directory.name) / "events.db"
        self.engine = create_engine(f"sqlite:///{path}")
        metadata.create_all(self.engine)
        self.factory = DurableSQLiteFactory({"SQLITE_DBNAME": str(path)})

    def tearDown(self) -> None:
        _join_library_threads(self._threads)
        self.factory.close()
        self.engine.dispose()
        self._directory.cleanup()

    def create_recorder(self) -> ApplicationRecorder:
        return self.factory.application_recorder()

    def test_pragmas_are_durable(self) -> None:
        self.create_recorder()
        with self.factory.datastore.transaction(commit=False) as cursor:
            cursor.execute("PRAGMA synchronous")
            self.assertEqual(cursor.fetchone()[0], 2)
            cursor.execute("PRAGMA journal_mode")
            self.assertEqual(cursor.fetchone()[0], "wal")

    def test_every_stored_event_has_its_link(self) -> None:
        self.test_insert_select()
        recorder = self.create_recorder()
        with self.engine.connect() as conn:
            linked = conn.execute(select(func.count()).select_from(audit_links)).scalar_one()
        self.assertEqual(linked, recorder.max_notification_id())


class TestChainedPostgresApplicationRecorder(ApplicationRecorderTestCase[ApplicationRecorder]):
    test_performance = None  # type: ignore[assignment]

    def setUp(self) -> None:
        self._threads = set(threading.enumerate())
        self.database = PostgresDatabase()
        self.database.create()
        self.engine = create_engine(self.database.url.replace("postgresql://", "postgresql+psycopg://"))
        metadata.create_all(self.engine)
        host_port = self.database.url.split("@", 1)[1].split("/", 1)[0]
        host, port = host_port.split(":")
        self.factory = ChainedPostgresFactory(
            {
                "POSTGRES_DBNAME": self.database.name,
                "POSTGRES_HOST": host,
                "POSTGRES_PORT": port,
                "POSTGRES_USER": "postgres",
                "POSTGRES_PASSWORD": "",
            }
        )

    def tearDown(self) -> None:
        _join_library_threads(self._threads)
        self.factory.close()
        self.engine.dispose()
        self.database.discard()

    def create_recorder(self) -> ApplicationRecorder:
        return self.factory.application_recorder()

    def test_every_stored_event_has_its_link(self) -> None:
        self.test_insert_select()
        recorder = self.create_recorder()
        with self.engine.connect() as conn:
            linked = conn.execute(select(func.count()).select_from(audit_links)).scalar_one()
            last = conn.execute(select(func.max(audit_links.c.position))).scalar_one()
        self.assertEqual(last, recorder.max_notification_id())
        self.assertGreater(linked, 0)
