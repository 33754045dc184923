"""The audit chain: tamper evidence over the event store.

Beside the event store, `audit_links` holds one link per stored event, in
notification order: `link = SHA-256(previous link ‖ canonical bytes of the
stored record)`, where the canonical bytes are the position, the aggregate id,
the version, the topic and the stored state, each length-prefixed. Changing,
deleting, swapping or inserting a stored row breaks the chain from there on,
and `verify` names the first broken position and what differs.

The links are written **in the same transaction as the events they cover**, by
the ledger's recorders (`ledger.eventstore.sqlite_store`, `ledger.eventstore.postgres_store`): both
insert under the event table's write lock, so the last link is stable, and an
event that exists always has its link. A follower extending the chain later
could not tell a row inserted out of band at the end of the log from a
legitimate write; in-transaction linking can. Crypto-shredding never changes
stored bytes, so the chain survives any shred.

Verification reads the log in pages of positions and checks each page's links
fast (`ledger.audit.scan`). A page where anything is off is checked again row
by row, by the plain merge of events and links, which names the first broken
position and what differs. Long ranges can be split over processes, each on
its own connection.

A checkpoint (position, link, time) is recorded periodically and written to
the log by whoever records it (`ledger audit checkpoint`, the nightly job), so
a copy kept outside the system proves the chain was not rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from sqlalchemy import Engine, insert, select
from sqlalchemy.engine import Connection

from ledger.audit.scan import (
    _collector_paused,
    _in_processes,
    _links_hold,
    _Store,
)
from ledger.audit.tables import GENESIS, audit_checkpoints, audit_links, metadata

# The tables and the genesis link live in `ledger.audit.tables`, the scan in
# `ledger.audit.scan`; they are named here too, where the recorders, the
# migrations and the tests import them from.
__all__ = [
    "CHECKPOINT_DIFFERS",
    "DELETED",
    "DIFFERS",
    "GENESIS",
    "INSERTED",
    "MIN_EVENTS_PER_PROCESS",
    "PAGE",
    "AuditChain",
    "Checkpoint",
    "Verification",
    "audit_checkpoints",
    "audit_links",
    "canonical_bytes",
    "default_workers",
    "metadata",
    "next_link",
]

PAGE = 2000
# A process costs a fork and a connection (tens of milliseconds); below this
# many events each, splitting the work does not pay for itself.
MIN_EVENTS_PER_PROCESS = 25_000

DIFFERS = "the stored event differs from what was linked"
DELETED = "a linked event is missing: deleted"
INSERTED = "an event without a link: inserted out of band"
CHECKPOINT_DIFFERS = "the stored link is not the one the checkpoint recorded: the chain was rewritten"


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


def default_workers() -> int:
    """How many processes `ledger audit verify` uses: one per CPU this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class Verification:
    """The outcome of recomputing the chain."""

    ok: bool
    checked: int
    first_broken_position: int | None = None
    problem: str | None = None


# Told (positions verified, positions to verify) as a verification goes on.
Progress = Callable[[int, int], None]


