"""How projection runners coordinate: who may run a view, and when to look for news.

One runner per view is active across processes, so that a view's rows and
position are only ever written by one writer: a PostgreSQL session advisory
lock, or an exclusive `flock` on a file beside the SQLite database. Both are
freed by the operating system or the server when their holder dies, so a
killed runner never leaves a view locked.

A runner that has caught up waits for news: LISTEN on the event table's
channel on PostgreSQL (the library's recorder notifies it on every insert);
the library's SQLite recorder has no `subscribe()`, so on SQLite the runner
simply polls the notification log again after a short interval.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

import psycopg
import structlog
from psycopg import sql

from ledger.exclusive import LockFile, lock_key
from ledger.settings import Settings

log = structlog.get_logger()

# Waiting on LISTEN in slices this long lets a runner notice `stop()` soon.
_LISTEN_SLICE_S = 0.25


class ViewLock(Protocol):
    """Exclusive right to run one view, across processes."""

    def acquire(self) -> bool:
        """Take the lock if it is free (or already ours); True when held."""
        ...

    def release(self) -> None:
        """Give the lock back (nothing happens if it is not held)."""
        ...


def postgres_conninfo(settings: Settings) -> str:
    """A libpq connection string for the configured PostgreSQL database."""
    url = settings.url
    options = {key: value for key, value in url.query.items() if isinstance(value, str)}
    return psycopg.conninfo.make_conninfo(
        host=url.host or "localhost",
        port=url.port or 5432,
        dbname=url.database,
        user=url.username,
        password=url.password or None,
        **options,
    )


class AdvisoryLock:
    """A PostgreSQL session advisory lock, held on a connection of its own.

    The connection is outside the engine's pool: a pooled connection returned
    with the lock still taken would hold it for whoever borrows it next, and
    closing our own connection ends the session, which frees the lock for sure.
    """

    def __init__(self, conninfo: str, view_name: str) -> None:
        self.conninfo = conninfo
        self.key = lock_key(f"view:{view_name}")
        self._connection: psycopg.Connection[Any] | None = None
        self._held = False

    def acquire(self) -> bool:
        if self._held and self._connection is not None and not self._connection.broken:
            return True
        if self._connection is None or self._connection.closed or self._connection.broken:
            self._held = False
            self._connection = psycopg.connect(self.conninfo, autocommit=True)
        row = self._connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        self._held = bool(row and row[0])
        return self._held

    def release(self) -> None:
        connection = self._connection
        if connection is not None and not connection.closed and not connection.broken:
            if self._held:
                # Unlock explicitly: the server ends a closed session asynchronously,
                # so the next holder could still find the lock taken for a moment.
                connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            connection.close()
        self._connection = None
        self._held = False


def view_lock(settings: Settings, view_name: str) -> ViewLock:
    """The cross-process lock of a view on the configured backend (connects only on `acquire`)."""
    if settings.backend == "postgresql":
        return AdvisoryLock(postgres_conninfo(settings), view_name)
    database = settings.sqlite_path
    return LockFile(database.with_name(f"{database.name}.view-{view_name}.lock"))


class Wakeup(Protocol):
    """Blocks until new events may have been recorded (or a timeout passes)."""

    def wait(self, timeout: float) -> bool:
        """Return when there may be news, at the latest after `timeout` seconds.

        True when woken by a notification of new events; False when the time
        passed (or the runner was asked to stop) without one.
        """
        ...

    def close(self) -> None:
        """Release what the wakeup holds."""
        ...


class PollingWakeup:
    """SQLite has no notifications: look again after a short interval."""

    def __init__(self, interval: float, stop: threading.Event) -> None:
        self.interval = interval
        self.stop = stop

    def wait(self, timeout: float) -> bool:
        self.stop.wait(min(self.interval, timeout))
        return False

    def close(self) -> None:
        return None


class ListenNotifyWakeup:
    """PostgreSQL: LISTEN on the event table's channel, which every insert notifies."""

    def __init__(self, conninfo: str, channel: str, stop: threading.Event) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self.stop = stop
        self._connection: psycopg.Connection[Any] | None = None
        self._listen()

    def _listen(self) -> psycopg.Connection[Any]:
        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(self.conninfo, autocommit=True)
            self._connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
        return self._connection

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        try:
            connection = self._listen()
            while not self.stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
                if list(connection.notifies(timeout=min(remaining, _LISTEN_SLICE_S), stop_after=1)):
                    # Inserts during a long catch-up queue many notifications; one round reads them all.
                    list(connection.notifies(timeout=0))
                    return True
        except psycopg.OperationalError as error:
            # The server went away: fall back to polling until it answers again.
            log.warning("listen_connection_lost", error_type=type(error).__qualname__)
            self.close()
            self.stop.wait(max(deadline - time.monotonic(), 0))
        return False

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None


def wakeup_for(settings: Settings, channel: str | None, stop: threading.Event, poll_interval: float) -> Wakeup:
    """LISTEN/NOTIFY on PostgreSQL (when the recorder has a channel), polling otherwise."""
    if settings.backend == "postgresql" and channel is not None:
        return ListenNotifyWakeup(postgres_conninfo(settings), channel, stop)
    return PollingWakeup(poll_interval, stop)
