"""The baselines' hand-written SQL: what the same durable work costs with no framework in the way.

`RawEvents` appends stored-event rows in the shape the eventsourcing library
uses — on PostgreSQL `LOCK TABLE … IN EXCLUSIVE MODE; NOTIFY; INSERT …
RETURNING notification_id`, on SQLite `BEGIN IMMEDIATE; INSERT` — plus, as our
recorders do, the audit link of each row in the same transaction, then
commits. It writes to tables of its own beside the ledger's (same database,
same pragmas, same row bytes), so the ledger's log and chain stay intact.
Statements are sent one by one (the library pipelines its lock and insert, so
if anything the baseline is the slower); a batch is one `executemany`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification, StoredEvent

from ledger.audit.chain import GENESIS, next_link
from ledger.persistence.durability import SQLITE_PRAGMAS
from ledger.settings import Settings

Row = tuple[Any, int, str, bytes]

_PG_TABLES = (
    "CREATE TABLE IF NOT EXISTS bench_raw_events (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
    " topic text, state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))",
    "CREATE UNIQUE INDEX IF NOT EXISTS bench_raw_events_id ON bench_raw_events (notification_id)",
    "CREATE TABLE IF NOT EXISTS bench_raw_links (position bigint PRIMARY KEY, link bytea NOT NULL)",
)
_SQLITE_TABLES = (
    "CREATE TABLE IF NOT EXISTS bench_raw_events (originator_id TEXT, originator_version INTEGER, topic TEXT,"
    " state BLOB, PRIMARY KEY (originator_id, originator_version))",
    "CREATE TABLE IF NOT EXISTS bench_raw_links (position INTEGER PRIMARY KEY, link BLOB NOT NULL)",
)


def rows_of(events: Sequence[Notification | StoredEvent]) -> list[Row]:
    """The stored bytes of events, as rows to insert."""
    return [(e.originator_id, e.originator_version, e.topic, bytes(e.state)) for e in events]


def sqlite_connect(path: str) -> sqlite3.Connection:
    """A sqlite3 connection with the ledger's pragmas, in autocommit mode (explicit BEGIN/COMMIT)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    return conn


class RawEvents:
    """Appends rows, one transaction per call, in the library's locked shape plus our audit link."""

    def __init__(self, settings: Settings) -> None:
        self.backend = settings.backend
        if self.backend == "postgresql":
            self.pg = psycopg.connect(settings.url.render_as_string(hide_password=False), autocommit=True)
            for statement in _PG_TABLES:
                self.pg.execute(statement)
        else:
            self.lite = sqlite_connect(str(settings.sqlite_path))
            for statement in _SQLITE_TABLES:
                self.lite.execute(statement)

    def append(self, rows: Sequence[Row]) -> list[int]:
        """Insert `rows` (and their links) in one committed transaction; their positions."""
        return self._append_pg(rows) if self.backend == "postgresql" else self._append_sqlite(rows)

    def _append_pg(self, rows: Sequence[Row]) -> list[int]:
        insert = (
            "INSERT INTO bench_raw_events (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"
        )
        params = [(UUID(str(o)), v, t, s) for o, v, t, s in rows]
        with self.pg.transaction(), self.pg.cursor() as cur:
            cur.execute("SET LOCAL lock_timeout = '5s'")
            cur.execute("LOCK TABLE bench_raw_events IN EXCLUSIVE MODE")
            cur.execute("NOTIFY bench_raw_events")
            if len(params) == 1:
                ids = [_first(cur.execute(insert + " RETURNING notification_id", params[0]).fetchone())]
            else:
                cur.executemany(insert + " RETURNING notification_id", params, returning=True)
                ids = []
                while True:
                    ids.append(_first(cur.fetchone()))
                    if not cur.nextset():
                        break
            previous = cur.execute("SELECT link FROM bench_raw_links ORDER BY position DESC LIMIT 1").fetchone()
            cur.executemany("INSERT INTO bench_raw_links (position, link) VALUES (%s, %s)", _links(previous, ids, rows))
        return ids

    def _append_sqlite(self, rows: Sequence[Row]) -> list[int]:
        conn = self.lite
        params = [(_hex(o), v, t, s) for o, v, t, s in rows]
        conn.execute("BEGIN IMMEDIATE")
        try:
            if len(params) == 1:
                ids = [int(conn.execute("INSERT INTO bench_raw_events VALUES (?, ?, ?, ?)", params[0]).lastrowid or 0)]
            else:
                # Under the write lock rowids follow the current maximum, one by one.
                last = int(conn.execute("SELECT coalesce(max(rowid), 0) FROM bench_raw_events").fetchone()[0])
                conn.executemany("INSERT INTO bench_raw_events VALUES (?, ?, ?, ?)", params)
                ids = list(range(last + 1, last + 1 + len(params)))
            previous = conn.execute("SELECT link FROM bench_raw_links ORDER BY position DESC LIMIT 1").fetchone()
            conn.executemany("INSERT INTO bench_raw_links (position, link) VALUES (?, ?)", _links(previous, ids, rows))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return ids

    def close(self) -> None:
        if self.backend == "postgresql":
            self.pg.close()
        else:
            self.lite.close()


def _first(row: tuple[Any, ...] | None) -> int:
    assert row is not None
    return int(row[0])


def _hex(originator_id: Any) -> str:
    return UUID(str(originator_id)).hex


def _links(previous: tuple[Any, ...] | None, ids: Sequence[int], rows: Sequence[Row]) -> list[tuple[int, bytes]]:
    link = bytes(previous[0]) if previous is not None else GENESIS
    links = []
    for position, (originator_id, version, topic, state) in zip(ids, rows, strict=True):
        link = next_link(link, position, originator_id, version, topic, state)
        links.append((position, link))
    return links
