"""The inspections view (issue 18): inspections, their sanctions and legal holds, for GET /inspections.

A new view: its tables start empty and it has no `projection_tracking` row, so
its runner (`ledger project`, or `ledger serve` on the embedded default) builds
it from the first event, as for any new view (docs/projections.md). Notes and
hold reasons are kept sealed under each inspection's key (`sealed_*`).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

VIEW = "inspections"


def upgrade() -> None:
    op.create_table(
        "inspection_records",
        sa.Column("inspection_id", sa.String(32), primary_key=True),
        sa.Column("housing_location_id", sa.String(32), nullable=False),
        sa.Column("inspected_on", sa.Date, nullable=False),
        sa.Column("occupants_found", sa.Integer, nullable=False),
        sa.Column("findings", sa.String(400), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("has_notes", sa.Boolean, nullable=False),
        sa.Column("sealed_notes", sa.Text, nullable=True),
        sa.Column("shredded", sa.Boolean, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_inspection_records_location",
        "inspection_records",
        ["housing_location_id", "inspected_on", "inspection_id"],
    )
    op.create_index("ix_inspection_records_day", "inspection_records", ["inspected_on", "inspection_id"])
    op.create_table(
        "inspection_sanctions",
        sa.Column("inspection_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("against", sa.String(16), nullable=False),
        sa.Column("employer_id", sa.String(32), nullable=True),
        sa.Column("owner_kvk_number", sa.String(8), nullable=True),
        sa.Column("amount_eur", sa.String(24), nullable=True),
        sa.Column("deadline", sa.Date, nullable=True),
        sa.Column("imposed_on", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "inspection_legal_holds",
        sa.Column("inspection_id", sa.String(32), primary_key=True),
        sa.Column("case_reference", sa.String(64), primary_key=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_on", sa.Date, nullable=False),
        sa.Column("sealed_reason", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("inspection_legal_holds")
    op.drop_table("inspection_sanctions")
    op.drop_index("ix_inspection_records_day", table_name="inspection_records")
    op.drop_index("ix_inspection_records_location", table_name="inspection_records")
    op.drop_table("inspection_records")
    for table in ("projection_tracking", "projection_status"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE view_name = :view").bindparams(view=VIEW))  # noqa: S608
