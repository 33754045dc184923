"""The durability self-check run before a ledger process accepts work.

A registration the ledger acknowledged must survive a crash. PostgreSQL with
`fsync`, `synchronous_commit` or `full_page_writes` off can lose or corrupt
committed transactions, so the ledger refuses to run on it; SQLite must run in
WAL mode with `synchronous=FULL`.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

# Pragmas every connection to the ledger's SQLite file runs with.
SQLITE_PRAGMAS = ("PRAGMA synchronous=FULL", "PRAGMA secure_delete=ON", "PRAGMA foreign_keys=ON")
# SQLite's `PRAGMA synchronous` reports FULL as 2 (EXTRA, 3, is stricter still).
_SQLITE_SYNCHRONOUS_FULL = 2


class DurabilityError(RuntimeError):
    """The database is configured so that acknowledged writes could be lost."""


def check_durability(recorder: ApplicationRecorder) -> None:
    """Raise `DurabilityError` naming every unsafe setting of the event store's database."""
    if isinstance(recorder, PostgresApplicationRecorder):
        problems = _postgres_problems(recorder)
    elif isinstance(recorder, SQLiteApplicationRecorder):
        problems = _sqlite_problems(recorder)
    else:
        problems = [f"unsupported event store {type(recorder).__name__}"]
    if problems:
        raise DurabilityError("refusing to run, writes would not be durable: " + "; ".join(problems))


def _postgres_problems(recorder: PostgresApplicationRecorder) -> list[str]:
    required = {"fsync": ("on",), "full_page_writes": ("on",)}
    problems = []
    with recorder.datastore.transaction(commit=False) as curs:
        for name, allowed in required.items():
            value = _show(curs, name)
            if value not in allowed:
                problems.append(f"PostgreSQL {name} is {value!r}, must be 'on'")
        synchronous_commit = _show(curs, "synchronous_commit")
        if synchronous_commit == "off":
            problems.append("PostgreSQL synchronous_commit is 'off', must be 'on' (or local/remote_write/remote_apply)")
    return problems


def _show(curs: Any, name: str) -> str:
    curs.execute(f"SHOW {name}")  # names come from the fixed list above
    row = curs.fetchone()
    return str(next(iter(row.values())) if isinstance(row, dict) else row[0])


def _sqlite_problems(recorder: SQLiteApplicationRecorder) -> list[str]:
    problems = []
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute("PRAGMA journal_mode")
        journal_mode = str(curs.fetchone()[0]).lower()
        curs.execute("PRAGMA synchronous")
        synchronous = int(curs.fetchone()[0])
    if journal_mode != "wal":
        problems.append(f"SQLite journal_mode is {journal_mode!r}, must be 'wal'")
    if synchronous < _SQLITE_SYNCHRONOUS_FULL:
        problems.append(f"SQLite synchronous is {synchronous}, must be FULL (2)")
    return problems
