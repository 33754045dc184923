"""Work that only one process may do at a time, across processes.

A PostgreSQL session advisory lock, or an exclusive `flock` on a file beside
the SQLite database. Both are freed by the server or the kernel when their
holder dies, so a killed process never leaves the work locked, and the next
one can finish what it left.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine, text


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


@contextmanager
def exclusively(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock `name` on `engine`'s database for the block, or raise `AlreadyRunningError`.

    Never waits: a second operator running the same command is told at once,
    rather than left waiting for work that the first one is already doing.
    """
    if engine.dialect.name == "postgresql":
        # Autocommit: the lock belongs to the session, and a transaction left open
        # for the whole work would only hold back vacuum.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            key = lock_key(name)
            if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
                raise AlreadyRunningError(name)
            try:
                yield
            finally:
                # Unlocked before the connection goes back to the pool, where it lives on.
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        return
    database = engine.url.database
    if not database or database == ":memory:":
        # A private in-memory database: no other process can reach it.
        yield
        return
    lock = LockFile(Path(f"{database}.{name}.lock"))
    if not lock.acquire():
        raise AlreadyRunningError(name)
    try:
        yield
    finally:
        lock.release()
