"""Projection tracking positions and stop status.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projection_tracking",
        sa.Column("view_name", sa.String(64), primary_key=True),
        sa.Column("application_name", sa.String(64), primary_key=True),
        sa.Column("notification_id", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "projection_status",
        sa.Column("view_name", sa.String(64), primary_key=True),
        sa.Column("stopped_at_position", sa.BigInteger, nullable=True),
        sa.Column("error_type", sa.String(200), nullable=True),
        sa.Column("stopped_on", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("projection_status")
    op.drop_table("projection_tracking")
