"""Figures for "as known now", kept until the read models move (docs/web.md § Figures kept while the views stand still).

The overview's figures and the alerts inbox's tally are counts over views
that grow with the register (the overview some 0.2 s at 100 000 workers, the
inbox's tally a reading of every alert in force, bench B14), and their
default moment, today as known now, is the one every open page asks for, and
its live block again every few seconds. Asked "as known now", an answer
depends only on the day and on what the views hold (their rows carry
instants up to the moment they were written, so any later instant sees the
same ones): while no view moves (`projections.read_state`) the answer is the
same, and is served as it was computed. The first page after an event
computes it again. An answer computed while a view moved is not kept: the
state is read before and after, and only an unchanged one keys it.

An instant asked for (`asKnownAt`) is computed each time: such a page is rare.
Requests asking what another is computing wait for its answer.
A new state of the views makes every kept answer stale, so keeping one drops
the answers of other states; a few days' answers of one state are kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from datetime import date
from typing import Any, TypeVar, cast

from api.services import Services
from ledger.persistence.database import reading
from projections.read_state import ReadState, read_state
from web.moment import TimeTravel

T = TypeVar("T")

# What was computed, the day asked, today, and the read models' state.
_Key = tuple[Hashable, date, date, ReadState]

# Answers of one state: the overview and the inbox, for today and the few days a person travels to.
MOST = 16


class FigureMemo:
    """Answers for "as known now", per app, while the views stand still; safe to share between the server's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[_Key, Any] = {}
        self._running: dict[_Key, Future[Any]] = {}

    def kept(self, services: Services, travel: TimeTravel, what: Hashable) -> Any | None:
        """The answer kept for `what` on `travel`'s moment, if nothing moved since it was computed; None otherwise."""
        if travel.as_known_at or travel.errors:
            return None
        key = self._key(services, what, travel.moment.on)
        with self._lock:
            return self._kept.get(key)

    def figures(self, services: Services, travel: TimeTravel, what: Hashable, compute: Callable[[], T]) -> T:
        """`what` on `travel`'s moment: the kept answer when nothing moved since, else `compute()`'s (kept).

        While one request computes an answer, the others asking the same wait
        for it rather than compute it again (every open overview's live block
        asks at once after an event).
        """
        if travel.as_known_at or travel.errors:
            return compute()
        key = self._key(services, what, travel.moment.on)
        with self._lock:
            if key in self._kept:
                return cast(T, self._kept[key])
            running = self._running.get(key)
            if running is None:
                running = self._running[key] = Future()
                ours = True
            else:
                ours = False
        if not ours:
            return cast(T, running.result())  # its answer, or what it raised
        try:
            answer = compute()
            unmoved = self._key(services, what, travel.moment.on) == key
        except BaseException as error:
            with self._lock:
                del self._running[key]
            running.set_exception(error)
            raise
        with self._lock:
            del self._running[key]
            if unmoved:
                state = key[3]
                self._kept = {k: v for k, v in self._kept.items() if k[3] == state}
                if len(self._kept) >= MOST:
                    self._kept.pop(next(iter(self._kept)))  # the oldest of this state
                self._kept[key] = answer
        running.set_result(answer)
        return answer

    def forget(self) -> None:
        """Drop what is kept (the bench times the computation with this)."""
        with self._lock:
            self._kept = {}

    @staticmethod
    def _key(services: Services, what: Hashable, on: date) -> _Key:
        # Today too: the registered workers are today's whatever day is asked.
        with reading(services.ledger.database.engine) as conn:
            return what, on, services.ledger.today(), read_state(conn)


def figure_memo(app_state: Any) -> FigureMemo:
    """The app's memo (made with the app: `web.app.create_app`)."""
    memo: FigureMemo = app_state.figure_memo
    return memo
