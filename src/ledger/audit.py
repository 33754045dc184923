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

Verification reads the log in pages of positions: per page, the events'
columns (PostgreSQL assembles most of the canonical bytes itself) and the
stored links, two statements. Because the previous link is stored too, each
link is checked on its own, `SHA-256(stored previous ‖ canonical) == stored
link`, in C-level iteration; all of them holding is the whole chain holding.
A page where anything is off is checked again row by row, by the plain merge
of events and links, which names the first broken position and what differs.
Long ranges can be split over processes, each on its own connection.

A checkpoint (position, link, time) is recorded periodically and written to
the log, so a copy kept outside the system proves the chain was not rebuilt.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import struct
from binascii import unhexlify
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from multiprocessing.connection import Connection as Pipe
from operator import eq, methodcaller
from typing import Any, TypeVar
from uuid import UUID

import structlog
from eventsourcing.persistence import ApplicationRecorder, Notification
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    Table,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection

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


def link_of(previous: bytes, notification: Notification) -> bytes:
    """The link of a notification read back from the log."""
    n = notification
    return next_link(previous, n.id, n.originator_id, n.originator_version, n.topic, n.state)


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

    def latest_checkpoint(self) -> Checkpoint | None:
        """The checkpoint at the highest position, if any was recorded."""
        c = audit_checkpoints.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.position, c.link, c.recorded_at).order_by(c.position.desc()).limit(1)).first()
        if row is None:
            return None
        recorded_at: datetime = row[2]  # SQLite gives back the UTC instant without its offset
        recorded_at = recorded_at.astimezone(UTC) if recorded_at.tzinfo else recorded_at.replace(tzinfo=UTC)
        return Checkpoint(int(row[0]), bytes(row[1]), recorded_at)

    def verify(self, *, start: int = 0, workers: int = 1) -> Verification:
        """Recompute the links from the stored events and compare; name the first broken position.

        The link before `start` is taken as given. With `workers` above one, a
        long range is split over that many processes (forked: call it from a
        command, not from a threaded server).
        """
        return self._verify_after(start, None, workers)

    def verify_since_checkpoint(self, *, workers: int = 1) -> tuple[Checkpoint | None, Verification]:
        """Confirm the stored link at the latest checkpoint is the one it recorded, then verify on from there.

        Without any checkpoint, the whole chain is verified.
        """
        checkpoint = self.latest_checkpoint()
        if checkpoint is None:
            return None, self.verify(workers=workers)
        with self.engine.connect() as conn:
            stored = conn.execute(
                select(audit_links.c.link).where(audit_links.c.position == checkpoint.position)
            ).scalar_one_or_none()
        if stored is None or bytes(stored) != checkpoint.link:
            return checkpoint, Verification(False, 0, checkpoint.position, CHECKPOINT_DIFFERS)
        return checkpoint, self._verify_after(checkpoint.position + 1, checkpoint.link, workers)

    def _verify_after(self, start: int, previous: bytes | None, workers: int) -> Verification:
        """Verify from `start` to the head, following `previous` (None: the stored link before `start`)."""
        with self.engine.connect() as conn:
            # Events and links in one statement: a link commits with its event, so
            # every position up to this head has both, even while others write;
            # a link beyond the last event is a deleted event, not a later write.
            head = self._store.head(conn)
            if head < start:
                return Verification(True, 0)
            ranges = self._ranges(start, head, workers)
            starts = [self._store.link_before(conn, low) for low, _ in ranges]
            starts[0] = starts[0] if previous is None else previous
            if len(ranges) == 1:
                return self._scan(conn, start, head, starts[0])
        outcomes = _in_processes(
            self, [(low, high, before) for (low, high), before in zip(ranges, starts, strict=True)]
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

    def _verify_range(self, low: int, high: int, previous: bytes) -> Verification:
        """Verify positions `low`..`high` following `previous`, on a connection of its own."""
        with self.engine.connect() as conn:
            return self._scan(conn, low, high, previous)

    def _scan(self, conn: Connection, low: int, high: int, previous: bytes) -> Verification:
        """Verify positions `low`..`high` following `previous`: page by page, row by row where a page fails."""
        checked = 0
        spans = [(page_low, min(page_low + self.page - 1, high)) for page_low in range(low, high + 1, self.page)]
        if self._store.dialect == "postgresql":
            # Without statistics (a table just loaded) the planner sorts a bitmap
            # scan's rows, wide ones, that the index gives in order; for this
            # transaction only.
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        with _collector_paused(), closing(self._store.pages(conn.connection.driver_connection, spans)) as pages:
            for (page_low, page_high), (links, parts, complete) in zip(spans, pages, strict=True):
                if complete and _links_hold(previous, links, parts):
                    checked += len(links)
                    previous = links[-1] if links else previous
                    continue
                broken, count, previous = self._exact(page_low, page_high, previous)
                checked += count
                if broken is not None:
                    return Verification(False, checked, *broken)
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


_digest = methodcaller("digest")
# A page: the stored links; columns that joined row by row are their records' canonical
# bytes; whether the links and the records are at the same positions.
_Page = tuple[Sequence[Any], Sequence[Iterable[Any]], bool]
_T = TypeVar("_T")
_HEAD, _U32, _U64 = struct.Struct(">q16sq"), struct.Struct(">I"), struct.Struct(">Q")


def _links_hold(previous: bytes, links: Sequence[Any], parts: Sequence[Iterable[Any]]) -> bool:
    """Whether each link is SHA-256 of the link stored before it and its record's canonical bytes.

    `parts` are columns whose concatenation, row by row, is the canonical
    bytes. The iteration runs in C (`map`, `zip`, `all`): per event, the work
    beside the hashing is one join and one comparison.
    """
    if not all(links):  # an event without a link; or an empty, forged one
        return False
    before = (previous, *links[:-1]) if links else ()
    try:
        return all(map(eq, map(_digest, map(hashlib.sha256, map(b"".join, zip(before, *parts, strict=True)))), links))
    except (TypeError, ValueError, AttributeError, struct.error):
        return False  # a record the fast form cannot read: the plain merge will say what it is


class _TopicBytes(dict[str, bytes]):
    """A topic's length-prefixed UTF-8 bytes, made once per topic (there are a few dozen)."""

    def __missing__(self, topic: str) -> bytes:
        encoded = topic.encode()
        self[topic] = value = _U32.pack(len(encoded)) + encoded
        return value


@dataclass(frozen=True)
class _Store:
    """The backend's statements over the event table and the links."""

    dialect: str
    table: str
    position: str

    @classmethod
    def of(cls, dialect: str, table: str) -> _Store:
        return cls(dialect, table, "rowid" if dialect == "sqlite" else "notification_id")

    def head(self, conn: Connection) -> int:
        """The highest position of an event or a link, read in one statement."""
        row = conn.execute(
            text(f"SELECT (SELECT max({self.position}) FROM {self.table}), (SELECT max(position) FROM audit_links)")  # noqa: S608 - our own table
        ).one()
        return max(int(row[0] or 0), int(row[1] or 0))

    def link_before(self, conn: Connection, position: int) -> bytes:
        """The stored link before `position` (genesis before the first)."""
        c = audit_links.c
        row = conn.execute(select(c.link).where(c.position < position).order_by(c.position.desc()).limit(1)).first()
        return GENESIS if row is None else bytes(row[0])

    def records(self, conn: Connection, low: int, high: int) -> list[Any]:
        """The stored records at positions `low`..`high`, as the recorders linked them."""
        statement = (
            f"SELECT {self.position}, originator_id, originator_version, topic, state FROM {self.table} "  # noqa: S608
            f"WHERE {self.position} BETWEEN :low AND :high ORDER BY {self.position}"
        )
        return list(conn.execute(text(statement), {"low": low, "high": high}))

    def links(self, conn: Connection, low: int, high: int) -> list[tuple[int, bytes]]:
        """The stored links at positions `low`..`high`."""
        c = audit_links.c
        rows = conn.execute(select(c.position, c.link).where(c.position.between(low, high)).order_by(c.position))
        return [(int(position), bytes(link)) for position, link in rows]

    def pages(self, raw: Any, spans: Sequence[tuple[int, int]]) -> Generator[_Page]:
        """Per span of positions: its links, the parts of their records' canonical bytes, whether they line up."""
        if self.dialect == "sqlite":  # an sqlite3 connection serves only the thread that opened it
            return (_sqlite_page(*self._sqlite_rows(raw, low, high)) for low, high in spans)
        return (_postgres_page(*rows) for rows in _read_ahead(partial(self._postgres_rows, raw), spans))

    def _sqlite_rows(self, raw: Any, low: int, high: int) -> tuple[list[Any], list[Any]]:
        events = f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.table}"  # noqa: S608
        events += " WHERE rowid BETWEEN ? AND ? ORDER BY rowid"
        links = "SELECT position, link FROM audit_links WHERE position BETWEEN ? AND ? ORDER BY position"
        return raw.execute(events, (low, high)).fetchall(), raw.execute(links, (low, high)).fetchall()

    def _postgres_rows(self, raw: Any, low: int, high: int) -> tuple[list[Any], list[Any]]:
        # The database writes the head of the canonical bytes (small values: cheap
        # to concatenate); the state travels as it is stored. Binary results:
        # bytes arrive as bytes. A join costs the server more than two statements.
        events = (
            "SELECT notification_id, int8send(notification_id) || uuid_send(originator_id)"  # noqa: S608
            " || int8send(originator_version) || int4send(octet_length(convert_to(topic, 'UTF8')))"
            " || convert_to(topic, 'UTF8') || int8send(octet_length(state)::bigint), state"
            f" FROM {self.table} WHERE notification_id BETWEEN %s AND %s ORDER BY notification_id"
        )
        links = "SELECT position, link FROM audit_links WHERE position BETWEEN %s AND %s ORDER BY position"
        with raw.cursor(binary=True) as cursor:
            return cursor.execute(events, (low, high)).fetchall(), cursor.execute(links, (low, high)).fetchall()


