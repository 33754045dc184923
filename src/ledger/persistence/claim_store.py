"""The claim tables, and what is read and written in them outside the events' transaction.

The recorders write claims with the events (`ledger.persistence.claims`); this module
defines the same tables for SQLAlchemy and the migration, and does the rest:
find the holder of a taken claim, find the first answer to an
`Idempotency-Key`, keep an answer that wrote no events (a refusal, or a
success with nothing to record), forget the document claims of shredded
subjects, and build the claims of a ledger that existed before them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    exists,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from ledger.persistence.claims import (
    CLAIMS_TABLE,
    IDEMPOTENCY_TABLE,
    IDENTITY_DOCUMENT,
    Claim,
    IdempotencyClaim,
    KeptAnswer,
)
from ledger.persistence.database import UTCDateTime, in_chunks, reading

metadata = MetaData()

write_claims = Table(
    CLAIMS_TABLE,
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("claim_key", String(64), primary_key=True),
    Column("holder_id", String(32), primary_key=True),
    # An identity document stays claimed, inactive, once the registration ended: "was this person registered?"
    Column("active", Boolean, nullable=False),
    # The position of the event that took the claim.
    Column("position", BigInteger, nullable=False),
    Index(
        "ux_write_claims_active",
        "kind",
        "claim_key",
        unique=True,
        sqlite_where=text("active"),
        postgresql_where=text("active"),
    ),
    Index("ix_write_claims_holder", "holder_id"),
)

idempotency_keys = Table(
    IDEMPOTENCY_TABLE,
    metadata,
    Column("principal", String(64), primary_key=True),
    Column("idempotency_key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    # A write's receipt (the answer is rendered from it) ...
    Column("aggregate_id", String(32)),
    Column("aggregate_version", Integer),
    Column("position", BigInteger),
    # ... or the body of an answer that wrote nothing.
    Column("response_body", LargeBinary),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

# Work a migration leaves for the first process that has the keys (the backfill of `write_claims`).
pending_backfills = Table("pending_backfills", metadata, Column("name", String(64), primary_key=True))

CLAIMS_BACKFILL = CLAIMS_TABLE


class ClaimStore:
    """Reads and the small writes of the claim tables, on the ledger's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def holder(self, kind: str, key: str) -> UUID | None:
        """The aggregate holding the active claim of `kind` on `key`, if any."""
        c = write_claims.c
        with reading(self.engine) as conn:
            found = conn.execute(
                select(c.holder_id).where(c.kind == kind, c.claim_key == key, c.active.is_(True))
            ).scalar()
        return UUID(found) if found else None

    def held(self, claims: Sequence[Claim]) -> Claim | None:
        """The first of `claims` that another aggregate holds already (a check before writing, a query a batch)."""
        c = write_claims.c
        for chunk in in_chunks(claims):
            with reading(self.engine) as conn:
                holders = {
                    (row.kind, row.claim_key): row.holder_id
                    for row in conn.execute(
                        select(c.kind, c.claim_key, c.holder_id).where(
                            c.claim_key.in_({claim.key for claim in chunk}), c.active.is_(True)
                        )
                    )
                }
            for claim in chunk:
                holder = holders.get((claim.kind, claim.key))
                if holder is not None and holder != claim.holder_id.hex:
                    return claim
        return None

    def answer(self, principal: str, key: str, *, kept_since: datetime) -> KeptAnswer | None:
        """The first answer to this caller's key, unless it is older than `kept_since` (then it is forgotten)."""
        k = idempotency_keys.c
        with reading(self.engine) as conn:
            row = conn.execute(
                select(
                    k.request_hash, k.status_code, k.aggregate_id, k.aggregate_version, k.position, k.response_body
                ).where(k.principal == principal, k.idempotency_key == key, k.created_at >= kept_since)
            ).first()
        if row is None:
            return None
        return KeptAnswer(
            request_hash=row.request_hash,
            status_code=int(row.status_code),
            aggregate_id=UUID(row.aggregate_id) if row.aggregate_id else None,
            version=row.aggregate_version,
            position=row.position,
            body=bytes(row.response_body) if row.response_body is not None else None,
        )

    def keep(self, claim: IdempotencyClaim, answer: KeptAnswer, *, now: datetime, purge_before: datetime) -> bool:
        """Keep the answer of a request that wrote no events; False if the key was taken first.

        Its own small commit: there is no events' transaction to join.
        Answers kept longer than the period are purged in the same commit.
        """
        k = idempotency_keys.c
        values = {
            "principal": claim.principal,
            "idempotency_key": claim.key,
            "request_hash": answer.request_hash,
            "status_code": answer.status_code,
            "aggregate_id": answer.aggregate_id.hex if answer.aggregate_id else None,
            "aggregate_version": answer.version,
            "position": answer.position,
            "response_body": answer.body,
            "created_at": now,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(idempotency_keys).where(k.created_at < purge_before))
                conn.execute(insert(idempotency_keys).values(**values))
        except IntegrityError:
            return False
        return True


def forget_holders(conn: Connection, holder_hexes: Sequence[str]) -> None:
    """Destroy the identity-document claims of shredded subjects (in the caller's transaction).

    Called where their tombstones are written: once a subject is shredded no
    claim may confirm that its document was ever registered.
    """
    c = write_claims.c
    for chunk in in_chunks(holder_hexes):
        conn.execute(delete(write_claims).where(c.kind == IDENTITY_DOCUMENT, c.holder_id.in_(chunk)))


def forget_tombstoned(conn: Connection, tombstones: Table) -> int:
    """Destroy the identity-document claims of every tombstoned subject (a restored backup); return how many."""
    c = write_claims.c
    tombstoned = exists().where(tombstones.c.subject_id == c.holder_id)
    result = conn.execute(delete(write_claims).where(c.kind == IDENTITY_DOCUMENT, tombstoned))
    return int(result.rowcount or 0)


def backfill_pending(engine: Engine) -> bool:
    """Whether a migration left the claims of existing events to be built."""
    with reading(engine) as conn:
        return (
            conn.execute(select(pending_backfills.c.name).where(pending_backfills.c.name == CLAIMS_BACKFILL)).first()
            is not None
        )


def write_backfill(engine: Engine, claims: Sequence[tuple[Claim, bool, int]]) -> tuple[int, int] | None:
    """Insert the claims a backfill built (claim, active, position) and clear its marker, in one transaction.

    Returns how many were inserted and how many of them active, or None when
    another process did the backfill first. A claim some write has made since
    is left as it is; of two active claims on one value the first stays active.
    """
    c = write_claims.c
    with engine.begin() as conn:
        cleared = conn.execute(delete(pending_backfills).where(pending_backfills.c.name == CLAIMS_BACKFILL)).rowcount
        if not cleared:
            return None
        present = {(r.kind, r.claim_key, r.holder_id) for r in conn.execute(select(c.kind, c.claim_key, c.holder_id))}
        active = {(r.kind, r.claim_key) for r in conn.execute(select(c.kind, c.claim_key).where(c.active.is_(True)))}
        rows = []
        for claim, is_active, position in claims:
            holder = claim.holder_id.hex
            if (claim.kind, claim.key, holder) in present:
                continue
            live = is_active and (claim.kind, claim.key) not in active
            if live:
                active.add((claim.kind, claim.key))
            rows.append(
                {"kind": claim.kind, "claim_key": claim.key, "holder_id": holder, "active": live, "position": position}
            )
        for chunk in in_chunks(rows):
            conn.execute(insert(write_claims), list(chunk))
    return len(rows), sum(1 for row in rows if row["active"])
