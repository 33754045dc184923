"""The composition root of the write side: settings in, a ready `Database`, `KeyStore` or `Ledger` out.

Every process (the commands, the HTTP server, the view rebuilds, the tests)
opens what it needs here, as a context manager that disposes of it when the
block ends; nothing else in the project builds engines or a ledger by hand.

`open_ledger` checks that the schema is migrated and that the database is
durable before anything else; on an empty data folder it creates nothing: no
folder, no database file, no keyring. Only `open_database` and `open_keystore`
(`ledger migrate`, the key commands) create what is missing. The first process
to open a ledger migrated from before the write-side claims (`ledger migrate`
itself) builds them from the stored events: only a process with the keys can
read the identity documents.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import structlog
from sqlalchemy import inspect

from ledger.application.service import Ledger
from ledger.crypto.keyring import FileKeyring
from ledger.crypto.keystore import KeyStore
from ledger.persistence.claim_store import backfill_pending
from ledger.persistence.database import Database
from ledger.persistence.migrations import NotMigratedError, require_migrated
from ledger.settings import Settings

log = structlog.get_logger()


@contextmanager
def open_database(settings: Settings, *, statement_timeout_ms: int | None = None) -> Iterator[Database]:
    """The configured databases (in development, the data folder made where missing), disposed after the block."""
    settings.prepare_data_dir()
    database = Database.of(settings, statement_timeout_ms=statement_timeout_ms)
    try:
        # The databases answer before anything else is made: no development keyring for a database that is not there.
        for engine in database.engines:
            engine.connect().close()
        yield database
    finally:
        database.dispose()


@contextmanager
def open_keystore(settings: Settings) -> Iterator[KeyStore]:
    """The key store of the configured databases and keyring (in development, made where missing)."""
    with open_database(settings) as database:
        yield KeyStore(database, _keyring(settings))


def _keyring(settings: Settings) -> FileKeyring:
    # Development creates its keyring on first use; production never does.
    return FileKeyring.open(settings.keyring_path, create=settings.env != "production")


@contextmanager
def open_ledger(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    statement_timeout_ms: int | None = None,
    application: type[Ledger] = Ledger,
) -> Iterator[Ledger]:
    """A `Ledger` (or a subclass of it) on the configured database, after the start-up checks; closed after the block.

    `statement_timeout_ms` bounds every statement on PostgreSQL, the event
    store's and the other engines' alike (the HTTP API's).
    """
    # Connecting to SQLite would create the file; a database that is not there is not migrated either.
    for url in (settings.sqlalchemy_url(), settings.keystore_sqlalchemy_url()):
        if url.get_backend_name() == "sqlite" and not Path(str(url.database)).exists():
            msg = f"no database at {url.database}: run `ledger migrate` first (or check LEDGER_DATA_DIR)"
            raise NotMigratedError(msg)
    database = Database.of(settings, statement_timeout_ms=statement_timeout_ms)
    try:
        ledger = _started(application, settings, database, clock, statement_timeout_ms)
    except BaseException:
        database.dispose()
        raise
    try:
        yield ledger
    finally:
        ledger.close()
        database.dispose()


def _started(
    application: type[Ledger],
    settings: Settings,
    database: Database,
    clock: Callable[[], datetime] | None,
    statement_timeout_ms: int | None,
) -> Ledger:
    # The schema before the keyring: a development keyring is made only for a ledger that is there.
    require_migrated(database.engine, database.key_engine)
    keys = KeyStore(database, _keyring(settings))
    # A key table restored from an old backup may hold keys of subjects shredded since: destroy them again.
    reshredded = keys.reshred_tombstoned()
    if reshredded:
        log.warning("tombstoned_keys_reshredded", count=reshredded)
    # The library's table creation redefines its insert function on PostgreSQL; processes
    # starting at once would collide on it ("tuple concurrently updated"), so the tables are
    # created only where they are missing (by `ledger migrate`, before any server starts).
    ledger = application(
        settings, database, keys, clock=clock, create_tables=False, statement_timeout_ms=statement_timeout_ms
    )
    try:
        if not inspect(database.engine).has_table(ledger.recorder.events_table_name):  # type: ignore[attr-defined]
            ledger.recorder.create_table()  # type: ignore[attr-defined]
        if backfill_pending(database.engine):
            ledger.backfill_claims()
    except BaseException:
        ledger.close()
        raise
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
