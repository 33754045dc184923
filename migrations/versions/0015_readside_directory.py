"""The directory view (issue 18): employers and housing locations as registered, limits' history, inspections.

A new view: its tables start empty and its runner (`ledger project`, or
`ledger serve` on the embedded default) builds it from the first event, as
for any new view; the other views keep their rows. Nothing in it is personal
data (docs/data-classification.md).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _instant() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "directory_employers",
        sa.Column("employer_id", sa.String(32), primary_key=True),
        sa.Column("kvk_number", sa.String(8), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_folded", sa.String(400), nullable=False),
        sa.Column("registered_at", _instant(), nullable=False),
    )
    op.create_index("ix_directory_employers_kvk_number", "directory_employers", ["kvk_number"])
    op.create_table(
        "directory_locations",
        sa.Column("housing_location_id", sa.String(32), primary_key=True),
        sa.Column("bag_id", sa.String(16), nullable=False),
        sa.Column("street", sa.String(200), nullable=False),
        sa.Column("house_number", sa.Integer, nullable=False),
        sa.Column("house_letter", sa.String(1), nullable=True),
        sa.Column("house_number_addition", sa.String(4), nullable=True),
        sa.Column("postcode", sa.String(6), nullable=False),
        sa.Column("city", sa.String(80), nullable=False),
        sa.Column("street_folded", sa.String(400), nullable=False),
        sa.Column("city_folded", sa.String(160), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("floor_area_m2", sa.Integer, nullable=True),
        sa.Column("owner_kvk_number", sa.String(8), nullable=True),
        sa.Column("proposed_max_occupants", sa.Integer, nullable=True),
        sa.Column("proposed_by", sa.String(32), nullable=True),
        sa.Column("registered_at", _instant(), nullable=False),
    )
    op.create_index("ix_directory_locations_address", "directory_locations", ["postcode", "house_number"])
    op.create_index("ix_directory_locations_proposed_by", "directory_locations", ["proposed_by"])
    op.create_table(
        "directory_location_limits",
        sa.Column("housing_location_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("max_occupants", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("recorded_at", _instant(), nullable=False),
    )
    op.create_table(
        "directory_inspections",
        sa.Column("inspection_id", sa.String(32), primary_key=True),
        sa.Column("housing_location_id", sa.String(32), nullable=False),
        sa.Column("inspected_on", sa.Date, nullable=False),
        sa.Column("occupants_found", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("recorded_at", _instant(), nullable=False),
    )
    op.create_index(
        "ix_directory_inspections_location", "directory_inspections", ["housing_location_id", "inspected_on"]
    )


def downgrade() -> None:
    for table in ("directory_inspections", "directory_location_limits", "directory_locations", "directory_employers"):
        op.drop_table(table)
    for table in ("projection_tracking", "projection_status"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE view_name = 'directory'"))  # noqa: S608 (fixed names)
