"""Figures for "as known now", kept until the read models move (docs/web.md § Figures kept while the views stand still).

The overview's figures and the alerts inbox's tally are counts over views
that grow with the register (the overview some 0.2 s at 100 000 workers, the
inbox's tally a reading of every alert in force, bench B14), and their
default moment, today as known now, is the one every open page asks for, and
its live block again every few seconds. Asked "as known now", an answer
depends only on the day and on what the views hold (their rows carry
instants up to the moment they were written, so any later instant sees the
same ones): while no view moves (`projections.read_state`) the answer is the
same, and is served as it was computed. An answer computed while a view
moved is not kept: the state is read before and after, and only an
unchanged one keys it.

`figures` answers for the views as they are: after a view moves it computes
again. `latest` (the overview page) may instead answer with what was counted
before the views last moved, if that is recent enough, marked `behind`, and
counts anew in the background (docs/web.md § Figures counted behind the page).

An instant asked for (`asKnownAt`) is computed each time: such a page is rare.
Requests asking what another is computing wait for its answer.
A newer state's answer replaces the older ones to the same question, and at
most `MOST` answers are kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar, cast

import structlog

from api.services import Services
from ledger.persistence.database import reading
from projections.read_state import ReadState, read_state
from web.live import views_position
from web.moment import TimeTravel

T = TypeVar("T")
log = structlog.get_logger()

# What was computed, the day asked, today, and the read models' state.
_Key = tuple[Hashable, date, date, ReadState]

# Answers kept: the overview and the inbox, for today and the few days a person travels to, and what they replace.
MOST = 16


@dataclass(frozen=True)
class Counted(Generic[T]):
    """An answer with what it counted: the views' position (`web.live`) and the instant, read before counting.

    `behind`: the views have moved since it was counted, and a newer answer is being counted.
    """

    answer: T
    position: int
    counted_at: datetime
    behind: bool = False


@dataclass(frozen=True)
class _Kept:
    counted: Counted[Any]
    monotonic: float  # when it was kept, for its age


class FigureMemo:
    """Answers for "as known now", per app, while the views stand still; safe to share between the server's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[_Key, _Kept] = {}
        self._running: dict[_Key, Future[Counted[Any]]] = {}
        self._background: ThreadPoolExecutor | None = None
        self._closed = False

    def kept(self, services: Services, travel: TimeTravel, what: Hashable) -> Any | None:
        """The answer kept for `what` on `travel`'s moment, if nothing moved since it was computed; None otherwise."""
        if travel.as_known_at or travel.errors:
            return None
        key = self._key(services, what, travel.moment.on)
        with self._lock:
            found = self._kept.get(key)
        return None if found is None else found.counted.answer

    def figures(self, services: Services, travel: TimeTravel, what: Hashable, compute: Callable[[], T]) -> T:
        """`what` on `travel`'s moment: the kept answer when nothing moved since, else `compute()`'s (kept).

        While one request computes an answer, the others asking the same wait
        for it rather than compute it again (every open overview's live block
        asks at once after an event).
        """
        return self.counted(services, travel, what, compute).answer

    def counted(self, services: Services, travel: TimeTravel, what: Hashable, compute: Callable[[], T]) -> Counted[T]:
        """As `figures`, with the position and instant the answer counted."""
        if travel.as_known_at or travel.errors:
            return self._count(services, compute)
        key = self._key(services, what, travel.moment.on)
        with self._lock:
            if key in self._kept:
                return cast(Counted[T], self._kept[key].counted)
            running, ours = self._claim(key)
        if not ours:
            return cast(Counted[T], running.result())  # its answer, or what it raised
        return self._settle(key, running, services, compute)

    def latest(
        self, services: Services, travel: TimeTravel, what: Hashable, compute: Callable[[], T], *, behind: float
    ) -> Counted[T]:
        """As `counted`, but after the views moved: the last answer, marked `behind`, if counted within `behind` s.

        The newer answer is then counted in the background (one at a time), and
        kept for the next request; without a recent answer it is counted here.
        """
        if travel.as_known_at or travel.errors or behind <= 0:
            return self.counted(services, travel, what, compute)
        key = self._key(services, what, travel.moment.on)
        with self._lock:
            if key in self._kept:
                return cast(Counted[T], self._kept[key].counted)
            running, ours = self._claim(key)
            older = None if self._closed else self._recent(key, behind)
            if older is not None:
                if ours:
                    self._in_background(lambda: self._settle(key, running, services, compute))
                return Counted(cast(T, older.answer), older.position, older.counted_at, behind=True)
        if not ours:
            return cast(Counted[T], running.result())
        return self._settle(key, running, services, compute)

    def forget(self) -> None:
        """Drop what is kept (the bench times the computation with this)."""
        with self._lock:
            self._kept = {}

    def outdate(self) -> None:
        """Keep every answer as if the views had moved since it was counted (the bench times `latest` so)."""
        with self._lock:
            self._kept = {(*key[:3], ((), (("outdated", ""),))): kept for key, kept in self._kept.items()}

    def settle(self, timeout: float | None = None) -> None:
        """Wait until no answer is being counted (the tests and the bench wait on this, never on time)."""
        with self._lock:
            running = list(self._running.values())
        for future in running:
            future.exception(timeout)  # what it raised is its request's, or the background's log line

    def close(self) -> None:
        """Count nothing more in the background, and wait for what it was asked to count (before the views close).

        Nothing asked is cancelled: a request may be waiting for its answer.
        """
        with self._lock:
            self._closed = True
            background, self._background = self._background, None
        if background is not None:
            background.shutdown(wait=True)

    def _claim(self, key: _Key) -> tuple[Future[Counted[Any]], bool]:
        # Under the lock: the computation of `key` running, and whether the caller is to run it.
        running = self._running.get(key)
        if running is not None:
            return running, False
        running = self._running[key] = Future()
        return running, True

    def _recent(self, key: _Key, behind: float) -> Counted[Any] | None:
        # Under the lock: the answer to the same question (what, day, today) of another state, if recent; a question
        # has one answer at most (`_keep`).
        question = key[:3]
        found = next((kept for k, kept in self._kept.items() if k[:3] == question), None)
        if found is None or time.monotonic() - found.monotonic > behind:
            return None
        return found.counted

    def _in_background(self, work: Callable[[], object]) -> None:
        # Under the lock.
        if self._background is None:
            self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="figures-behind")

        def logged() -> None:
            try:
                work()
            except Exception as error:  # the next page counts again: nobody waits on this one
                log.warning("figures_not_counted", error_type=type(error).__qualname__)

        self._background.submit(logged)

    def _settle(
        self, key: _Key, running: Future[Counted[Any]], services: Services, compute: Callable[[], T]
    ) -> Counted[T]:
        # Counts `key`'s answer, keeps it if the views stood still, and gives it to those waiting on `running`.
        try:
            answer = self._count(services, compute)
            unmoved = self._key(services, key[0], key[1]) == key
        except BaseException as error:
            with self._lock:
                del self._running[key]
            running.set_exception(error)
            raise
        with self._lock:
            del self._running[key]
            if unmoved:
                self._keep(key, answer)
        running.set_result(answer)
        return answer

    def _keep(self, key: _Key, answer: Counted[Any]) -> None:
        # Under the lock: the answer replaces the older ones to the same question; the oldest go beyond MOST.
        question = key[:3]
        self._kept = {k: v for k, v in self._kept.items() if k[:3] != question}
        if len(self._kept) >= MOST:
            oldest = min(self._kept, key=lambda k: self._kept[k].monotonic)
            del self._kept[oldest]
        self._kept[key] = _Kept(answer, time.monotonic())

    @staticmethod
    def _count(services: Services, compute: Callable[[], T]) -> Counted[T]:
        # The position and the instant before the answer: whatever the answer holds is at least as new (web.live).
        position, counted_at = FigureMemo._position(services), datetime.now(UTC)
        return Counted(compute(), position, counted_at)

    @staticmethod
    def _position(services: Services) -> int:
        return views_position(services)

    @staticmethod
    def _key(services: Services, what: Hashable, on: date) -> _Key:
        # Today too: the registered workers are today's whatever day is asked.
        with reading(services.ledger.database.engine) as conn:
            return what, on, services.ledger.today(), read_state(conn)


def figure_memo(app_state: Any) -> FigureMemo:
    """The app's memo (made with the app: `web.app.create_app`)."""
    memo: FigureMemo = app_state.figure_memo
    return memo
