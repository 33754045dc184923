"""The views are proper eventsourcing `TrackingRecorder`s: the library's own test case, on both backends.

unittest classes cannot use the pytest fixtures, so each test makes its own
database (a SQLite file in a temporary directory, or a throw-away PostgreSQL
database) and migrates it.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path

from eventsourcing.persistence import TrackingRecorder

# The module, not the class: a TestCase class imported by name would be collected on its own.
from eventsourcing.tests import persistence
from sqlalchemy import Engine

from ledger.crypto.keystore import KeyStore
from ledger.persistence.migrations import upgrade
from ledger.settings import Settings
from ledger.system import open_keystore
from projections.register import RegisterView
from projections.residence import ResidenceView
from tests.conftest import PostgresDatabase


class _Database:
    """Gives each test a migrated database of its own."""

    keys: KeyStore
    _directory: tempfile.TemporaryDirectory[str]

    def database_url(self) -> str | None:
        """None: the embedded SQLite default."""
        return None

    def drop_database(self) -> None:
        return None

    def setUp(self) -> None:
        self._directory = tempfile.TemporaryDirectory()
        try:
            settings = Settings(data_dir=Path(self._directory.name) / "var", database_url=self.database_url())
            self._opened = ExitStack()
            self.keys = self._opened.enter_context(open_keystore(settings))
            upgrade(self.engine, self.keys.database.key_engine)
        except BaseException:
            self.tearDown()  # unittest skips tearDown when setUp fails
            raise

    def tearDown(self) -> None:
        if hasattr(self, "_opened"):
            self._opened.close()
        self.drop_database()
        self._directory.cleanup()

    @property
    def engine(self) -> Engine:
        return self.keys.database.engine


class _PostgreSQL(_Database):
    _database: PostgresDatabase

    def database_url(self) -> str | None:
        self._database = PostgresDatabase()
        self._database.create()
        return self._database.url

    def drop_database(self) -> None:
        if hasattr(self, "_database"):
            self._database.discard()


class TestResidenceViewOnSQLite(_Database, persistence.TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        return ResidenceView(self.engine)


class TestResidenceViewOnPostgreSQL(_PostgreSQL, persistence.TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        return ResidenceView(self.engine)


class TestRegisterViewOnSQLite(_Database, persistence.TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        return RegisterView(self.engine, self.keys)


class TestRegisterViewOnPostgreSQL(_PostgreSQL, persistence.TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        return RegisterView(self.engine, self.keys)
