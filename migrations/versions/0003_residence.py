"""Residence history and occupancy limits: bitemporal rows and their inputs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ROW_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "residence_entries",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("housing_location_id", sa.String(32), nullable=True),
        sa.Column("is_departure", sa.Boolean, nullable=False),
    )
    op.create_table(
        "residence_workers",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("employer_id", sa.String(32), nullable=False),
        sa.Column("nationality", sa.String(3), nullable=False),
    )
    op.create_table(
        "location_facts",
        sa.Column("housing_location_id", sa.String(32), primary_key=True),
        sa.Column("postcode_area", sa.String(4), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("floor_area_m2", sa.Integer, nullable=True),
    )
    op.create_table(
        "residence_history",
        sa.Column("row_id", _ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("worker_id", sa.String(32), nullable=False),
        sa.Column("housing_location_id", sa.String(32), nullable=False),
        sa.Column("employer_id", sa.String(32), nullable=False),
        sa.Column("nationality", sa.String(3), nullable=False),
        sa.Column("postcode_area", sa.String(4), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("recorded_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_residence_history_location", "residence_history", ["housing_location_id", "valid_from"])
    op.create_index("ix_residence_history_worker", "residence_history", ["worker_id", "recorded_to"])
    op.create_table(
        "occupancy_limit_entries",
        sa.Column("housing_location_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("max_occupants", sa.Integer, nullable=False),
    )
    op.create_table(
        "occupancy_limit_history",
        sa.Column("row_id", _ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("housing_location_id", sa.String(32), nullable=False),
        sa.Column("max_occupants", sa.Integer, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("recorded_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_to", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_occupancy_limit_history_location", "occupancy_limit_history", ["housing_location_id", "valid_from"]
    )


def downgrade() -> None:
    for table in (
        "occupancy_limit_history",
        "occupancy_limit_entries",
        "residence_history",
        "location_facts",
        "residence_workers",
        "residence_entries",
    ):
        op.drop_table(table)
