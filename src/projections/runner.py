"""The view runner: catch a view up from its stored position, a page of the log at a time.

Each view is fed the notification log in pages, in order; a page is one
transaction of the view (rows + position), so a runner killed at any moment
leaves every view at a page boundary, and the next runner goes on from there:
nothing lost, nothing counted twice. Keys for a page's sealed events are
looked up in one query and forgotten after the page. When an event cannot be
decoded or its handler raises, the view keeps everything before that event,
then stops there — an event is never skipped — and reports where.

A projection whose class says `opens_personal_data = False` is fed events
decoded with the library's plain `Mapper`: its sealed fields stay ciphertext
strings, and no keys are looked up for it (opening what it never reads is most
of the decoding). `LedgerProjection` says True, so a projection that does not
say otherwise opens personal data.

`ViewRunner` does the work for one view; whoever calls it must hold the view's
lock (`projections.coordination`): the `LogFollower` (`projections.follower`),
which runs every view it can lock and follows new events, or `ledger
projections rebuild`. A database failure (`DATABASE_TROUBLE`) rolls the page
back and leaves the view where it was.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import structlog
from eventsourcing.persistence import Mapper, Notification, Tracking
from eventsourcing.persistence import OperationalError as RecorderOperationalError
from eventsourcing.utils import resolve_topic
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from tenacity import RetryCallState, Retrying, retry_if_result, wait_exponential

from ledger.application.service import Ledger
from ledger.crypto.keystore import KeyStore
from ledger.crypto.sealing import PrefetchedKeys, SealingMapper, sealed_fields_of
from projections.projection import LedgerProjection

log = structlog.get_logger()

PAGE_SIZE = 2000

# A catch-up over at least this many events, and at least this share of the log,
# has the view's tables analysed afterwards (`View.refresh_statistics`): a rebuild,
# a new view's first run, a runner back after a long stop. PostgreSQL's autovacuum
# analyses a table once a tenth of it changed; a catch-up of live writes stays below.
STATISTICS_AFTER_EVENTS = 10_000
STATISTICS_AFTER_SHARE = 0.1

# A reader waiting for a position looks at the view after 5 ms, then twice as long each time, up to 0.1 s.
_WAIT_BACKOFF = wait_exponential(multiplier=0.005, max=0.1)

# The database failing (connection lost, lock timeout, no pooled connection in time; from SQLAlchemy,
# the event store, or the runner's own lock and LISTEN connections) says nothing about the event being
# processed: the page is rolled back and retried in the next round, and the view does not stop.
DATABASE_TROUBLE = (OperationalError, PoolTimeoutError, RecorderOperationalError, psycopg.OperationalError)


class ViewStoppedError(RuntimeError):
    """A view stopped at an event it could not process."""

    def __init__(self, view: str, position: int, error_type: str) -> None:
        self.view = view
        self.position = position
        self.error_type = error_type
        super().__init__(f"view {view} stopped at position {position}: {error_type}")


@dataclass(frozen=True)
class ViewStatus:
    """Where a view is, how far behind, and whether it stopped."""

    name: str
    position: int
    head: int
    stopped_at: int | None
    error_type: str | None
    # When the oldest event the view has not processed was recorded (None: none, or unknown).
    oldest_unprocessed_at: datetime | None = None

    @property
    def stopped(self) -> bool:
        """Whether the view stopped at an event it could not process."""
        return self.stopped_at is not None

    @property
    def lag(self) -> int:
        """Events the view has not yet processed (an upper bound: positions may have gaps)."""
        return max(self.head - self.position, 0)

    def lag_seconds(self, now: datetime | None = None) -> float:
        """How long the oldest event the view has not processed has been waiting (0 when there is none).

        Time, not events, says whether a view is falling behind: a burst of
        writes a moment ago is a large lag in events and a small one in seconds,
        a view that has not moved for a minute the reverse. The instant is the
        writer's clock; a little skew between hosts is clipped at zero.
        """
        if self.oldest_unprocessed_at is None:
            return 0.0
        return max(((now or datetime.now(UTC)) - self.oldest_unprocessed_at).total_seconds(), 0.0)


class ViewRunner:
    """Feeds one projection from the ledger's notification log."""

    def __init__(
        self,
        ledger: Ledger,
        projection: LedgerProjection[Any],
        *,
        page_size: int = PAGE_SIZE,
        statistics_after: int = STATISTICS_AFTER_EVENTS,
    ) -> None:
        self.ledger = ledger
        self.projection = projection
        self.view = projection.view
        self.page_size = page_size
        self.statistics_after = statistics_after
        self.opens_personal_data = projection.opens_personal_data
        self._plain_mapper: Mapper[UUID] = Mapper(transcoder=ledger.mapper.transcoder)

    @property
    def name(self) -> str:
        """The view's name."""
        return str(self.view.name)

    def position(self) -> int:
        """The last notification the view has processed (0: none)."""
        return self.view.max_tracking_id(self.ledger.name) or 0

    def status(self) -> ViewStatus:
        """The view's position, the log's head, its stop if any, and since when it has had events to process."""
        stopped = self.view.stopped()
        position = self.position()
        head = self.ledger.recorder.max_notification_id() or 0
        return ViewStatus(
            name=self.name,
            position=position,
            head=head,
            stopped_at=stopped[0] if stopped else None,
            error_type=stopped[1] if stopped else None,
            oldest_unprocessed_at=self._recorded_at(position + 1) if head > position else None,
        )

    def _recorded_at(self, start: int) -> datetime | None:
        """When the first event at or after `start` was recorded: the `timestamp` in its stored state.

        Only the state's JSON is decoded (the ledger's events are neither
        compressed nor encrypted whole; personal fields stay sealed strings).
        """
        first = self.ledger.recorder.select_notifications(start=start, limit=1)
        if not first:
            return None
        try:
            timestamp = self.ledger.mapper.transcoder.decode(first[0].state).get("timestamp")
        except Exception:
            # An event that does not decode stops the view when it gets there; its age is unknown.
            return None
        return timestamp if isinstance(timestamp, datetime) else None

    def wait(self, position: int, timeout: float = 5.0) -> None:
        """Block until the view has processed `position`, so a caller reads its own writes.

        Raises `TimeoutError` after `timeout` seconds, and `ViewStoppedError` at
        once if the view stopped before reaching `position` (it will not get there).
        """
        deadline = time.monotonic() + timeout

        def reached() -> bool:
            if self.position() >= position:
                return True
            stopped = self.view.stopped()
            if stopped is not None and stopped[0] <= position:
                raise ViewStoppedError(self.name, *stopped)
            return False

        def until_next_look(state: RetryCallState) -> float:
            # Looks again soon, then less often; never sleeps past the deadline.
            return min(_WAIT_BACKOFF(state), max(deadline - time.monotonic(), 0.0))

        looking = Retrying(
            retry=retry_if_result(lambda done: not done),
            wait=until_next_look,
            stop=lambda _state: time.monotonic() >= deadline,
            retry_error_callback=lambda _state: False,
        )
        if not looking(reached):
            msg = f"view {self.name} has not reached position {position} within {timeout} s"
            raise TimeoutError(msg)

    def catch_up(self, stop: threading.Event | None = None) -> int:
        """Process every notification after the stored position; return how many.

        A view that stopped earlier is retried: its stop is forgotten first.
        """
        if self.view.stopped() is not None:
            self.view.clear_stopped()
        self.view.before_catch_up()
        processed = 0
        position = self.position()
        while stop is None or not stop.is_set():
            notifications = self.ledger.recorder.select_notifications(start=position + 1, limit=self.page_size)
            if not notifications:
                break
            self._process_page(notifications)
            position = notifications[-1].id
            processed += len(notifications)
            if len(notifications) < self.page_size:
                break  # the log's head when the page was read: what came since, the next round reads
        if processed >= self.statistics_after and processed >= STATISTICS_AFTER_SHARE * position:
            self._refresh_statistics(processed)
        return processed

    def _refresh_statistics(self, processed: int) -> None:
        started = time.perf_counter()
        try:
            self.view.refresh_statistics()
        except DATABASE_TROUBLE as error:
            # Statistics only steer plans: the view's rows are committed and correct without them.
            log.warning("view_statistics_not_refreshed", view=self.name, error_type=type(error).__qualname__)
            return
        log.info("view_statistics_refreshed", view=self.name, events=processed, seconds=time.perf_counter() - started)

    def rebuild(self) -> int:
        """Empty the view and replay the whole log into it; return how many events."""
        self.view.reset()
        return self.catch_up()

    def _process_page(self, notifications: Sequence[Notification]) -> None:
        batch, keys, undecodable = self._decode(notifications)
        try:
            self.projection.process_batch(batch, keys)
        except DATABASE_TROUBLE:
            raise
        except Exception:
            # Which event failed is found one by one: the events before it are kept.
            self._process_one_by_one(batch, keys)
        if undecodable is not None:
            self._stop(*undecodable)

    def _process_one_by_one(self, batch: Sequence[tuple[Any, Tracking]], keys: PrefetchedKeys | None) -> None:
        for event, tracking in batch:
            try:
                self.projection.process_batch([(event, tracking)], keys)
            except DATABASE_TROUBLE:
                raise
            except Exception as error:
                # Any failure stops the view at this event: it is never skipped.
                self._stop(tracking.notification_id, error)

    def _stop(self, position: int, error: Exception) -> None:
        self.view.mark_stopped(position, error)
        error_type = type(error).__qualname__
        # The message is not logged: it could carry data from the event.
        log.error("view_stopped", view=self.name, position=position, error_type=error_type)
        raise ViewStoppedError(self.name, position, error_type) from error

    def _decode(
        self, notifications: Sequence[Notification]
    ) -> tuple[list[tuple[Any, Tracking]], PrefetchedKeys | None, tuple[int, Exception] | None]:
        """The page's events up to the first that does not decode, the page's keys, and the undecodable event.

        No keys (None) for a view that does not open personal data.
        """
        keys = self._page_keys(notifications) if self.opens_personal_data else None
        mapper = (
            self._plain_mapper if keys is None else SealingMapper(transcoder=self._plain_mapper.transcoder, keys=keys)
        )
        batch: list[tuple[Any, Tracking]] = []
        for notification in notifications:
            try:
                event = mapper.to_domain_event(notification)
            except Exception as error:
                # An event that does not decode (unknown topic, broken seal) stops the view there.
                return batch, keys, (notification.id, error)
            batch.append((event, Tracking(self.ledger.name, notification.id)))
        return batch, keys, None

    def _page_keys(self, notifications: Sequence[Notification]) -> PrefetchedKeys:
        """The data keys of the page's sealed events' subjects, in one lookup, for this page only."""
        subjects = {_uuid(n.originator_id) for n in notifications if _has_sealed_fields(n.topic)}
        found = self.ledger.keys.data_keys(subjects)
        return PrefetchedKeys(found, _KeysBeyondPage(self.ledger.keys, subjects - found.keys()))


class _KeysBeyondPage:
    """The key store, except for the subjects the page's lookup did not find: they have no key.

    A subject's sealed event was written with its key, before the page was read
    and its keys looked up; a key missing then has been shredded, and a shredded
    subject never gets one again. Asking the store again per event (a query
    each, for every event of a shredded worker in a rebuild) cannot change that.
    """

    def __init__(self, store: KeyStore, missing: set[UUID]) -> None:
        self._store = store
        self._missing = missing

    def data_key(self, subject_id: UUID) -> bytes | None:
        """None for a subject the page did not find; else the store's answer."""
        if subject_id in self._missing:
            return None
        return self._store.data_key(subject_id)

    def data_key_for_writing(self, subject_id: UUID) -> bytes:
        """The store's (views never write keys)."""
        return self._store.data_key_for_writing(subject_id)


def _uuid(originator_id: UUID | str) -> UUID:
    # PostgreSQL's recorder hands back UUIDs, SQLite's strings: parse only those.
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)


@functools.cache
def _has_sealed_fields(topic: str) -> bool:
    try:
        return bool(sealed_fields_of(resolve_topic(topic)))
    except Exception:
        # An unknown topic is reported by decoding, at its position.
        return False
