"""The key store's tables: the wrapped data keys (the key store database) and the tombstones (the ledger's)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Engine, Insert, Integer, LargeBinary, MetaData, String, Table
from sqlalchemy.dialects import postgresql, sqlite

metadata = MetaData()

subject_keys = Table(
    "subject_keys",
    metadata,
    Column("subject_id", String(32), primary_key=True),
    Column("kek_epoch", Integer, nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

key_tombstones = Table(
    "key_tombstones",
    metadata,
    Column("subject_id", String(32), primary_key=True),
    Column("shredded_at", DateTime(timezone=True), nullable=False),
)


def insert_new(table: Table, engine: Engine) -> Insert:
    """An INSERT that skips rows whose primary key exists already (another process was first)."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
