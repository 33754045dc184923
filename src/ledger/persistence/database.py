"""The ledger's databases as SQLAlchemy engines (`Database`): key store, read models, claims, audit, migrations.

The event store reaches its tables through the eventsourcing recorder's own
connections; everything else a process reads or writes goes through the
`Database` it was opened with (`ledger.system`), and is disposed with it.

SQLite connections get the same durability pragmas as the event store's own
connections, plus `secure_delete` so that a destroyed data key is overwritten
on disk rather than left in a free page. PostgreSQL connections are opened
with a connect timeout and taken from the pool with a wait timeout (settings),
so that a server that is gone is reported in seconds; `database_unavailable`
tells such a failure from the others.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import psycopg
from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy import exc as sqlalchemy_errors

from ledger.persistence.database_settings import DatabaseSettings
from ledger.persistence.durability import SQLITE_PRAGMAS
from ledger.persistence.utc_datetime import UTCDateTime as UTCDateTime  # noqa: PLC0414 (re-exported: tables import it here)

T = TypeVar("T")

# A statement's IN list (or a batch of rows inserted at once) is cut into chunks of this many, so its
# parameters stay within SQLite's limit on one statement (999 before SQLite 3.32, 32 766 since).
IN_LIST_SIZE = 500


class Database:
    """The ledger's database and the key store's, as engines: one object to pass around and to dispose.

    `engine` is the ledger's database: the tables beside the events (claims,
    audit links, tombstones) and the read models. `key_engine` is the key
    store's, the very same engine when the keys live in the ledger's database
    (PostgreSQL without `LEDGER_KEYSTORE_URL`). Opened and disposed by
    `ledger.system`; connects lazily, on first use.
    """

    def __init__(self, engine: Engine, key_engine: Engine | None = None) -> None:
        self.engine = engine
        self.key_engine = key_engine or engine

    @classmethod
    def of(cls, settings: DatabaseSettings, *, statement_timeout_ms: int | None = None) -> Database:
        """The engines of the configured databases (nothing connects yet)."""
        engine = create_ledger_engine(settings, statement_timeout_ms=statement_timeout_ms)
        return cls(engine, create_keystore_engine(settings, engine))

    @property
    def engines(self) -> list[Engine]:
        """Each engine once: the ledger's, then the key store's if it is another."""
        return [self.engine] if self.key_engine is self.engine else [self.engine, self.key_engine]

    def dispose(self) -> None:
        """Close the connections of every engine."""
        for engine in self.engines:
            engine.dispose()


def create_ledger_engine(
    settings: DatabaseSettings, *, statement_timeout_ms: int | None = None, **kwargs: Any
) -> Engine:
    """An engine for the ledger database; connects lazily, on first use.

    `statement_timeout_ms` bounds every statement on PostgreSQL (the HTTP API
    sets it so that no query runs unbounded).
    """
    return _engine(settings.sqlalchemy_url(), settings, statement_timeout_ms, **kwargs)


def reading(engine: Engine) -> Connection:
    """A connection for reads only (use as a context manager).

    On PostgreSQL it runs each statement on its own, outside a transaction
    block: under READ COMMITTED every statement sees its own snapshot either
    way, and a block costs two round trips more (BEGIN, and ROLLBACK when the
    connection goes back to the pool) — as many as the query's own statements.
    """
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def create_keystore_engine(settings: DatabaseSettings, ledger_engine: Engine) -> Engine:
    """An engine for the key store; the ledger's own engine when both are one database."""
    url = settings.keystore_sqlalchemy_url()
    if url == ledger_engine.url:
        return ledger_engine
    return _engine(url, settings, None)


def _engine(url: URL, settings: DatabaseSettings, statement_timeout_ms: int | None, **kwargs: Any) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": settings.sqlite_lock_timeout_s}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A connect_timeout given in the URL's query wins, as it does for the runner's own connections.
    connect_args: dict[str, Any] = (
        {} if "connect_timeout" in url.query else {"connect_timeout": settings.db_connect_timeout_s}
    )
    # No JIT compilation: the ledger's statements are interactive, and PostgreSQL compiles one whose estimated
    # cost passes `jit_above_cost` — a count over 100 000 workers with a correlated EXISTS ran in 25 ms and
    # compiled for 160 ms (docs/operations.md, *Statements*).
    options = ["-c jit=off"]
    if statement_timeout_ms is not None:
        options.append(f"-c statement_timeout={int(statement_timeout_ms)}")
    connect_args["options"] = " ".join(options)
    kwargs["connect_args"] = connect_args
    # A connection beyond the pool's size is closed when it comes back, and opening one costs
    # milliseconds: SQLAlchemy's default of 5 is fewer than the API's concurrent requests
    # (bench/README.md, "Figures behind the code").
    kwargs.setdefault("pool_size", settings.postgres_query_pool_size)
    kwargs.setdefault("pool_timeout", settings.db_pool_timeout_s)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached or did not answer in time.

    That is worth trying again shortly (the API answers 503 with `Retry-After`,
    the projection runner backs off): a connection that failed or was lost, a
    pool with no connection to give within its timeout, a statement or lock
    wait cancelled by its timeout, a server shutting down — psycopg reports all
    of these as `OperationalError` — and SQLite's "database is locked" after
    its lock timeout. Other SQLite `OperationalError`s (a missing table, a
    broken file) are not: they do not pass by waiting. The library and
    SQLAlchemy wrap the driver's error, so the whole chain is looked at.
    """
    for cause in _chain(error):
        if isinstance(cause, psycopg.OperationalError | sqlalchemy_errors.TimeoutError):
            return True
        if isinstance(cause, sqlite3.OperationalError):
            message = str(cause).lower()
            return "locked" in message or "busy" in message
    return False


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        original = getattr(current, "orig", None)  # SQLAlchemy keeps the driver's error here
        if isinstance(original, BaseException) and id(original) not in seen:
            yield original
            seen.add(id(original))
        current = current.__cause__ or current.__context__


def in_chunks(items: Sequence[T], size: int = IN_LIST_SIZE) -> Iterator[Sequence[T]]:
    """`items` in consecutive chunks of at most `size`, in order; none at all for no items.

    No chunk is empty: an empty IN list asks for nothing and costs a round trip.
    """
    if size < 1:
        msg = f"a chunk size is at least 1, not {size}"
        raise ValueError(msg)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()
