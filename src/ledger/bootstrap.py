"""The composition root of the write side: settings in, a ready `Ledger` out.

Entry points (CLI, HTTP server, tests) call `open_ledger`; it builds the
engine, keyring and key store, checks that the schema is migrated and that the
database is durable, and nothing else in the package builds infrastructure.
Only `open_keystore` (`ledger migrate`, the key commands) creates what is
missing; `open_ledger` first checks the schema, so a command on an empty data
folder creates nothing there: no folder, no database file, no keyring.

The first process to open a ledger migrated from before the write-side claims
(`ledger migrate` itself) builds them from the stored events: only a process
with the keys can read the identity documents.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import structlog
from sqlalchemy import inspect

from ledger.application import Ledger
from ledger.claim_store import backfill_pending
from ledger.database import create_keystore_engine, create_ledger_engine
from ledger.keyring import FileKeyring
from ledger.keystore import KeyStore
from ledger.migrations import NotMigratedError, require_migrated
from ledger.settings import Settings

log = structlog.get_logger()


def open_keystore(settings: Settings, *, statement_timeout_ms: int | None = None) -> KeyStore:
    """The key store of the configured database and keyring (in development, made where missing)."""
    settings.prepare_data_dir()
    engine = create_ledger_engine(settings, statement_timeout_ms=statement_timeout_ms)
    key_engine = create_keystore_engine(settings, engine)
    # The databases answer before a development keyring is made: none is left behind for a database that is not there.
    for target in {engine, key_engine}:
        target.connect().close()
    return KeyStore(engine, _keyring(settings), key_engine=key_engine)


def _keyring(settings: Settings) -> FileKeyring:
    # Development creates its keyring on first use; production never does.
    return FileKeyring.open(settings.keyring_path, create=settings.env != "production")


def open_ledger(
    settings: Settings, *, clock: Callable[[], datetime] | None = None, statement_timeout_ms: int | None = None
) -> Ledger:
    """A `Ledger` on the configured database, after the start-up checks."""
    # Connecting to SQLite would create the file; a database that is not there is not migrated either.
    for url in (settings.sqlalchemy_url(), settings.keystore_sqlalchemy_url()):
        if url.get_backend_name() == "sqlite" and not Path(str(url.database)).exists():
            msg = f"no database at {url.database}: run `ledger migrate` first (or check LEDGER_DATA_DIR)"
            raise NotMigratedError(msg)
    engine = create_ledger_engine(settings, statement_timeout_ms=statement_timeout_ms)
    key_engine = create_keystore_engine(settings, engine)
    # The schema before the keyring: a development keyring is made only for a ledger that is there.
    require_migrated(engine, key_engine)
    keys = KeyStore(engine, _keyring(settings), key_engine=key_engine)
    # A key table restored from an old backup may hold keys of subjects shredded since: destroy them again.
    reshredded = keys.reshred_tombstoned()
    if reshredded:
        log.warning("tombstoned_keys_reshredded", count=reshredded)
    # The library's table creation redefines its insert function on PostgreSQL; processes
    # starting at once would collide on it ("tuple concurrently updated"), so the tables are
    # created only where they are missing (by `ledger migrate`, before any server starts).
    ledger = Ledger(settings, keys, clock=clock, create_tables=False, statement_timeout_ms=statement_timeout_ms)
    if not inspect(keys.engine).has_table(ledger.recorder.events_table_name):  # type: ignore[attr-defined]
        ledger.recorder.create_table()  # type: ignore[attr-defined]
    if backfill_pending(keys.engine):
        ledger.backfill_claims()
    return ledger


def settle_start_up() -> None:
    """Take what start-up made (modules, classes, the application) out of the garbage collector's sight.

    Those objects live as long as the process, yet every full collection walks
    them all, a share of a view's rebuild worth saving (bench/README.md,
    "Figures behind the code").
    Call it once, in a long-running command's own process, after start-up;
    never from library code: a frozen object is never collected.
    """
    gc.collect()
    gc.freeze()
