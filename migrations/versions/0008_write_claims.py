"""Write-side claims: unique identity documents, addresses and Idempotency-Keys, written with the events.

`write_claims` holds the claimed identity documents (a blind index) and
addresses; `idempotency_keys` is replaced by a table keyed on the whole
caller that keeps a write's receipt or a refusal's body. The documents of a
ledger that has events already are sealed, so this migration cannot read them:
it leaves a marker in `pending_backfills`, and the first process that opens
the ledger with its keys (`ledger migrate` does, right after this) builds the
claims (`Ledger.backfill_claims`). Answers kept by the old table are dropped:
it was keyed on the token's subject alone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The event tables of the library's recorders.
_EVENTS = {"sqlite": "stored_events", "postgresql": "ledger_events"}


def upgrade() -> None:
    op.create_table(
        "write_claims",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("claim_key", sa.String(64), primary_key=True),
        sa.Column("holder_id", sa.String(32), primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ux_write_claims_active",
        "write_claims",
        ["kind", "claim_key"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_index("ix_write_claims_holder", "write_claims", ["holder_id"])
    op.drop_table("idempotency_keys")
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(64), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("aggregate_id", sa.String(32)),
        sa.Column("aggregate_version", sa.Integer),
        sa.Column("position", sa.BigInteger),
        sa.Column("response_body", sa.LargeBinary),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    pending = op.create_table("pending_backfills", sa.Column("name", sa.String(64), primary_key=True))
    if _has_events():
        op.bulk_insert(pending, [{"name": "write_claims"}])


def _has_events() -> bool:
    bind = op.get_bind()
    table = _EVENTS[bind.dialect.name]
    if not sa.inspect(bind).has_table(table):
        return False  # a new database: the recorders claim from the first event on
    return bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None  # noqa: S608


def downgrade() -> None:
    op.drop_table("pending_backfills")
    op.drop_index("ix_idempotency_keys_created_at", "idempotency_keys")
    op.drop_table("idempotency_keys")
    op.create_table(
        "idempotency_keys",
        sa.Column("actor", sa.String(200), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response_body", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.drop_index("ix_write_claims_holder", "write_claims")
    op.drop_index("ux_write_claims_active", "write_claims")
    op.drop_table("write_claims")
