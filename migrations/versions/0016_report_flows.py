"""The flows view (issue 18): registrations, contract ends and departures as recorded, for the flows report.

A new view: its table starts empty and its runner (`ledger project`, or
`ledger serve` on the embedded default) builds it from the first event, as
for any new view; the other views keep their rows. Ids, dates, a nationality
and instants: pseudonymous, nothing sealed (docs/data-classification.md).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flow_events",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("on_day", sa.Date, nullable=True),
        sa.Column("housing_location_id", sa.String(32), nullable=True),
        sa.Column("employer_id", sa.String(32), nullable=True),
        sa.Column("nationality", sa.String(3), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_flow_events_kind_recorded", "flow_events", ["kind", "recorded_at"])


def downgrade() -> None:
    op.drop_table("flow_events")
    for table in ("projection_tracking", "projection_status"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE view_name = 'flows'"))  # noqa: S608 (fixed names)
