"""Who records what (issue 16, §2): housing outside the municipality, and workers transferred between employers.

- The register keeps whether a housing entry says "outside the municipality"
  (`register_housing_entries.outside_municipality`, false for every entry
  stored before: no event could say so then) and the folded intervals of
  living outside (`register_outside`).
- The residence view keeps each transfer (`employment_entries`) and who
  employed a transferred worker when, as known when (`employment_history`,
  bitemporal); headcounts per employer count the employer of the day.
- The register and the alert facts keep the employer in force now and the date
  of the transfer to it (`employer_since`, null: the registering employer).

No view is emptied: every row stored before holds as it is, since no event
before this revision was a transfer or said "outside the municipality".

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


_ROW_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


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
    op.create_table(
        "employment_entries",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("employer_id", sa.String(32), nullable=False),
    )
    op.create_table(
        "employment_history",
        sa.Column("row_id", _ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("worker_id", sa.String(32), nullable=False),
        sa.Column("employer_id", sa.String(32), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("recorded_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_to", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_employment_history_worker", "employment_history", ["worker_id", "recorded_to"])
    for table in ("register_workers", "alert_workers"):
        op.add_column(table, sa.Column("employer_since", sa.Date, nullable=True))


def downgrade() -> None:
    for table in ("register_workers", "alert_workers"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("employer_since")
    op.drop_index("ix_employment_history_worker", table_name="employment_history")
    op.drop_table("employment_history")
    op.drop_table("employment_entries")
    op.drop_table("register_outside")
    with op.batch_alter_table("register_housing_entries") as batch:
        batch.drop_column("outside_municipality")
