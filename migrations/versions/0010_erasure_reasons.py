"""Erasure reasons: the processing log says why an erasure erased (its reason code).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: only erasures carry one, and lines written before it have none.
    op.add_column("processing_log", sa.Column("reason_code", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("processing_log") as batch:
        batch.drop_column("reason_code")
