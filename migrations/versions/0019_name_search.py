"""The name search pages through its index: the register's blind index of the family name, with the worker id.

A common family name matches a tenth of the register (the bench's data: one
worker in ten), and the search answers the first page of them in id order
(`projections.register_queries.name_matches`). Indexed by the blind index
alone, PostgreSQL walked the primary key and filtered out nine rows in ten,
and SQLite sorted every match; by (blind index, worker id) both read the page's
entries in order and stop. The composite index answers the equality lookups
the old one did, so the old one goes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_register_workers_family_name", "register_workers", ["family_name_index", "worker_id"])
    op.drop_index("ix_register_workers_family_name_index", "register_workers")


def downgrade() -> None:
    op.create_index("ix_register_workers_family_name_index", "register_workers", ["family_name_index"])
    op.drop_index("ix_register_workers_family_name", "register_workers")
