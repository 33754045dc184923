"""The projection runner: catch up from the stored positions, then follow.

Each view is fed the notification log in pages, in order; a page is one
transaction of the view (rows + position). Keys for a page's sealed events are
looked up in one query and forgotten after the page. When a handler raises,
the page is retried event by event so the view keeps everything before the
bad event, then stops there — an event is never skipped — and reports where.

Following uses LISTEN/NOTIFY on PostgreSQL (the recorder notifies its channel
on every insert) and polling on SQLite (the library's SQLite recorder has no
`subscribe()`). One runner per view is active across processes: a PostgreSQL
advisory lock, or an exclusive lock file beside the SQLite database.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psycopg
import structlog
from eventsourcing.persistence import Notification, Tracking
from sqlalchemy import Connection, text

from ledger.application import Ledger
from ledger.sealing import PrefetchedKeys, SealingMapper, sealed_fields_of
from projections.projection import LedgerProjection

log = structlog.get_logger()

PAGE_SIZE = 500


class ViewStoppedError(RuntimeError):
    """A view stopped at an event whose handler raised."""

    def __init__(self, view: str, position: int, error: BaseException) -> None:
        self.view = view
        self.position = position
        super().__init__(f"view {view} stopped at position {position}: {type(error).__qualname__}")


@dataclass(frozen=True)
class ViewStatus:
    """Where a view is, how far behind, and whether it stopped."""

    name: str
    position: int
    head: int
    stopped_at: int | None
    error_type: str | None

    @property
    def lag(self) -> int:
        """Events the view has not yet processed (upper bound: positions may have gaps)."""
        return max(self.head - self.position, 0)


class ViewRunner:
    """Feeds one projection from the ledger's notification log."""

    def __init__(self, ledger: Ledger, projection: LedgerProjection[Any], *, page_size: int = PAGE_SIZE) -> None:
        self.ledger = ledger
        self.projection = projection
        self.view = projection.view
        self.page_size = page_size

    @property
    def name(self) -> str:
        """The view's name."""
        return str(self.view.name)

    def position(self) -> int:
        """The last notification the view has processed (0: none)."""
        return self.view.max_tracking_id(self.ledger.name) or 0

    def status(self) -> ViewStatus:
        """The view's position, the log's head, and its stop, if any."""
        stopped = self.view.stopped()
        return ViewStatus(
            name=self.name,
            position=self.position(),
            head=self.ledger.recorder.max_notification_id() or 0,
            stopped_at=stopped[0] if stopped else None,
            error_type=stopped[1] if stopped else None,
        )

    def catch_up(self, stop: threading.Event | None = None) -> int:
        """Process every notification after the stored position; return how many."""
        processed = 0
        position = self.position()
        while stop is None or not stop.is_set():
            notifications = self.ledger.recorder.select_notifications(start=position + 1, limit=self.page_size)
            if not notifications:
                break
            self._process_page(notifications)
            position = notifications[-1].id
            processed += len(notifications)
        return processed

    def _process_page(self, notifications: Sequence[Notification]) -> None:
        batch = self._decode(notifications)
        try:
            self.projection.process_batch(batch)
        except Exception:
            self._process_one_by_one(batch)

    def _process_one_by_one(self, batch: Sequence[tuple[Any, Tracking]]) -> None:
        for event, tracking in batch:
            try:
                self.projection.process_batch([(event, tracking)])
            except Exception as error:
                self.view.mark_stopped(tracking.notification_id, error)
                log.error(
                    "view_stopped",
                    view=self.name,
                    position=tracking.notification_id,
                    error_type=type(error).__qualname__,
                )
                raise ViewStoppedError(self.name, tracking.notification_id, error) from error

    def _decode(self, notifications: Sequence[Notification]) -> list[tuple[Any, Tracking]]:
        mapper = self.ledger.mapper
        assert isinstance(mapper, SealingMapper)
        # One key lookup for the page, forgotten after it (a shred must win at once).
        subjects = {
            n.originator_id
            for n in notifications
            if _has_sealed_fields(n.topic) and not isinstance(n.originator_id, str)
        }
        keys = PrefetchedKeys(self.ledger.keys.data_keys(subjects), self.ledger.keys)
        page_mapper = SealingMapper(transcoder=mapper.transcoder, keys=keys)
        name = self.ledger.name
        return [(page_mapper.to_domain_event(n), Tracking(name, n.id)) for n in notifications]

    def rebuild(self) -> int:
        """Empty the view and replay the whole log into it."""
        self.view.reset()
        return self.catch_up()


_SEALED_TOPICS: dict[str, bool] = {}


def _has_sealed_fields(topic: str) -> bool:
    if topic not in _SEALED_TOPICS:
        from eventsourcing.utils import resolve_topic  # noqa: PLC0415 - resolved once per topic

        _SEALED_TOPICS[topic] = bool(sealed_fields_of(resolve_topic(topic)))
    return _SEALED_TOPICS[topic]


