"""Worker register: one row per worker (personal fields sealed), housing, work addresses, legal holds.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Ciphertext of the worker's data key (`sealed:v1:` tokens), never plaintext.
_SEALED_FIELDS = (
    "family_name",
    "given_names",
    "birth_date",
    "id_document_type",
    "id_document_number",
    "id_document_expires_on",
    "bsn",
)


def upgrade() -> None:
    op.create_table(
        "register_workers",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("employer_id", sa.String(32), nullable=False),
        sa.Column("nationality", sa.String(3), nullable=False),
        sa.Column("contract_start", sa.Date, nullable=False),
        sa.Column("expected_end_date", sa.Date, nullable=True),
        sa.Column("contract_end", sa.Date, nullable=True),
        sa.Column("departed_on", sa.Date, nullable=True),
        sa.Column("population_register", sa.String(3), nullable=True),
        sa.Column("population_registered_on", sa.Date, nullable=True),
        sa.Column("shredded", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        *(sa.Column(f"sealed_{field}", sa.Text, nullable=True) for field in _SEALED_FIELDS),
        sa.Column("family_name_index", sa.String(64), nullable=True),
    )
    op.create_index("ix_register_workers_employer", "register_workers", ["employer_id", "worker_id"])
    op.create_index("ix_register_workers_family_name_index", "register_workers", ["family_name_index"])
    op.create_table(
        "register_housing_entries",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("housing_location_id", sa.String(32), nullable=True),
        sa.Column("is_departure", sa.Boolean, nullable=False),
    )
    op.create_table(
        "register_housing",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("valid_from", sa.Date, primary_key=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("housing_location_id", sa.String(32), nullable=False),
    )
    op.create_index("ix_register_housing_location", "register_housing", ["housing_location_id", "valid_from"])
    op.create_table(
        "register_work_addresses",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("street", sa.String(200), nullable=False),
        sa.Column("house_number", sa.Integer, nullable=False),
        sa.Column("house_letter", sa.String(1), nullable=True),
        sa.Column("house_number_addition", sa.String(4), nullable=True),
        sa.Column("postcode", sa.String(6), nullable=False),
        sa.Column("city", sa.String(80), nullable=False),
    )
    op.create_table(
        "register_legal_holds",
        sa.Column("worker_id", sa.String(32), primary_key=True),
        sa.Column("case_reference", sa.String(64), primary_key=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_reason", sa.Text, nullable=True),
    )


def downgrade() -> None:
    for table in (
        "register_legal_holds",
        "register_work_addresses",
        "register_housing",
        "register_housing_entries",
        "register_workers",
    ):
        op.drop_table(table)
