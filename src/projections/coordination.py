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

The server may go away at any moment. A lock whose session the server ended
is no longer held — another runner may have taken it since — so a held lock
looks at its connection before it answers that it is still held; a lost
LISTEN connection is opened again on the next wait. Whether some process
holds a view's lock (`views_followed`) is how readiness knows that a runner
follows the view, without any write: a runner that died has freed its lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import select
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import psycopg
import structlog
from psycopg import sql
from sqlalchemy import Engine, text

from ledger.persistence.exclusive import Lock, LockFile, lock_key
from ledger.settings import Settings

log = structlog.get_logger()

# Waiting on LISTEN in slices this long lets a runner notice `stop()` soon.
_LISTEN_SLICE_S = 0.25


# Exclusive right to run one view, across processes: a lock of the project's one lock API.
ViewLock = Lock


def postgres_conninfo(settings: Settings) -> str:
    """A libpq connection string for the configured PostgreSQL database."""
    url = settings.url
    options = {key: value for key, value in url.query.items() if isinstance(value, str)}
    options.setdefault("connect_timeout", str(settings.db_connect_timeout_s))
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
        if self._held and self._session_alive():
            return True
        if self._connection is None or self._connection.closed or self._connection.broken:
            self._forget()
            self._connection = psycopg.connect(self.conninfo, autocommit=True)
        try:
            row = self._connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except psycopg.Error:
            self._forget()
            raise
        self._held = bool(row and row[0])
        return self._held

    def _session_alive(self) -> bool:
        """Whether the session that took the lock still exists (the lock is then still ours).

        An idle session's socket has nothing to read; when the server ends the
        session (restart, crash, `pg_terminate_backend`) it becomes readable, and
        only then is the server asked — so a round of a runner costs no query.
        """
        connection = self._connection
        if connection is None or connection.closed or connection.broken:
            return False
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
        if not readable:
            return True
        try:
            connection.execute("SELECT 1")
        except psycopg.Error:
            self._forget()
            return False
        return True

    def _forget(self) -> None:
        """The session is gone, and the lock with it: close what is left of the connection."""
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.close()
        self._connection = None
        self._held = False

    def release(self) -> None:
        connection = self._connection
        if connection is not None and not connection.closed and not connection.broken and self._held:
            # Unlock explicitly: the server ends a closed session asynchronously,
            # so the next holder could still find the lock taken for a moment.
            # On a session the server ended there is nothing left to unlock.
            with contextlib.suppress(psycopg.Error):
                connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        self._forget()


def view_lock(settings: Settings, view_name: str) -> ViewLock:
    """The cross-process lock of a view on the configured backend (connects only on `acquire`)."""
    if settings.backend == "postgresql":
        return AdvisoryLock(postgres_conninfo(settings), view_name)
    return LockFile(_lock_file(settings, view_name))


def _lock_file(settings: Settings, view_name: str) -> Path:
    database = settings.sqlite_path
    return database.with_name(f"{database.name}.view-{view_name}.lock")


def views_followed(settings: Settings, engine: Engine, view_names: Iterable[str]) -> dict[str, bool]:
    """Whether some process holds each view's lock — a runner following it — without taking any.

    PostgreSQL: the view's advisory lock granted to any session of this
    database, in `pg_locks` (a bigint key is shown as two oids: its high and
    low 32 bits, `objsubid` 1), read on `engine`. SQLite: a shared `flock` on
    the view's lock file that cannot be had means someone holds it
    exclusively; when it can be had, it is given back at once (a runner that
    tries to take its lock in that instant takes it in its next round).
    """
    names = list(view_names)
    if settings.backend == "postgresql":
        keys = {name: lock_key(f"view:{name}") & 0xFFFF_FFFF_FFFF_FFFF for name in names}
        with engine.connect() as conn:
            held = {
                (int(row[0]), int(row[1]))
                for row in conn.execute(
                    text(
                        "SELECT classid::bigint, objid::bigint FROM pg_locks WHERE locktype = 'advisory'"
                        " AND granted AND objsubid = 1"
                        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                    )
                )
            }
        return {name: (key >> 32, key & 0xFFFF_FFFF) in held for name, key in keys.items()}
    return {name: _file_locked(_lock_file(settings, name)) for name in names}


def _file_locked(path: Path) -> bool:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return False  # no runner ever took it
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


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
    """PostgreSQL: LISTEN on the event table's channel, which every insert notifies.

    Listening starts at once, before the runner's first catch-up, so that no
    insert after it goes unnoticed; if the server cannot be reached then, or the
    connection is lost later, each wait tries to listen again and otherwise
    waits out its timeout (polling: the runner looks at the log after every wait).
    """

    def __init__(self, conninfo: str, channel: str, stop: threading.Event) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self.stop = stop
        self._connection: psycopg.Connection[Any] | None = None
        with contextlib.suppress(psycopg.OperationalError):
            self._listen()

    def _listen(self) -> psycopg.Connection[Any]:
        if self._connection is None or self._connection.closed:
            connection = psycopg.connect(self.conninfo, autocommit=True)
            try:
                connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            except psycopg.Error:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
            try:
                connection = self._listen()
                if list(connection.notifies(timeout=min(remaining, _LISTEN_SLICE_S), stop_after=1)):
                    # Inserts during a long catch-up queue many notifications; one round reads them all.
                    list(connection.notifies(timeout=0))
                    return True
            except psycopg.OperationalError as error:
                if self._connection is not None:
                    # An established connection was lost: say so once, and listen again at once.
                    log.warning("listen_connection_lost", error_type=type(error).__qualname__)
                    self.close()
                    continue
                # The server cannot be reached: wait out the timeout (the runner looks at the log after it).
                self.stop.wait(max(deadline - time.monotonic(), 0))
                return False
        return False

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.close()
        self._connection = None


def wakeup_for(settings: Settings, channel: str | None, stop: threading.Event, poll_interval: float) -> Wakeup:
    """LISTEN/NOTIFY on PostgreSQL (when the recorder has a channel), polling otherwise."""
    if settings.backend == "postgresql" and channel is not None:
        return ListenNotifyWakeup(postgres_conninfo(settings), channel, stop)
    return PollingWakeup(poll_interval, stop)
