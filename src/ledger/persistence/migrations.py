"""Schema migrations (Alembic) for every table that is not the event store's own.

The event store's tables are created by the eventsourcing recorders; the key
store, the read models and the audit tables are created here, never by
`create_all` in production code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


class NotMigratedError(RuntimeError):
    """The database schema is behind the code: run `ledger migrate`."""


def script_location() -> Path:
    """Where the migration scripts are: inside an installed wheel, or the source tree."""
    packaged = Path(__file__).parent / "_migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "migrations"


KEYSTORE_VERSION_TABLE = "alembic_version_keystore"


def _config(keystore: bool = False) -> Config:
    config = Config()
    location = script_location() / "keystore" if keystore else script_location()
    config.set_main_option("script_location", str(location))
    return config


def upgrade(engine: Engine, key_engine: Engine | None = None) -> str | None:
    """Bring the ledger's schema (and the key store's) to the newest revision; return the ledger's."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    if key_engine is not None:
        keystore = _config(keystore=True)
        with engine.begin() as ledger_connection, key_engine.begin() as connection:
            keystore.attributes["connection"] = connection
            keystore.attributes["ledger_connection"] = ledger_connection
            command.upgrade(keystore, "head")
    return head_revision()


@cache
def head_revision(*, keystore: bool = False) -> str | None:
    """The newest revision the code knows.

    Kept for the life of the process: the scripts do not change while it runs,
    and finding the head compiles every one of them (a third of the time it
    took to open the ledger, paid at every start-up check).
    """
    return ScriptDirectory.from_config(_config(keystore)).get_current_head()


def current_revision(engine: Engine, *, keystore: bool = False) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as connection:
        options = {"version_table": KEYSTORE_VERSION_TABLE} if keystore else {}
        return MigrationContext.configure(connection, opts=options).get_current_revision()


def require_migrated(engine: Engine, key_engine: Engine | None = None) -> None:
    """Raise `NotMigratedError` unless the ledger's (and the key store's) schema is at the newest revision."""
    checks = [(engine, False)] + ([(key_engine, True)] if key_engine is not None else [])
    for target, keystore in checks:
        current, head = current_revision(target, keystore=keystore), head_revision(keystore=keystore)
        if current != head:
            what = "key store" if keystore else "database"
            msg = f"{what} schema is at {current or 'nothing'}, the code needs {head}: run `ledger migrate`"
            raise NotMigratedError(msg)