def _postgres_page(events: list[Any], linked: list[Any]) -> _Page:
    positions, heads, states = zip(*events, strict=True) if events else ((), (), ())
    link_positions, links = zip(*linked, strict=True) if linked else ((), ())
    return links, (heads, states), positions == link_positions


def _sqlite_page(events: list[Any], linked: list[Any]) -> _Page:
    # Columns as stored, assembled by C-level maps (SQLite's printf/hex would
    # cost more). Ids are the recorder's 32 hex digits, which `unhexlify` turns
    # into exactly the 16 bytes `16s` packs; any other spelling fails the check
    # here, and the plain merge reads it as `canonical_bytes` does.
    positions, ids, versions, topics, states = zip(*events, strict=True) if events else ((),) * 5
    link_positions, links = zip(*linked, strict=True) if linked else ((), ())
    complete = positions == link_positions and set(map(type, ids)) <= {str} and set(map(len, ids)) <= {32}
    parts = (
        map(_HEAD.pack, positions, map(unhexlify, ids), versions),
        map(_TopicBytes().__getitem__, topics),
        map(_U64.pack, map(len, states)),
        states,
    )
    return links, parts, complete


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for a scan (which makes no cycles).

    Each page's row tuples outlive the youngest generation, so a scan promotes
    hundreds of thousands of them and sets off full collections that walk the
    whole heap: some 15 % of the time of a scan, measured.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_ahead(read: Callable[[int, int], _T], spans: Sequence[tuple[int, int]]) -> Generator[_T]:
    """The pages of `spans`, each read in a thread while the one before it is hashed.

    The database builds and sends the next page meanwhile (psycopg waits for it
    without the GIL). Closing the iterator waits for the read in flight, so the
    connection is free again when the caller's block ends.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-read") as reader:
        pending: Future[_T] | None = None
        for span in spans:
            following = reader.submit(read, *span)
            if pending is not None:
                yield pending.result()
            pending = following
        if pending is not None:
            yield pending.result()


def _in_processes(chain: AuditChain, ranges: list[tuple[int, int, bytes]]) -> list[Verification]:
    """Verify each range in a forked process; the outcomes in order, up to the first broken one."""
    context = multiprocessing.get_context("fork")
    children = []
    for low, high, previous in ranges:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(chain, low, high, previous, sender), daemon=True)
        process.start()
        sender.close()
        children.append((process, receiver))
    outcomes: list[Verification] = []
    try:
        for process, receiver in children:
            try:
                outcome = receiver.recv()
            except EOFError:
                process.join()
                outcome = f"it ended with exit code {process.exitcode}"
            if isinstance(outcome, str):
                msg = f"audit verification failed in a worker process: {outcome}"
                raise RuntimeError(msg)
            outcomes.append(outcome)
            if not outcome.ok:
                break  # what follows the first broken position is not reported
    finally:
        for process, receiver in children:
            if process.is_alive() and len(outcomes) < len(children):
                process.terminate()
            process.join()
            receiver.close()
    return outcomes


# The parent's pool, kept referenced in a forked child until it exits: dropped, its
# SQLite connections would be closed from the child, which SQLite forbids.
_INHERITED: list[object] = []


def _child(chain: AuditChain, low: int, high: int, previous: bytes, sender: Pipe) -> None:
    # The parent's pooled connections stay the parent's: this process opens its own.
    _INHERITED.append(chain.engine.pool)
    chain.engine.dispose(close=False)
    try:
        sender.send(chain._verify_range(low, high, previous))
    except Exception as error:  # reported to the parent, which raises
        sender.send(repr(error))
    finally:
        sender.close()