class _Tally:
    """Positions verified so far, passed on to a progress callback (if any)."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.done = 0
        self.progress = progress

    def add(self, positions: int) -> None:
        self.set(self.done + positions)

    def set(self, done: int) -> None:
        self.done = done
        if self.progress is not None:
            self.progress(min(done, self.total), self.total)


@dataclass(frozen=True)
class Checkpoint:
    """A recorded head of the chain."""

    position: int
    link: bytes
    recorded_at: datetime


class AuditChain:
    """Verifies the chain of links over the ledger's event store, and records checkpoints.

    `page` (positions per query) and `min_events_per_process` are the tuning
    of `verify`; tests lower them to cross page and process boundaries.
    """

    def __init__(
        self,
        recorder: ApplicationRecorder,
        engine: Engine,
        *,
        page: int = PAGE,
        min_events_per_process: int = MIN_EVENTS_PER_PROCESS,
    ) -> None:
        self.recorder = recorder
        self.engine = engine
        self.page = page
        self.min_events_per_process = min_events_per_process
        self._store = _Store.of(engine.dialect.name, str(getattr(recorder, "events_table_name", "stored_events")))

    def head(self) -> tuple[int, bytes]:
        """The last linked position and its link ((0, genesis) for an empty ledger)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(audit_links.c.position, audit_links.c.link).order_by(audit_links.c.position.desc()).limit(1)
            ).first()
        return (0, GENESIS) if row is None else (int(row[0]), bytes(row[1]))

    def checkpoint(self) -> tuple[int, bytes] | None:
        """Record (position, link, time) of the chain's head; the caller writes it to the log."""
        position, link = self.head()
        if position == 0:
            return None
        with self.engine.begin() as conn:
            known = conn.execute(select(audit_checkpoints.c.position).where(audit_checkpoints.c.position == position))
            if known.first() is None:
                conn.execute(
                    insert(audit_checkpoints).values(position=position, link=link, recorded_at=datetime.now(UTC))
                )
        return position, link

    def latest_checkpoint(self, recorded_by: datetime | None = None) -> Checkpoint | None:
        """The checkpoint at the highest position (of those recorded by `recorded_by`, if given), if any."""
        c = audit_checkpoints.c
        statement = select(c.position, c.link, c.recorded_at).order_by(c.position.desc()).limit(1)
        if recorded_by is not None:
            statement = statement.where(c.recorded_at <= recorded_by)
        with self.engine.connect() as conn:
            row = conn.execute(statement).first()
        if row is None:
            return None
        return Checkpoint(int(row[0]), bytes(row[1]), row[2])

    def verify(self, *, start: int = 0, workers: int = 1, progress: Progress | None = None) -> Verification:
        """Recompute the links from the stored events and compare; name the first broken position.

        The link before `start` is taken as given. With `workers` above one, a
        long range is split over that many processes (forked: call it from a
        command, not from a threaded server). `progress(done, total)` is told
        the positions verified so far, a page at a time.
        """
        return self._verify_after(start, None, workers, progress)

    def verify_since_checkpoint(
        self, *, workers: int = 1, progress: Progress | None = None
    ) -> tuple[Checkpoint | None, Verification]:
        """Confirm the stored link at the latest checkpoint is the one it recorded, then verify on from there.

        Without any checkpoint, the whole chain is verified.
        """
        checkpoint = self.latest_checkpoint()
        if checkpoint is None:
            return None, self.verify(workers=workers, progress=progress)
        with self.engine.connect() as conn:
            stored = conn.execute(
                select(audit_links.c.link).where(audit_links.c.position == checkpoint.position)
            ).scalar_one_or_none()
        if stored is None or bytes(stored) != checkpoint.link:
            return checkpoint, Verification(False, 0, checkpoint.position, CHECKPOINT_DIFFERS)
        return checkpoint, self._verify_after(checkpoint.position + 1, checkpoint.link, workers, progress)

    def _verify_after(
        self, start: int, previous: bytes | None, workers: int, progress: Progress | None = None
    ) -> Verification:
        """Verify from `start` to the head, following `previous` (None: the stored link before `start`)."""
        with self.engine.connect() as conn:
            # Events and links in one statement: a link commits with its event, so
            # every position up to this head has both, even while others write;
            # a link beyond the last event is a deleted event, not a later write.
            head = self._store.head(conn)
            if head < start:
                return Verification(True, 0)
            tally = _Tally(head - max(start, 1) + 1, progress)
            ranges = self._ranges(start, head, workers)
            starts = [self._store.link_before(conn, low) for low, _ in ranges]
            starts[0] = starts[0] if previous is None else previous
            if len(ranges) == 1:
                return self._scan(conn, start, head, starts[0], tally.add)
        outcomes = _in_processes(
            self.engine,
            self._verify_range,
            [(low, high, before) for (low, high), before in zip(ranges, starts, strict=True)],
            progress=None if progress is None else tally.set,
        )
        checked = 0
        for outcome in outcomes:
            checked += outcome.checked
            if not outcome.ok:
                return Verification(False, checked, outcome.first_broken_position, outcome.problem)
        return Verification(True, checked)

    def _ranges(self, start: int, head: int, workers: int) -> list[tuple[int, int]]:
        span = head - start + 1
        parts = max(1, min(workers, span // max(self.min_events_per_process, 1)))
        size = -(-span // parts)
        return [(low, min(low + size - 1, head)) for low in range(start, head + 1, size)]

    def _verify_range(
        self, low: int, high: int, previous: bytes, on_page: Callable[[int], None] | None = None
    ) -> Verification:
        """Verify positions `low`..`high` following `previous`, on a connection of its own."""
        with self.engine.connect() as conn:
            return self._scan(conn, low, high, previous, on_page)

    def _scan(
        self, conn: Connection, low: int, high: int, previous: bytes, on_page: Callable[[int], None] | None = None
    ) -> Verification:
        """Verify positions `low`..`high` following `previous`: page by page, row by row where a page fails.

        `on_page(positions)` is told how many positions each page spanned, once it is verified.
        """
        checked = 0
        spans = [(page_low, min(page_low + self.page - 1, high)) for page_low in range(low, high + 1, self.page)]
        if self._store.dialect == "postgresql":
            # For this transaction only. Without statistics (a table just loaded)
            # the planner sorts a bitmap scan's rows, wide ones, that the index
            # gives in order; and it overestimates a page enough to compile it
            # with JIT, which costs more than the page's scan (bench/README.md, B9).
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            conn.exec_driver_sql("SET LOCAL jit = off")
        with _collector_paused(), closing(self._store.pages(conn.connection.driver_connection, spans)) as pages:
            for (page_low, page_high), (links, parts, complete) in zip(spans, pages, strict=True):
                if complete and _links_hold(previous, links, parts):
                    checked += len(links)
                    previous = links[-1] if links else previous
                else:
                    broken, count, previous = self._exact(page_low, page_high, previous)
                    checked += count
                    if broken is not None:
                        return Verification(False, checked, *broken)
                if on_page is not None:
                    on_page(page_high - page_low + 1)
        return Verification(True, checked)

    def _exact(self, low: int, high: int, previous: bytes) -> tuple[tuple[int, str] | None, int, bytes]:
        """The plain merge of events and links over a page: the first problem, the events checked, the last link."""
        with self.engine.connect() as conn:
            events = self._store.records(conn, low, high)
            links = iter(self._store.links(conn, low, high))
        checked = 0
        linked = next(links, None)
        for position, originator_id, version, topic, state in events:
            if linked is not None and linked[0] < position:
                return (linked[0], DELETED), checked, previous
            if linked is None or linked[0] > position:
                return (position, INSERTED), checked, previous
            try:
                previous = next_link(previous, position, originator_id, version, topic, bytes(state))
            except (TypeError, ValueError, AttributeError, struct.error):
                # A record that cannot even be put in canonical form is not what was linked.
                return (position, DIFFERS), checked, previous
            if previous != linked[1]:
                return (position, DIFFERS), checked, previous
            checked += 1
            linked = next(links, None)
        if linked is not None:
            return (linked[0], DELETED), checked, previous
        return None, checked, previous
