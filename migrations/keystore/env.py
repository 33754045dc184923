"""Alembic environment of the key store database (run through `ledger migrate`).

The key store may be its own database (the embedded default: `var/keys.db`) or
share the ledger's; its own version table keeps the two histories apart.
"""

from __future__ import annotations

from alembic import context

VERSION_TABLE = "alembic_version_keystore"

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, version_table=VERSION_TABLE, render_as_batch=connection.dialect.name == "sqlite"
)
with context.begin_transaction():
    context.run_migrations()
