"""The overview's memo keeps an answer only for a state of the read models that held while it was computed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from api.parameters import Moment
from web.figure_memo import FigureMemo
from web.figures import CurrentFigures, OverviewFigures
from web.moment import TimeTravel

TODAY = date(2026, 12, 7)
NO_SERVICES: Any = None  # `_key` is replaced: nothing reads the services


def _figures(housed: int) -> OverviewFigures:
    numbers = CurrentFigures(1, housed, 1, 0, 0, 0, {})
    return OverviewFigures(Moment(TODAY, datetime(2026, 12, 7, 9, tzinfo=UTC)), numbers, [], [])


def _travel(as_known_at: str = "") -> TimeTravel:
    return TimeTravel(Moment(TODAY, datetime(2026, 12, 7, 10, tzinfo=UTC)), as_known_at=as_known_at)


@pytest.fixture
def states(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The read models' states `_key` finds, one per call (a view moving is the next number)."""
    found: list[int] = []

    def key(_services: Any, on: date) -> Any:
        return on, TODAY, ((("view", "app", found.pop(0)),), ())

    monkeypatch.setattr(FigureMemo, "_key", staticmethod(key))
    yield found
    assert found == [], "every state given was read"


def test_an_answer_is_kept_while_the_views_stand_still_and_given_the_asking_moment(states: list[int]) -> None:
    memo = FigureMemo()
    states += [7, 7, 7]  # computed (read before and after), then asked again

    assert memo.overview(NO_SERVICES, _travel(), lambda: _figures(3)).numbers.workers_housed == 3
    kept = memo.overview(NO_SERVICES, _travel(), lambda: _figures(99))

    assert kept.numbers.workers_housed == 3
    assert kept.moment == _travel().moment


def test_an_answer_computed_while_a_view_moved_is_not_kept(states: list[int]) -> None:
    memo = FigureMemo()
    states += [7, 8, 8, 8, 8]

    memo.overview(NO_SERVICES, _travel(), lambda: _figures(3))
    assert memo.overview(NO_SERVICES, _travel(), lambda: _figures(4)).numbers.workers_housed == 4
    assert memo.kept(NO_SERVICES, _travel()) is not None


def test_a_moment_asked_for_is_never_kept_nor_served_from_the_memo(states: list[int]) -> None:
    memo = FigureMemo()
    states += [7, 7]
    memo.overview(NO_SERVICES, _travel(), lambda: _figures(3))

    asked = _travel(as_known_at="2026-12-01T10:00")
    assert memo.overview(NO_SERVICES, asked, lambda: _figures(1)).numbers.workers_housed == 1
    assert memo.kept(NO_SERVICES, asked) is None
