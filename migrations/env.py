"""Alembic environment: runs migrations on the connection `ledger migrate` hands over.

Run through `ledger migrate` (or `ledger.persistence.migrations.upgrade`), which builds the
engine from the ledger's settings; plain `alembic upgrade head` works too and
reads the same `LEDGER_*` settings.
"""

from __future__ import annotations

from alembic import context

from ledger.persistence.database import create_ledger_engine
from ledger.settings import Settings


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_ledger_engine(Settings())
    with engine.connect() as conn:
        context.configure(connection=conn, render_as_batch=conn.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `ledger migrate`")
run_migrations()
