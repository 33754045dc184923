"""Schema migrations (Alembic) for every table that is not the event store's own.

The event store's tables are created by the eventsourcing recorders; the key
store, the read models and the audit tables are created here, never by
`create_all` in production code.
"""

from __future__ import annotations

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
    return Path(__file__).resolve().parents[2] / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    return config


def upgrade(engine: Engine) -> str | None:
    """Bring the schema to the newest revision; return that revision."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return head_revision()


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_migrated(engine: Engine) -> None:
    """Raise `NotMigratedError` unless the database is at the newest revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        msg = f"database schema is at {current or 'nothing'}, the code needs {head}: run `ledger migrate`"
        raise NotMigratedError(msg)
