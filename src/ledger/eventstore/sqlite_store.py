"""The eventsourcing SQLite factory, with the durability our records need.

The library's SQLite recorder switches to WAL but leaves `synchronous` at the
compiled default; a registration that a registrar was told is stored must
survive a power cut, so every connection runs with `synchronous=FULL`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType

from ledger.audit.chain import GENESIS, next_link
from ledger.persistence.claims import SQLITE, ClaimWrites, statements
from ledger.persistence.durability import SQLITE_PRAGMAS


class DurableSQLiteConnectionPool(SQLiteConnectionPool):
    """A connection pool whose connections are WAL with synchronous=FULL."""

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        cursor = connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        return connection


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """The library's recorder, extending the audit chain and writing the claims in the events' own transaction.

    SQLite serialises writers, so the last link read here is the one the new
    events follow; an event written around this recorder has no link. The
    claims of the save (`claims=ClaimWrites`, see `ledger.persistence.claims`) follow; one
    that is taken raises `ClaimTaken`, and the transaction rolls back.
    """

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if not ids:
            return ids
        c.execute("SELECT link FROM audit_links ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        link = bytes(row[0]) if row is not None else GENESIS
        links = []
        for notification_id, stored in zip(ids, stored_events, strict=True):
            link = next_link(link, notification_id, *_fields(stored))
            links.append((notification_id, link))
        c.executemany("INSERT INTO audit_links (position, link) VALUES (?, ?)", links)
        writes: ClaimWrites | None = kwargs.get("claims")
        if writes:
            for statement in statements(writes, ids, stored_events, SQLITE):
                try:
                    c.executemany(statement.sql, statement.rows)
                except sqlite3.IntegrityError:
                    if statement.taken is None:
                        raise
                    raise statement.taken from None
        return ids


def _fields(stored: StoredEvent) -> tuple[Any, int, str, bytes]:
    return (stored.originator_id, stored.originator_version, stored.topic, stored.state)


class DurableSQLiteFactory(SQLiteFactory):
    """The library's SQLite factory with `DurableSQLiteConnectionPool` connections and the audit chain."""

    application_recorder_class = ChainedSQLiteApplicationRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        library_pool = self.datastore.pool
        self.datastore.pool = DurableSQLiteConnectionPool(
            db_name=library_pool.db_name, lock_timeout=library_pool.lock_timeout
        )
        library_pool.close()
