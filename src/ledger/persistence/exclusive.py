"""Work that only one process may do at a time, across processes.

A PostgreSQL session advisory lock, or an exclusive `flock` on a file beside
the SQLite database. Both are freed by the server or the kernel when their
holder dies, so a killed process never leaves the work locked, and the next
one can finish what it left.

One API for every such lock (`Lock`: `acquire`, `release`), the view locks of
`projections.coordination` included, and one way to hold one for a block
(`holding`); `exclusively` refuses the work when another holds it.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, TextIO

from sqlalchemy import Connection, Engine, text


class AlreadyRunningError(RuntimeError):
    """Another process is doing the same work now."""


def lock_key(name: str) -> int:
    """The advisory-lock key of `name`: a stable signed 64-bit number."""
    digest = hashlib.sha256(f"westland-ledger:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class LockFile:
    """An exclusive `flock` on a file beside the SQLite database.

    `flock` belongs to an open file, so two `LockFile`s exclude each other even
    within one process, and the kernel frees it when the process dies.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: TextIO | None = None

    def acquire(self) -> bool:
        """Take the lock if it is free (or already ours); True when held."""
        if self._handle is not None:
            return True
        handle = self.path.open("a")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        """Give the lock back (nothing happens if it is not held)."""
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class Lock(Protocol):
    """Exclusive right to some work, across processes: the one lock API of the project."""

    def acquire(self) -> bool:
        """Take the lock if it is free (or already ours); True when held."""
        ...

    def release(self) -> None:
        """Give the lock back (nothing happens if it is not held)."""
        ...


class EngineAdvisoryLock:
    """A PostgreSQL session advisory lock, held on a connection taken from `engine`'s pool.

    Autocommit: the lock belongs to the session, and a transaction left open
    for the whole work would only hold back vacuum. It is unlocked before the
    connection goes back to the pool, where the session lives on.
    """

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.key = lock_key(name)
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            finally:
                connection.close()


class PrivateDatabase:
    """The lock of an in-memory SQLite database: no other process can reach it, so it is always free."""

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        return None


def engine_lock(engine: Engine, name: str) -> Lock:
    """The lock `name` on `engine`'s database: an advisory lock, or a lock file beside the SQLite file."""
    if engine.dialect.name == "postgresql":
        return EngineAdvisoryLock(engine, name)
    database = engine.url.database
    if not database or database == ":memory:":
        return PrivateDatabase()
    return LockFile(Path(f"{database}.{name}.lock"))


@contextmanager
def holding(lock: Lock) -> Iterator[bool]:
    """Take `lock` for the block if it is free, and say whether it was taken; give it back after.

    Never waits: what to do when another holds it (refuse, or wait for that
    one's work) is the caller's.
    """
    held = lock.acquire()
    try:
        yield held
    finally:
        if held:
            lock.release()


@contextmanager
def exclusively(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock `name` on `engine`'s database for the block, or raise `AlreadyRunningError`.

    Never waits: a second operator running the same command is told at once,
    rather than left waiting for work that the first one is already doing.
    """
    with holding(engine_lock(engine, name)) as held:
        if not held:
            raise AlreadyRunningError(name)
        yield
