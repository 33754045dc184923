"""The overview's and the alerts inbox's counts read from covering indexes.

The overview counts every location's residents and limit on a day, and the
alerts in force by kind; the inbox counts those by kind and employer. Each is
a scan of a view that grows with the register, and on SQLite the grouping
was most of it: read from the table, the rows went through a temporary tree;
grouped by an index that held only the id, every row was looked up in the
table. With the intervals in the index (the valid days and the instants of
belief, and the limit itself), SQLite reads the index alone, already in the
groups' order: at 100 000 workers the residents per location in 38 ms
instead of 240, the alerts by kind and employer in 80 ms instead of 250
(bench B14; docs/web.md). The residents' and limits' location indexes are
widened (the lookups they served are their prefix); the alerts get one more.
PostgreSQL's plans read them where they pay.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_INTERVALS = ["valid_from", "valid_to", "recorded_from", "recorded_to"]


def upgrade() -> None:
    op.drop_index("ix_residence_history_location", "residence_history")
    op.create_index("ix_residence_history_location", "residence_history", ["housing_location_id", *_INTERVALS])
    op.drop_index("ix_occupancy_limit_history_location", "occupancy_limit_history")
    op.create_index(
        "ix_occupancy_limit_history_location",
        "occupancy_limit_history",
        ["housing_location_id", *_INTERVALS, "max_occupants"],
    )
    op.create_index("ix_alert_intervals_in_force", "alert_intervals", ["kind", "employer_id", *_INTERVALS])


def downgrade() -> None:
    op.drop_index("ix_alert_intervals_in_force", "alert_intervals")
    op.drop_index("ix_occupancy_limit_history_location", "occupancy_limit_history")
    op.create_index(
        "ix_occupancy_limit_history_location", "occupancy_limit_history", ["housing_location_id", "valid_from"]
    )
    op.drop_index("ix_residence_history_location", "residence_history")
    op.create_index("ix_residence_history_location", "residence_history", ["housing_location_id", "valid_from"])
