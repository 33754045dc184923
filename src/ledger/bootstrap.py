"""The composition root of the write side: settings in, a ready `Ledger` out.

Entry points (CLI, HTTP server, tests) call `open_ledger`; it builds the
engine, keyring and key store, checks that the schema is migrated and that the
database is durable, and nothing else in the package builds infrastructure.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy import inspect

from ledger.application import Ledger
from ledger.database import create_keystore_engine, create_ledger_engine
from ledger.keyring import FileKeyring
from ledger.keystore import KeyStore
from ledger.migrations import require_migrated
from ledger.settings import Settings

log = structlog.get_logger()


def open_keystore(settings: Settings, *, statement_timeout_ms: int | None = None) -> KeyStore:
    """The key store of the configured database and keyring."""
    settings.prepare_data_dir()
    engine = create_ledger_engine(settings, statement_timeout_ms=statement_timeout_ms)
    # Development creates its keyring on first use; production never does.
    keyring = FileKeyring.open(settings.keyring_path, create=settings.env != "production")
    return KeyStore(engine, keyring, key_engine=create_keystore_engine(settings, engine))


def open_ledger(
    settings: Settings, *, clock: Callable[[], datetime] | None = None, statement_timeout_ms: int | None = None
) -> Ledger:
    """A `Ledger` on the configured database, after the start-up checks."""
    keys = open_keystore(settings, statement_timeout_ms=statement_timeout_ms)
    require_migrated(keys.engine, keys.key_engine)
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
    return ledger


def settle_start_up() -> None:
    """Take what start-up made (modules, classes, the application) out of the garbage collector's sight.

    Those objects live as long as the process, yet every full collection walks
    them all — some 110 000 — which cost 8-15 % of a view's rebuild (measured).
    Call it once, in a long-running command's own process, after start-up;
    never from library code: a frozen object is never collected.
    """
    gc.collect()
    gc.freeze()