class Wakeup(Protocol):
    """Blocks until new events may have been recorded (or a timeout passes)."""

    def wait(self, timeout: float) -> None:
        """Return when there may be news, at the latest after `timeout` seconds."""
        ...

    def close(self) -> None:
        """Release what the wakeup holds."""
        ...


class PollingWakeup:
    """SQLite has no notifications: look again after a short interval."""

    def __init__(self, interval: float, stop: threading.Event) -> None:
        self.interval = interval
        self.stop = stop

    def wait(self, timeout: float) -> None:
        self.stop.wait(min(self.interval, timeout))

    def close(self) -> None:
        return None


class ListenNotifyWakeup:
    """PostgreSQL: LISTEN on the event table's channel, which every insert notifies."""

    def __init__(self, conninfo: str, channel: str) -> None:
        self.connection = psycopg.connect(conninfo, autocommit=True)
        self.connection.execute(f'LISTEN "{channel}"')

    def wait(self, timeout: float) -> None:
        for _ in self.connection.notifies(timeout=timeout, stop_after=1):
            break

    def close(self) -> None:
        self.connection.close()


class ViewLock(Protocol):
    """Exclusive right to run one view, across processes."""

    def acquire(self) -> bool:
        """Take the lock if free; True when held."""
        ...

    def release(self) -> None:
        """Give the lock back."""
        ...


class AdvisoryLock:
    """A PostgreSQL session advisory lock, held on a connection of its own."""

    def __init__(self, ledger: Ledger, view_name: str) -> None:
        self.ledger = ledger
        digest = hashlib.sha256(f"westland-ledger:view:{view_name}".encode()).digest()
        self.key = int.from_bytes(digest[:8], "big", signed=True)
        self.connection: Connection | None = None

    def acquire(self) -> bool:
        if self.connection is not None:
            return True
        connection = self.ledger.keys.engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        connection.commit()
        if got:
            self.connection = connection
            return True
        connection.close()
        return False

    def release(self) -> None:
        if self.connection is not None:
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self.connection.commit()
            self.connection.close()
            self.connection = None


class LockFile:
    """An exclusive `flock` on a file beside the SQLite database; the OS frees it if we die."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: Any = None

    def acquire(self) -> bool:
        if self.handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def view_lock(ledger: Ledger, view_name: str) -> ViewLock:
    """The cross-process lock of a view on the ledger's backend."""
    if ledger.settings.backend == "postgresql":
        return AdvisoryLock(ledger, view_name)
    return LockFile(ledger.settings.sqlite_path.parent / "locks" / f"{view_name}.lock")


def wakeup_for(ledger: Ledger, stop: threading.Event, poll_interval: float) -> Wakeup:
    """LISTEN/NOTIFY on PostgreSQL, polling on SQLite."""
    if ledger.settings.backend == "postgresql":
        url = ledger.settings.url
        conninfo = psycopg.conninfo.make_conninfo(
            host=url.host or "localhost",
            port=url.port or 5432,
            dbname=url.database,
            user=url.username,
            password=url.password or None,
        )
        return ListenNotifyWakeup(conninfo, str(ledger.recorder.channel_name))  # type: ignore[attr-defined]
    return PollingWakeup(poll_interval, stop)


class ProjectionRunner:
    """Runs every view: catch up, then follow new events until stopped."""

    def __init__(self, ledger: Ledger, runners: Sequence[ViewRunner], *, poll_interval: float = 0.2) -> None:
        self.ledger = ledger
        self.runners = list(runners)
        self.poll_interval = poll_interval
        self.stop_event = threading.Event()

    def stop(self) -> None:
        """Ask the runner to stop after the page it is processing."""
        self.stop_event.set()

    def run(self) -> None:
        """Catch up and follow until `stop()`; views held by another process are left to it."""
        with ExitStack() as stack:
            locks = {r.name: view_lock(self.ledger, r.name) for r in self.runners}
            for lock in locks.values():
                stack.callback(lock.release)
            wakeup = wakeup_for(self.ledger, self.stop_event, self.poll_interval)
            stack.callback(wakeup.close)
            for runner in self.runners:
                runner.view.clear_stopped()  # a restart retries a stopped view once
            while not self.stop_event.is_set():
                self.run_once(locks)
                wakeup.wait(timeout=1.0)

    def run_once(self, locks: dict[str, ViewLock]) -> None:
        """One round: every view whose lock we hold (or can take) catches up."""
        for runner in self.runners:
            if self.stop_event.is_set():
                return
            if runner.view.stopped() is not None or not locks[runner.name].acquire():
                continue
            try:
                count = runner.catch_up(self.stop_event)
            except ViewStoppedError:
                continue
            if count:
                log.info("view_caught_up", view=runner.name, events=count, position=runner.position())


@contextmanager
def running_in_background(runner: ProjectionRunner) -> Iterator[ProjectionRunner]:
    """Run the projections in a thread (the embedded default's `ledger serve`, tests)."""
    thread = threading.Thread(target=runner.run, name="projection-runner", daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        runner.stop()
        thread.join(timeout=30)
