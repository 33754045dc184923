"""Permitted occupancy is the municipality's: nullable limits, proposed maximum and registration instant.

The residence view's limit tables now hold the municipality's limit only (null
where it set none), and `location_facts` keeps an employer's proposed maximum
and when the location was registered. A view is what its projection makes of
the log, so the view is not converted in place: its rows and its position are
removed, and its runner rebuilds it from the first event in the new shape
(events stored before the change are upcast as they are read). The other views
keep their rows and positions.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

VIEW = "residence"
# Every table of the residence view (`projections.residence.ResidenceView.tables`), as of 0003.
_TABLES = (
    "residence_entries",
    "residence_workers",
    "location_facts",
    "residence_history",
    "occupancy_limit_entries",
    "occupancy_limit_history",
)
_ROW_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    _forget_the_view()
    _reshape(new_shape=True)


def downgrade() -> None:
    # The old shape has no room for a location without a limit: rebuilt by the old code from the log.
    _forget_the_view()
    _reshape(new_shape=False)


def _forget_the_view() -> None:
    for table in _TABLES:
        op.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 (a fixed table name)
    for table in ("projection_tracking", "projection_status"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE view_name = :view").bindparams(view=VIEW))  # noqa: S608


def _reshape(*, new_shape: bool) -> None:
    """Create the three changed tables again, empty, in the new (or, going down, the old) shape."""
    for table in ("occupancy_limit_history", "occupancy_limit_entries", "location_facts"):
        op.drop_table(table)
    op.create_table(
        "location_facts",
        sa.Column("housing_location_id", sa.String(32), primary_key=True),
        sa.Column("postcode_area", sa.String(4), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("floor_area_m2", sa.Integer, nullable=True),
        *(
            [
                sa.Column("proposed_max_occupants", sa.Integer, nullable=True),
                sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
            ]
            if new_shape
            else []
        ),
    )
    op.create_table(
        "occupancy_limit_entries",
        sa.Column("housing_location_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("max_occupants", sa.Integer, nullable=new_shape),  # null: no limit set by the municipality
    )
    op.create_table(
        "occupancy_limit_history",
        sa.Column("row_id", _ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("housing_location_id", sa.String(32), nullable=False),
        sa.Column("max_occupants", sa.Integer, nullable=new_shape),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("recorded_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_to", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_occupancy_limit_history_location", "occupancy_limit_history", ["housing_location_id", "valid_from"]
    )
