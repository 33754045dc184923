"""The eventsourcing SQLite factory, with the durability our records need.

The library's SQLite recorder switches to WAL but leaves `synchronous` at the
compiled default; a registration that a registrar was told is stored must
survive a power cut, so every connection runs with `synchronous=FULL`.
"""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteFactory
from eventsourcing.utils import Environment, EnvType

# Pragmas every connection to the ledger's SQLite file runs with.
SQLITE_PRAGMAS = ("PRAGMA synchronous=FULL", "PRAGMA secure_delete=ON", "PRAGMA foreign_keys=ON")


class DurableSQLiteConnectionPool(SQLiteConnectionPool):
    """A connection pool whose connections are WAL with synchronous=FULL."""

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        cursor = connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        return connection


class DurableSQLiteFactory(SQLiteFactory):
    """The library's SQLite factory with `DurableSQLiteConnectionPool` connections."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        library_pool = self.datastore.pool
        self.datastore.pool = DurableSQLiteConnectionPool(
            db_name=library_pool.db_name, lock_timeout=library_pool.lock_timeout
        )
        library_pool.close()
