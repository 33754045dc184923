"""Alerts: the employment facts per worker that the worker alerts are evaluated from.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_workers",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("employer_id", sa.String(32), nullable=False),
        sa.Column("employment_start", sa.Date, nullable=False),
        sa.Column("expected_end_date", sa.Date, nullable=True),
        sa.Column("contract_end", sa.Date, nullable=True),
        sa.Column("departed_on", sa.Date, nullable=True),
        sa.Column("brp_registered_on", sa.Date, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("alert_workers")
