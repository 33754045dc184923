"""The library's own recorder test cases, run against our durable SQLite factory.

Our factory only swaps the connection pool (for `synchronous=FULL`), but it is
the recorder every SQLite write goes through, so it must pass what the
library's own SQLite recorder passes.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.tests.persistence import ApplicationRecorderTestCase

from ledger.sqlite_store import DurableSQLiteFactory


class TestDurableSQLiteApplicationRecorder(ApplicationRecorderTestCase[ApplicationRecorder]):
    # Timing only, no assertion: speed is measured in bench/, not in the test suite.
    test_performance = None  # type: ignore[assignment]

    def setUp(self) -> None:
        self._directory = tempfile.TemporaryDirectory()
        self.factory = DurableSQLiteFactory({"SQLITE_DBNAME": str(Path(self._directory.name) / "events.db")})

    def tearDown(self) -> None:
        # The library's concurrency test signals its reader threads to stop but
        # does not join them; closing connections under them would crash sqlite3.
        for thread in threading.enumerate():
            if thread is not threading.main_thread():
                thread.join(timeout=10)
        self.factory.close()
        self._directory.cleanup()

    def create_recorder(self) -> ApplicationRecorder:
        return self.factory.application_recorder()

    def test_pragmas_are_durable(self) -> None:
        recorder = self.create_recorder()
        with self.factory.datastore.transaction(commit=False) as cursor:
            cursor.execute("PRAGMA synchronous")
            self.assertEqual(cursor.fetchone()[0], 2)
            cursor.execute("PRAGMA journal_mode")
            self.assertEqual(cursor.fetchone()[0], "wal")
        self.assertIsNotNone(recorder)
