"""BRP facts (issue 16 §1): BRP address, deregistration and protection in the alerts view; the status in the register.

`alert_workers` gains the BRP address of the latest registration (BAG id,
since), the latest deregistration and the start of temporary protection;
`register_workers` gains the population-register status, the BRP address's
municipality and since, the deregistration, the employer's declaration and
temporary protection. Both views are what their projections make of the log:
their rows and positions are removed and their runners rebuild them from the
first event (old `PopulationRegisterRecorded` events are upcast with the
address unknown), as 0009 did for the residence view. The register view
re-seals its personal fields on the rebuild; a shredded worker stays shredded.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Each view and its tables (`projections.alerts.AlertFactsView`, `projections.register.RegisterView`).
_VIEWS = {
    "alerts": ("alert_workers",),
    "register": (
        "register_legal_holds",
        "register_work_addresses",
        "register_housing",
        "register_housing_entries",
        "register_workers",
    ),
}
_ALERT_COLUMNS = (
    ("brp_bag_id", sa.String(16)),
    ("brp_address_since", sa.Date),
    ("deregistered_on", sa.Date),
    ("temporary_protection_from", sa.Date),
)
_REGISTER_COLUMNS = (
    ("population_status", sa.String(16)),
    ("population_municipality_code", sa.String(4)),
    ("population_address_since", sa.Date),
    ("deregistered_on", sa.Date),
    ("deregistration_reason", sa.String(32)),
    ("declared_register", sa.String(3)),
    ("declared_on", sa.Date),
    ("temporary_protection_from", sa.Date),
)


def upgrade() -> None:
    _forget_the_views()
    for column, kind in _ALERT_COLUMNS:
        op.add_column("alert_workers", sa.Column(column, kind, nullable=True))
    for column, kind in _REGISTER_COLUMNS:
        op.add_column("register_workers", sa.Column(column, kind, nullable=True))


def downgrade() -> None:
    # The old code rebuilds both views from the log in the old shape.
    _forget_the_views()
    with op.batch_alter_table("alert_workers") as batch:
        for column, _ in _ALERT_COLUMNS:
            batch.drop_column(column)
    with op.batch_alter_table("register_workers") as batch:
        for column, _ in _REGISTER_COLUMNS:
            batch.drop_column(column)


def _forget_the_views() -> None:
    for view, tables in _VIEWS.items():
        for table in tables:
            op.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 (a fixed table name)
        for table in ("projection_tracking", "projection_status"):
            op.execute(sa.text(f"DELETE FROM {table} WHERE view_name = :view").bindparams(view=view))  # noqa: S608
