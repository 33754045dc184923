"""The eventsourcing PostgreSQL factory, extending the audit chain and writing claims in the events' transaction.

The library inserts events under `LOCK TABLE … IN EXCLUSIVE MODE`, so within
that transaction the last link is stable: the new events' links are computed
from it and inserted before commit. An event written around this recorder has
no link, which `ledger audit verify` reports as inserted out of band.

The save's claims (`ledger.persistence.claims`) are written after the links. The library
runs the insert in pipeline mode, so each claim that may be taken is synced at
once: its unique violation surfaces here, as `ClaimTaken`, within the
library's own handling of a refused insert (the transaction is rolled back).

Failing fast: the library retries a failed call ten times, 0.2 s apart, each
attempt waiting for the pool; with the server down a request hung for tens of
seconds, and a write could commit after its client had given up. This
recorder makes each call once: the caller decides what a failure means (the
API answers 503 and the client retries, the projection runner backs off and
tries again). Connections are opened with a connect timeout and, where asked,
a statement timeout (docs/operations.md).

After a server restart every connection the pool kept is dead. The pool
checks each before handing it out, but between two failed checks it waits
(one second, then two…), so one caller gets through two of them before its
timeout: with five dead connections a runner needed three rounds, fifteen
seconds, to get a live one. So a failed call has the pool check all its idle
connections at once (`pool.check()`, `discard_dead_connections`): the dead
ones are replaced, and the next caller gets a live one.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, Notification, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder, PostgresFactory
from eventsourcing.utils import Environment, EnvType
from psycopg import Cursor
from psycopg.errors import UniqueViolation
from psycopg.rows import DictRow

from ledger.audit.chain import GENESIS, next_link
from ledger.persistence.claims import POSTGRESQL, ClaimWrites, statements
from ledger.persistence.database_settings import SERVER_CONNECT_TIMEOUT_ENV, STATEMENT_TIMEOUT_ENV


def _once(method: Callable[..., Any]) -> Callable[..., Any]:
    """The library's method without its retry decorator."""
    unwrapped: Callable[..., Any] = inspect.unwrap(method)
    return unwrapped


_insert_events = _once(PostgresApplicationRecorder.insert_events)
_select_notifications = _once(PostgresApplicationRecorder.select_notifications)
_max_notification_id = _once(PostgresApplicationRecorder.max_notification_id)
_select_events = _once(PostgresAggregateRecorder.select_events)


class ChainedPostgresApplicationRecorder(PostgresApplicationRecorder):
    """The library's recorder: audit links and the save's claims in the events' transaction; each call made once."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self._dead_connections_swept():
            result: Sequence[int] | None = _insert_events(self, stored_events, **kwargs)
        return result

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        with self._dead_connections_swept():
            result: Sequence[StoredEvent] = _select_events(self, originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        return result

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        with self._dead_connections_swept():
            result: Sequence[Notification] = _select_notifications(
                self, start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
        return result

    def max_notification_id(self) -> int | None:
        with self._dead_connections_swept():
            result: int | None = _max_notification_id(self)
        return result

    def discard_dead_connections(self) -> None:
        """Check every idle connection of the pool now, replacing the dead ones (best effort, never raises).

        For a caller that met the database failing elsewhere (the projection
        runner's lock connection): the server may have restarted.
        """
        with contextlib.suppress(Exception):
            self.datastore.pool.check()

    @contextlib.contextmanager
    def _dead_connections_swept(self) -> Iterator[None]:
        """On a failure that may be the server's restart, check every idle connection of the pool now."""
        try:
            yield
        except (OperationalError, InterfaceError):
            self.discard_dead_connections()  # the caller's own error is what it must see
            raise

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
    """The library's PostgreSQL factory with `ChainedPostgresApplicationRecorder` and bounded connections."""

    application_recorder_class = ChainedPostgresApplicationRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        # The library passes no connect timeout to libpq (it waits as long as the network does), and has
        # no statement timeout: both go into the pool's connection parameters before it first opens.
        parameters = self.datastore.pool.kwargs
        assert isinstance(parameters, dict)
        connect_timeout = self.env.get(SERVER_CONNECT_TIMEOUT_ENV)
        if connect_timeout:
            parameters["connect_timeout"] = int(connect_timeout)
        statement_timeout = self.env.get(STATEMENT_TIMEOUT_ENV)
        if statement_timeout:
            parameters["options"] = f"-c statement_timeout={int(statement_timeout)}"
        # The pool opens connections in the background and, when that fails, tries again after waits that
        # double for up to `reconnect_timeout` (five minutes by default): after an outage of a minute the
        # next attempt could come half a minute after the server was back, every request failing until then.
        # Giving up as soon as a caller would, a new attempt starts at once with the next caller.
        self.datastore.pool.reconnect_timeout = self.datastore.pool.timeout
