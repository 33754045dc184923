"""The overview's figures for "as known now", kept until the read models move (docs/web.md § Overzicht).

Every figure of the overview is a count over views that grow with the
register (some 0.7 s at 100 000 workers, bench B14), and its default moment,
today as known now, is the one every open overview asks for, and its live
block again every few seconds. Asked "as known now", the answer depends only
on the day and on what the views hold (their rows carry instants up to the
moment they were written, so any later instant sees the same ones): while no
view moves (`projections.read_state`) the figures are the same, and are
served as they were computed. The first overview after an event computes
them again. An answer computed while a view moved is not kept: the state is
read before and after, and only an unchanged one keys it.

An instant asked for (`asKnownAt`) is computed each time: such a page is rare
and the memo keeps one answer, today's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from api.services import Services
from ledger.persistence.database import reading
from projections.read_state import ReadState, read_state
from web.figures import OverviewFigures
from web.moment import TimeTravel

# The day asked, today, and the read models' state.
_Key = tuple[date, date, ReadState]


@dataclass(frozen=True)
class _Kept:
    key: _Key
    figures: OverviewFigures


class FigureMemo:
    """One kept overview (the latest "as known now"), per app; safe to share between the server's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: _Kept | None = None

    def kept(self, services: Services, travel: TimeTravel) -> OverviewFigures | None:
        """The kept figures, if they answer `travel`'s moment (nothing moved since); None otherwise."""
        return None if travel.as_known_at or travel.errors else self._lookup(services, travel)[1]

    def overview(
        self, services: Services, travel: TimeTravel, compute: Callable[[], OverviewFigures]
    ) -> OverviewFigures:
        """The figures for `travel`'s moment: the kept ones when nothing moved since, else `compute()`'s (kept)."""
        if travel.as_known_at or travel.errors:
            return compute()
        key, kept = self._lookup(services, travel)
        if kept is not None:
            return kept
        figures = compute()
        if self._key(services, travel.moment.on) == key:
            with self._lock:
                self._kept = _Kept(key, figures)
        return figures

    def _lookup(self, services: Services, travel: TimeTravel) -> tuple[_Key, OverviewFigures | None]:
        key = self._key(services, travel.moment.on)
        with self._lock:
            kept = self._kept
        if kept is None or kept.key != key:
            return key, None
        # The same answer; the moment is this request's (the page shows when it was asked).
        return key, replace(kept.figures, moment=travel.moment)

    def forget(self) -> None:
        """Drop what is kept (the bench times the computation with this)."""
        with self._lock:
            self._kept = None

    @staticmethod
    def _key(services: Services, on: date) -> _Key:
        # Today too: the registered workers are today's whatever day is asked.
        with reading(services.ledger.database.engine) as conn:
            return on, services.ledger.today(), read_state(conn)


def figure_memo(app_state: Any) -> FigureMemo:
    """The app's memo (made with the app: `web.app.create_app`)."""
    memo: FigureMemo = app_state.figure_memo
    return memo
