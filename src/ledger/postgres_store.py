"""The eventsourcing PostgreSQL factory, extending the audit chain and writing claims in the events' transaction.

The library inserts events under `LOCK TABLE … IN EXCLUSIVE MODE`, so within
that transaction the last link is stable: the new events' links are computed
from it and inserted before commit. An event written around this recorder has
no link, which `ledger audit verify` reports as inserted out of band.

The save's claims (`ledger.claims`) are written after the links. The library
runs the insert in pipeline mode, so each claim that may be taken is synced at
once: its unique violation surfaces here, as `ClaimTaken`, within the
library's own handling of a refused insert (the transaction is rolled back).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from psycopg import Cursor
from psycopg.errors import UniqueViolation
from psycopg.rows import DictRow

from ledger.audit import GENESIS, next_link
from ledger.claims import POSTGRESQL, ClaimWrites, statements


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    """The library's recorder plus one audit link per event and the save's claims, in the same transaction."""

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if not ids:
            return ids
        curs.execute("SELECT link FROM audit_links ORDER BY position DESC LIMIT 1")
        row = curs.fetchone()
        link = bytes(row["link"]) if row is not None else GENESIS
        links = []
        for notification_id, stored in zip(ids, stored_events, strict=True):
            link = next_link(
                link, notification_id, stored.originator_id, stored.originator_version, stored.topic, stored.state
            )
            links.append((notification_id, link))
        curs.executemany("INSERT INTO audit_links (position, link) VALUES (%s, %s)", links)
        writes: ClaimWrites | None = kwargs.get("claims")
        if writes:
            with curs.connection.pipeline() as pipeline:
                for statement in statements(writes, ids, stored_events, POSTGRESQL):
                    curs.executemany(statement.sql, statement.rows)
                    if statement.taken is None:
                        continue
                    try:
                        pipeline.sync()
                    except UniqueViolation:
                        raise statement.taken from None
        return ids


class ChainedPostgresFactory(PostgresFactory):
    """The library's PostgreSQL factory with `ChainedPostgresApplicationRecorder`."""

    application_recorder_class = ChainedPostgresApplicationRecorder
