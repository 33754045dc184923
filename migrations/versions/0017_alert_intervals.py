"""Alerts as a read model (issue 18): the alerts view keeps alert intervals, and what they are worked out from.

`alert_intervals` holds each alert over the days it holds, as known when
(bitemporal, as `residence_history`); `alert_housing_entries`, `alert_stays`,
`alert_locations` and `alert_limit_entries` the housing and limits the rules
read; `alert_workers` gains the 18th birthday, sealed; `alert_settings` names
the settings the intervals were worked out under. The view is what its
projection makes of the log: its rows and position are removed and its
runner rebuilds it from the first event, as 0012 did (docs/projections.md).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

VIEW = "alerts"
_NEW_TABLES = (
    "alert_settings",
    "alert_intervals",
    "alert_limit_entries",
    "alert_locations",
    "alert_stays",
    "alert_housing_entries",
)


def _instant() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    _forget_the_view()
    op.add_column("alert_workers", sa.Column("sealed_minor_until", sa.Text, nullable=True))
    op.create_table(
        "alert_housing_entries",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("housing_location_id", sa.String(32), nullable=True),
        sa.Column("is_departure", sa.Boolean, nullable=False),
        sa.Column("outside_municipality", sa.Boolean, nullable=False),
    )
    op.create_table(
        "alert_stays",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("valid_from", sa.Date, primary_key=True),
        sa.Column("housing_location_id", sa.String(32), nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
    )
    op.create_index("ix_alert_stays_location", "alert_stays", ["housing_location_id"])
    op.create_table(
        "alert_locations",
        sa.Column("housing_location_id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("floor_area_m2", sa.Integer, nullable=True),
        sa.Column("proposed_max_occupants", sa.Integer, nullable=True),
        sa.Column("registered_at", _instant(), nullable=False),
    )
    op.create_table(
        "alert_limit_entries",
        sa.Column("housing_location_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("max_occupants", sa.Integer, nullable=True),
    )
    op.create_table(
        "alert_intervals",
        sa.Column("row_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(32), nullable=False),
        sa.Column("housing_location_id", sa.String(32), nullable=True),
        sa.Column("employer_id", sa.String(32), nullable=True),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("since", sa.Date, nullable=True),
        sa.Column("detail", sa.String(300), nullable=True),
        sa.Column("recorded_from", _instant(), nullable=False),
        sa.Column("recorded_to", _instant(), nullable=True),
    )
    op.create_index("ix_alert_intervals_order", "alert_intervals", ["kind", "subject_id"])
    op.create_index("ix_alert_intervals_subject", "alert_intervals", ["subject_id", "recorded_to"])
    op.create_index("ix_alert_intervals_location", "alert_intervals", ["housing_location_id"])
    op.create_index("ix_alert_intervals_employer", "alert_intervals", ["employer_id"])
    op.create_table(
        "alert_settings",
        sa.Column("view_name", sa.String(64), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    # The old code rebuilds the view from the log in the old shape.
    for table in _NEW_TABLES:
        op.drop_table(table)
    _forget_the_view()
    with op.batch_alter_table("alert_workers") as batch:
        batch.drop_column("sealed_minor_until")


def _forget_the_view() -> None:
    op.execute(sa.text("DELETE FROM alert_workers"))
    for table in ("projection_tracking", "projection_status"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE view_name = :view").bindparams(view=VIEW))  # noqa: S608
