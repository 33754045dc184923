"""Audit chain: one link per stored event, and checkpoints; links events stored before it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.audit.chain import GENESIS, next_link

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The event tables of the library's recorders (SQLite: rowid is the position).
_EVENTS = {
    "sqlite": ("stored_events", "rowid"),
    "postgresql": ("ledger_events", "notification_id"),
}


def upgrade() -> None:
    links = op.create_table(
        "audit_links",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("link", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("link", sa.LargeBinary(32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    _link_existing_events(links)


def _link_existing_events(links: sa.Table) -> None:
    bind = op.get_bind()
    table, position = _EVENTS[bind.dialect.name]
    if not sa.inspect(bind).has_table(table):
        return  # a new database: the recorders link every event from the first on
    rows = bind.execute(
        sa.text(f"SELECT {position}, originator_id, originator_version, topic, state FROM {table} ORDER BY {position}")  # noqa: S608
    )
    link, batch = GENESIS, []
    for number, originator, version, topic, state in rows:
        link = next_link(link, int(number), originator, int(version), topic, bytes(state))
        batch.append({"position": int(number), "link": link})
    if batch:
        op.bulk_insert(links, batch)


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_links")
