"""Who records what (issue 16, §2): housing outside the municipality, and workers transferred between employers.

- The register keeps whether a housing entry says "outside the municipality"
  (`register_housing_entries.outside_municipality`, false for every entry
  stored before: no event could say so then) and the folded intervals of
  living outside (`register_outside`).

No view is emptied: every row stored before holds as it is, since no event
before this revision was a transfer or said "outside the municipality".

Revision ID: 0011_record
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_record"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "register_housing_entries",
        sa.Column("outside_municipality", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "register_outside",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("valid_from", sa.Date, primary_key=True),
        sa.Column("valid_to", sa.Date, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("register_outside")
    with op.batch_alter_table("register_housing_entries") as batch:
        batch.drop_column("outside_municipality")
