"""Stale registrations and opened exports: the latest confirmation in two views; an export's destruction date.

`alert_workers` and `register_workers` keep the day of the employer's latest
confirmation (`Worker.RegistrationConfirmed`), which also changes their
`expected_end_date`. No event of that type was stored before this revision,
so the views' rows are already what their projections make of the log: the
new column is added, empty, and nothing is rebuilt. `processing_log` gets the
date by which an export with opened personal data is to be destroyed
(`destroy_on`; only on such an export's lines).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_VIEW_TABLES = ("alert_workers", "register_workers")


def upgrade() -> None:
    for table in _VIEW_TABLES:
        op.add_column(table, sa.Column("confirmed_on", sa.Date, nullable=True))
    op.add_column("processing_log", sa.Column("destroy_on", sa.Date, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("processing_log") as batch:
        batch.drop_column("destroy_on")
    for table in _VIEW_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("confirmed_on")
