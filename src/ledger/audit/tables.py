"""The audit chain's tables and the link before the first event.

`audit_links` holds one link per stored event and `audit_checkpoints` the
recorded heads of the chain. They live apart from `ledger.audit.chain` so that the
chain and its verification scan (`ledger.audit.scan`) can both use them
without importing each other; `ledger.audit.chain` names them too.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, LargeBinary, MetaData, Table

from ledger.persistence.utc_datetime import UTCDateTime

metadata = MetaData()

audit_links = Table(
    "audit_links",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("link", LargeBinary(32), nullable=False),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("link", LargeBinary(32), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

GENESIS = bytes(32)
