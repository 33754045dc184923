"""The audit chain's verification scan: pages of the log read fast, links checked in C.

Verification reads the log in pages of positions: per page, the events'
columns as stored and the stored links, two statements; the canonical bytes
are packed here, column by column. Because the previous link is stored too, each
link is checked on its own, `SHA-256(stored previous ‖ canonical) == stored
link`, in C-level iteration; all of them holding is the whole chain holding.
A page where anything is off is left to `AuditChain`, which checks it again
row by row. Long ranges can be split over processes, each on its own
connection.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import struct
from binascii import unhexlify
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection as Pipe
from operator import eq, methodcaller
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, select, text
from sqlalchemy.engine import Connection

from ledger.audit.tables import GENESIS, audit_links

_digest = methodcaller("digest")
# A page: the stored links; columns that joined row by row are their records' canonical
# bytes; whether the links and the records are at the same positions.
_Page = tuple[Sequence[Any], Sequence[Iterable[Any]], bool]
_T = TypeVar("_T")


class _Outcome(Protocol):
    """What verifying a range answers (`ledger.audit.chain.Verification`): whether it holds."""

    @property
    def ok(self) -> bool: ...


_V = TypeVar("_V", bound=_Outcome)
# Verifies positions `low`..`high` following the link `previous`, telling `on_page` the positions of each page.
RangeCheck = Callable[[int, int, bytes, Callable[[int], None]], _V]
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
        # Columns as stored (binary results: bytes arrive as bytes); the client
        # packs the head, which costs less than the server's concatenations.
        events = (
            "SELECT notification_id, uuid_send(originator_id), originator_version, topic, state"  # noqa: S608
            f" FROM {self.table} WHERE notification_id BETWEEN %s AND %s ORDER BY notification_id"
        )
        links = "SELECT position, link FROM audit_links WHERE position BETWEEN %s AND %s ORDER BY position"
        with raw.cursor(binary=True) as cursor:
            return cursor.execute(events, (low, high)).fetchall(), cursor.execute(links, (low, high)).fetchall()


def _postgres_page(events: list[Any], linked: list[Any]) -> _Page:
    # `uuid_send` gives the id's 16 bytes, exactly what `16s` packs.
    positions, ids, versions, topics, states = zip(*events, strict=True) if events else ((),) * 5
    link_positions, links = zip(*linked, strict=True) if linked else ((), ())
    return links, _canonical_parts(positions, ids, versions, topics, states), positions == link_positions


def _sqlite_page(events: list[Any], linked: list[Any]) -> _Page:
    # SQLite's printf/hex would cost more than packing here. Ids are the
    # recorder's 32 hex digits, which `unhexlify` turns into exactly the 16
    # bytes `16s` packs; any other spelling fails the check here, and the plain
    # merge reads it as `canonical_bytes` does.
    positions, ids, versions, topics, states = zip(*events, strict=True) if events else ((),) * 5
    link_positions, links = zip(*linked, strict=True) if linked else ((), ())
    complete = positions == link_positions and set(map(type, ids)) <= {str} and set(map(len, ids)) <= {32}
    return links, _canonical_parts(positions, map(unhexlify, ids), versions, topics, states), complete


def _canonical_parts(
    positions: Iterable[int],
    identities: Iterable[bytes],
    versions: Iterable[int],
    topics: Iterable[str],
    states: Sequence[bytes],
) -> tuple[Iterable[bytes], ...]:
    """Columns whose concatenation, row by row, is each record's canonical bytes (C-level maps)."""
    return (
        map(_HEAD.pack, positions, identities, versions),
        map(_TopicBytes().__getitem__, topics),
        map(_U64.pack, map(len, states)),
        states,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for a scan (which makes no cycles).

    Each page's row tuples outlive the youngest generation, so a scan promotes
    hundreds of thousands of them and sets off full collections that walk the
    whole heap, a share of a scan worth saving (bench/README.md, "Figures
    behind the code").
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


# How often the parent passes on the children's progress while it waits for their outcomes.
_PROGRESS_EVERY_S = 0.2


def _in_processes(
    engine: Engine,
    check: RangeCheck[_V],
    ranges: list[tuple[int, int, bytes]],
    *,
    progress: Callable[[int], None] | None = None,
) -> list[_V]:
    """Verify each range with `check` in a forked process; the outcomes in order, up to the first broken one.

    The children add the positions they verified to one shared counter, which
    `progress` is told while the parent waits.
    """
    context = multiprocessing.get_context("fork")
    verified = context.Value("q", 0)
    children = []
    for low, high, previous in ranges:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_child, args=(engine, check, low, high, previous, sender, verified), daemon=True
        )
        process.start()
        sender.close()
        children.append((process, receiver))
    outcomes: list[_V] = []
    try:
        for process, receiver in children:
            while progress is not None and not receiver.poll(_PROGRESS_EVERY_S):
                progress(verified.value)
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


def _child(
    engine: Engine, check: RangeCheck[_V], low: int, high: int, previous: bytes, sender: Pipe, verified: Any
) -> None:
    # The parent's pooled connections stay the parent's: this process opens its own.
    _INHERITED.append(engine.pool)
    engine.dispose(close=False)

    def on_page(positions: int) -> None:
        with verified.get_lock():
            verified.value += positions

    try:
        sender.send(check(low, high, previous, on_page))
    except Exception as error:  # reported to the parent, which raises
        sender.send(repr(error))
    finally:
        sender.close()
