"""The base of every read model: an eventsourcing `TrackingRecorder` on SQLAlchemy.

A `View` owns some tables and one row of `projection_tracking`. Projections
write through `transaction()`: the rows they change and the tracking position
commit together, so a crash at any point neither loses nor double-counts an
event. `reset()` empties the view for a rebuild from zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import ClassVar

from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from sqlalchemy import Connection, Engine, Table, delete, insert, select, update

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

    def reset(self) -> None:
        """Drop every row of this view and its tracking, for a replay from zero."""
        with self.engine.begin() as conn:
            for table in reversed(self.tables):
                conn.execute(delete(table))
            conn.execute(delete(projection_tracking).where(projection_tracking.c.view_name == self.name))
            conn.execute(delete(projection_status).where(projection_status.c.view_name == self.name))
