"""Key store: one wrapped data key per subject, moved here from the ledger's database.

Revision ID: k0001
Revises:
Create Date: 2026-11-30

Before this, data keys lived in the ledger's own database (migration 0001
there). When the key store is a database of its own, existing keys are moved
over (and deleted from the ledger's database); when both are the same, the
table is simply kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "k0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("subject_keys"):
        op.create_table(
            "subject_keys",
            sa.Column("subject_id", sa.String(32), primary_key=True),
            sa.Column("kek_epoch", sa.Integer, nullable=False),
            sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        )
        _move_keys_from_the_ledger_database()


def _move_keys_from_the_ledger_database() -> None:
    ledger = context.config.attributes.get("ledger_connection")
    if ledger is None or not sa.inspect(ledger).has_table("subject_keys"):
        return
    rows = ledger.execute(sa.text("SELECT subject_id, kek_epoch, wrapped_key, created_at FROM subject_keys")).all()
    if rows:
        # As stored (text or timestamp): the values are copied, not interpreted.
        op.get_bind().execute(
            sa.text(
                "INSERT INTO subject_keys (subject_id, kek_epoch, wrapped_key, created_at) "
                "VALUES (:subject_id, :kek_epoch, :wrapped_key, :created_at)"
            ),
            [dict(r._mapping) for r in rows],
        )
        ledger.execute(sa.text("DELETE FROM subject_keys"))


def downgrade() -> None:
    op.drop_table("subject_keys")
