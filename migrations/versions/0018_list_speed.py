"""The lists made fast (issue 18, "Speed"): the register's sums per employer and day, indexes by employer.

- `register_employer_days`: per employer and day, how many of its workers
  become active (negative: stop being active) and how many it has, so that an
  employer's counts on a day are one indexed sum instead of a scan of the
  register (`projections.employer_counts`). The register view is what its
  projection makes of the log: its rows and position are removed and its
  runner rebuilds it from the first event, sums included, as 0012 did (it
  re-seals its personal fields on the way; a shredded worker stays shredded).
- `residence_history` and `employment_history` by employer: the locations
  housing an employer's workers on a day are read through the employer's own
  rows instead of every worker's.
- `directory_locations` by what the lists filter on, in the lists' order: a
  filter that few locations match walks the index instead of looking every
  location up in the table (SQLite).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# The register view's tables (`projections.register.RegisterView`), children first.
_REGISTER = (
    "register_legal_holds",
    "register_work_addresses",
    "register_outside",
    "register_housing",
    "register_housing_entries",
    "register_workers",
)


def upgrade() -> None:
    _forget_the_register()
    op.create_table(
        "register_employer_days",
        sa.Column("employer_id", sa.String(32), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("active", sa.Integer, nullable=False),
        sa.Column("workers", sa.Integer, nullable=False),
    )
    op.create_index("ix_residence_history_employer", "residence_history", ["employer_id", "valid_from"])
    op.create_index("ix_employment_history_employer", "employment_history", ["employer_id", "valid_from"])
    op.create_index(
        "ix_directory_locations_filters",
        "directory_locations",
        ["housing_location_id", "registered_at", "kind", "street_folded", "city_folded"],
    )


def downgrade() -> None:
    op.drop_index("ix_directory_locations_filters", "directory_locations")
    op.drop_index("ix_employment_history_employer", "employment_history")
    op.drop_index("ix_residence_history_employer", "residence_history")
    op.drop_table("register_employer_days")
    # The old code rebuilds the register from the log, as it was before.
    _forget_the_register()


def _forget_the_register() -> None:
    for table in _REGISTER:
        op.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 (a fixed table name)
    for table in ("projection_tracking", "projection_status"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE view_name = 'register'"))  # noqa: S608 (fixed names)
