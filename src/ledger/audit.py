"""The audit chain: tamper evidence over the event store.

Beside the event store, `audit_links` holds one link per stored event, in
notification order: `link = SHA-256(previous link ‖ canonical bytes of the
stored record)`, where the canonical bytes are the position, the aggregate id,
the version, the topic and the stored state, each length-prefixed. Changing,
deleting, swapping or inserting a stored row breaks the chain from there on,
and `verify` names the first broken position and what differs.

The links are written **in the same transaction as the events they cover**, by
the ledger's recorders (`ledger.sqlite_store`, `ledger.postgres_store`): both
insert under the event table's write lock, so the last link is stable, and an
event that exists always has its link. A follower extending the chain later
could not tell a row inserted out of band at the end of the log from a
legitimate write; in-transaction linking can. Crypto-shredding never changes
stored bytes, so the chain survives any shred.

A checkpoint (position, link, time) is recorded periodically and written to
the log, so a copy kept outside the system proves the chain was not rebuilt.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import structlog
from eventsourcing.persistence import ApplicationRecorder, Notification
from sqlalchemy import BigInteger, Column, DateTime, Engine, LargeBinary, MetaData, Table, insert, select

log = structlog.get_logger()

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
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

GENESIS = bytes(32)
_PAGE = 2000


def canonical_bytes(position: int, originator_id: UUID | str, version: int, topic: str, state: bytes) -> bytes:
    """The stored record as bytes: position, aggregate id, version, topic, state (length-prefixed)."""
    identity = originator_id.bytes if isinstance(originator_id, UUID) else UUID(str(originator_id)).bytes
    encoded_topic = topic.encode()
    return b"".join(
        (
            struct.pack(">q", position),
            identity,
            struct.pack(">q", version),
            struct.pack(">I", len(encoded_topic)),
            encoded_topic,
            struct.pack(">Q", len(state)),
            bytes(state),
        )
    )


def next_link(
    previous: bytes, position: int, originator_id: UUID | str, version: int, topic: str, state: bytes
) -> bytes:
    """The link of the stored record at `position`, following `previous`."""
    return hashlib.sha256(previous + canonical_bytes(position, originator_id, version, topic, state)).digest()


def link_of(previous: bytes, notification: Notification) -> bytes:
    """The link of a notification read back from the log."""
    n = notification
    return next_link(previous, n.id, n.originator_id, n.originator_version, n.topic, n.state)


@dataclass(frozen=True)
class Verification:
    """The outcome of recomputing the chain."""

    ok: bool
    checked: int
    first_broken_position: int | None = None
    problem: str | None = None


class AuditChain:
    """Verifies the chain of links over the ledger's event store, and records checkpoints."""

    def __init__(self, recorder: ApplicationRecorder, engine: Engine) -> None:
        self.recorder = recorder
        self.engine = engine

    def head(self) -> tuple[int, bytes]:
        """The last linked position and its link ((0, genesis) for an empty ledger)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(audit_links.c.position, audit_links.c.link).order_by(audit_links.c.position.desc()).limit(1)
            ).first()
        return (0, GENESIS) if row is None else (int(row[0]), bytes(row[1]))

    def checkpoint(self) -> tuple[int, bytes] | None:
        """Record (position, link, time) of the chain's head, and write it to the log."""
        position, link = self.head()
        if position == 0:
            return None
        with self.engine.begin() as conn:
            known = conn.execute(select(audit_checkpoints.c.position).where(audit_checkpoints.c.position == position))
            if known.first() is None:
                conn.execute(
                    insert(audit_checkpoints).values(position=position, link=link, recorded_at=datetime.now(UTC))
                )
        log.info("audit_checkpoint", position=position, link=link.hex())
        return position, link

    def verify(self, *, start: int = 0) -> Verification:
        """Recompute the links from the stored events and compare; name the first broken position."""
        # Events first, links second: a link commits with its event, so every event
        # up to this head must have its link, even while others are writing.
        head = self.recorder.max_notification_id() or 0
        previous, links = self._links(start, head)
        checked = 0
        expected = iter(links)
        linked = next(expected, None)
        for notification in self._notifications(start, head):
            if linked is not None and linked[0] < notification.id:
                return Verification(False, checked, linked[0], "a linked event is missing: deleted")
            if linked is None or linked[0] > notification.id:
                return Verification(False, checked, notification.id, "an event without a link: inserted out of band")
            previous = link_of(previous, notification)
            if previous != linked[1]:
                return Verification(False, checked, notification.id, "the stored event differs from what was linked")
            checked += 1
            linked = next(expected, None)
        if linked is not None and linked[0] <= head:
            return Verification(False, checked, linked[0], "a linked event is missing: deleted")
        return Verification(True, checked)

    def _links(self, start: int, head: int) -> tuple[bytes, list[tuple[int, bytes]]]:
        with self.engine.connect() as conn:
            before = conn.execute(
                select(audit_links.c.link)
                .where(audit_links.c.position < start)
                .order_by(audit_links.c.position.desc())
                .limit(1)
            ).first()
            rows = conn.execute(
                select(audit_links.c.position, audit_links.c.link)
                .where((audit_links.c.position >= start) & (audit_links.c.position <= head))
                .order_by(audit_links.c.position)
            )
            links = [(int(p), bytes(link)) for p, link in rows]
        return (GENESIS if before is None else bytes(before[0])), links

    def _notifications(self, start: int, head: int) -> Iterator[Notification]:
        position = max(start - 1, 0)
        while position < head and (
            page := self.recorder.select_notifications(start=position + 1, limit=_PAGE, stop=head)
        ):
            yield from page
            position = page[-1].id
