"""The base of every read model: an eventsourcing `TrackingRecorder` on SQLAlchemy.

A `View` owns some tables and one row of `projection_tracking`. Projections
write through `transaction()`: the rows they change and the tracking position
commit together, so a crash at any point neither loses nor double-counts an
event. `reset()` empties the view for a rebuild from zero.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

import psycopg
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from psycopg import sql as psycopg_sql
from sqlalchemy import Connection, Dialect, Engine, Table, delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from projections.tracking import projection_status, projection_tracking


class View(TrackingRecorder):
    """A read model's tables plus its tracking position."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]] = ()

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction for the rows of a batch of events and their tracking."""
        with self.engine.begin() as conn:
            yield conn

    # -- TrackingRecorder ------------------------------------------------------

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.transaction() as conn:
            self.track(conn, tracking)

    def track(self, conn: Connection, tracking: Tracking) -> None:
        """Advance the position in `conn`'s transaction; refuse to go back or repeat."""
        key = (projection_tracking.c.view_name == self.name) & (
            projection_tracking.c.application_name == tracking.application_name
        )
        moved = conn.execute(
            update(projection_tracking)
            .where(key & (projection_tracking.c.notification_id < tracking.notification_id))
            .values(notification_id=tracking.notification_id)
        ).rowcount
        if moved:
            return
        if conn.execute(select(projection_tracking.c.notification_id).where(key)).first() is not None:
            msg = f"{self.name} has already processed {tracking.application_name} {tracking.notification_id}"
            raise IntegrityError(msg)
        conn.execute(
            insert(projection_tracking).values(
                view_name=self.name,
                application_name=tracking.application_name,
                notification_id=tracking.notification_id,
            )
        )

    def max_tracking_id(self, application_name: str) -> int | None:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(projection_tracking.c.notification_id).where(
                    (projection_tracking.c.view_name == self.name)
                    & (projection_tracking.c.application_name == application_name)
                )
            ).scalar()
        return None if value is None else int(value)

    # -- status and rebuild ---------------------------------------------------------

    def mark_stopped(self, position: int, error: BaseException) -> None:
        """Record that the event at `position` made this view stop."""
        values = {
            "stopped_at_position": position,
            "error_type": type(error).__qualname__,
            "stopped_on": datetime.now(UTC),
        }
        with self.engine.begin() as conn:
            conn.execute(delete(projection_status).where(projection_status.c.view_name == self.name))
            conn.execute(insert(projection_status).values(view_name=self.name, **values))

    def stopped(self) -> tuple[int, str] | None:
        """Where and with what kind of error this view stopped, if it did."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(projection_status.c.stopped_at_position, projection_status.c.error_type).where(
                    projection_status.c.view_name == self.name
                )
            ).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def clear_stopped(self) -> None:
        """Forget a recorded stop (before a retry or a rebuild)."""
        with self.engine.begin() as conn:
            conn.execute(delete(projection_status).where(projection_status.c.view_name == self.name))

    def refresh_statistics(self) -> None:
        """Have PostgreSQL's planner count this view's tables again (`ANALYZE`), after a bulk change.

        Until a table is analysed the planner guesses its size, and for a table
        just filled by a rebuild it guesses wrong (a headcount over a million
        events sorted on disk what a hash holds in memory). Autovacuum gets
        there eventually, and never where it is switched off. SQLite is left alone:
        its planner goes by the indexes, and its statistics, once written, stay
        as they were until the next `ANALYZE`, however the tables grow.
        """
        if self.engine.dialect.name != "postgresql" or not self.tables:
            return
        names = ", ".join(self.engine.dialect.identifier_preparer.format_table(table) for table in self.tables)
        with self.engine.begin() as conn:
            conn.exec_driver_sql(f"ANALYZE {names}")

    def before_catch_up(self) -> None:
        """Made ready to be written by the runner that holds its lock, before it catches up (nothing by default).

        A view whose rows depend on more than the events (the alerts, on
        settings) empties itself here when they no longer hold.
        """

    def reset(self) -> None:
        """Drop every row of this view and its tracking, for a replay from zero."""
        with self.engine.begin() as conn:
            for table in reversed(self.tables):
                conn.execute(delete(table))
            conn.execute(delete(projection_tracking).where(projection_tracking.c.view_name == self.name))
            conn.execute(delete(projection_status).where(projection_status.c.view_name == self.name))


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (all with the first row's columns) into `table`, in `conn`'s transaction.

    What `conn.execute(insert(table), rows)` does, faster, for a page of a
    rebuild. On PostgreSQL the rows go in by `COPY` (psycopg's `executemany`
    sends them one statement each); elsewhere by one `executemany` of a
    statement compiled once per table and set of columns, each value through its
    column type's bind processor as SQLAlchemy's would — without SQLAlchemy
    processing every row's parameters through a compiled statement (a fifth of
    a page's time). Errors are SQLAlchemy's, as for its own statements.
    """
    if not rows:
        return
    columns = tuple(rows[0])
    unknown = set(columns) - set(table.c.keys())
    if unknown:
        msg = f"{table.name} has no column {', '.join(sorted(unknown))}"
        raise ValueError(msg)
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table, columns, rows)
        return
    sql, names, processors = _insert_plan(table, columns, conn.dialect)
    pairs = tuple(zip(names, processors, strict=True))
    values = ([row[name] if bind is None else bind(row[name]) for name, bind in pairs] for row in rows)
    parameters: list[Any]
    if conn.dialect.positional:
        parameters = [tuple(bound) for bound in values]
    else:
        parameters = [dict(zip(names, bound, strict=True)) for bound in values]
    conn.exec_driver_sql(sql, parameters)


_Bind = Callable[[Any], Any] | None


@functools.lru_cache(maxsize=64)
def _insert_plan(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[str, ...], tuple[_Bind, ...]]:
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    names = tuple(compiled.positiontup) if dialect.positional and compiled.positiontup else columns
    if set(names) != set(columns):
        # A column with a default would need SQLAlchemy's own executemany to fill it in.
        msg = f"insert_rows into {table.name} binds {sorted(names)}, not the rows' {sorted(columns)}"
        raise ValueError(msg)
    processors = tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
    return compiled.string, names, processors


def _copy_rows(conn: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[Mapping[str, Any]]) -> None:
    # COPY is PostgreSQL's bulk path: a stream of rows in the same transaction, parsed once.
    statement = psycopg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        psycopg_sql.Identifier(table.name), psycopg_sql.SQL(", ").join(map(psycopg_sql.Identifier, columns))
    )
    driver: psycopg.Connection[Any] = conn.connection.driver_connection  # type: ignore[assignment]
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])
    except psycopg.Error as error:
        # As SQLAlchemy raises it for its own statements (an OperationalError is the database
        # failing, which the runner retries; anything else stops the view at the event).
        raise DBAPIError.instance(f"COPY {table.name}", None, error, psycopg.Error, dialect=conn.dialect) from error
