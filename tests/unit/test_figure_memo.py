"""The figure memo keeps an answer only for a state of the read models that held while it was computed."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from concurrent.futures import Future
from datetime import UTC, date, datetime
from typing import Any

import pytest

from api.parameters import Moment
from web import figure_memo as memo_module
from web.figure_memo import FigureMemo
from web.moment import TimeTravel

TODAY = date(2026, 12, 7)
NO_SERVICES: Any = None  # `_key` is replaced: nothing reads the services


def _travel(as_known_at: str = "", on: date = TODAY) -> TimeTravel:
    return TimeTravel(Moment(on, datetime(2026, 12, 7, 10, tzinfo=UTC)), as_known_at=as_known_at)


@pytest.fixture
def states(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The read models' states `_key` finds, one per call (a view moving is the next number)."""
    found: list[int] = []

    def key(_services: Any, what: Hashable, on: date) -> Any:
        return what, on, TODAY, ((("view", "app", found.pop(0)),), ())

    monkeypatch.setattr(FigureMemo, "_key", staticmethod(key))
    yield found
    assert found == [], "every state given was read"


def test_an_answer_is_kept_while_the_views_stand_still(states: list[int]) -> None:
    memo = FigureMemo()
    states += [7, 7, 7]  # computed (read before and after), then asked again

    assert memo.figures(NO_SERVICES, _travel(), "overview", lambda: 3) == 3
    assert memo.figures(NO_SERVICES, _travel(), "overview", lambda: 99) == 3


def test_an_answer_computed_while_a_view_moved_is_not_kept(states: list[int]) -> None:
    memo = FigureMemo()
    states += [7, 8, 8, 8, 8]

    memo.figures(NO_SERVICES, _travel(), "overview", lambda: 3)
    assert memo.figures(NO_SERVICES, _travel(), "overview", lambda: 4) == 4
    assert memo.kept(NO_SERVICES, _travel(), "overview") == 4


def test_each_question_and_day_has_its_own_answer(states: list[int]) -> None:
    memo = FigureMemo()
    yesterday = _travel(on=date(2026, 12, 6))
    states += [7] * 7

    memo.figures(NO_SERVICES, _travel(), "overview", lambda: 1)
    memo.figures(NO_SERVICES, _travel(), "tally", lambda: 2)
    memo.figures(NO_SERVICES, yesterday, "overview", lambda: 3)

    assert memo.kept(NO_SERVICES, _travel(), "overview") == 1


def test_a_new_state_drops_the_answers_of_the_old_one(states: list[int]) -> None:
    memo = FigureMemo()
    states += [7, 7, 8, 8, 7]

    memo.figures(NO_SERVICES, _travel(), "overview", lambda: 1)
    memo.figures(NO_SERVICES, _travel(), "tally", lambda: 2)

    assert memo.kept(NO_SERVICES, _travel(), "overview") is None  # nor if the state came back: it was dropped


def test_no_more_than_a_few_answers_are_kept(states: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo_module, "MOST", 2)
    memo = FigureMemo()
    states += [7] * 9

    for n in range(3):
        memo.figures(NO_SERVICES, _travel(), n, lambda n=n: n)  # type: ignore[misc]

    assert memo.kept(NO_SERVICES, _travel(), 0) is None  # the oldest went
    assert [memo.kept(NO_SERVICES, _travel(), n) for n in (1, 2)] == [1, 2]


def test_a_moment_asked_for_is_never_kept_nor_served_from_the_memo(states: list[int]) -> None:
    memo = FigureMemo()
    states += [7, 7]
    memo.figures(NO_SERVICES, _travel(), "overview", lambda: 3)

    asked = _travel(as_known_at="2026-12-01T10:00")
    assert memo.figures(NO_SERVICES, asked, "overview", lambda: 1) == 1
    assert memo.kept(NO_SERVICES, asked, "overview") is None


def test_a_request_asking_what_another_computes_waits_for_its_answer(
    states: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    memo = FigureMemo()
    states += [7, 7, 7]  # the first request's before and after, the second's before
    started, waiting, release = threading.Event(), threading.Event(), threading.Event()
    computed: list[str] = []

    class Watched(Future[Any]):
        def result(self, timeout: float | None = None) -> Any:
            waiting.set()  # the second request is waiting on the first's computation
            return super().result(timeout)

    monkeypatch.setattr(memo_module, "Future", Watched)

    def slow() -> int:
        computed.append("first")
        started.set()
        assert release.wait(10)
        return 3

    def again() -> int:
        computed.append("second")
        return 4

    answers: dict[str, int] = {}
    first = threading.Thread(target=lambda: answers.update(first=memo.figures(NO_SERVICES, _travel(), "o", slow)))
    second = threading.Thread(target=lambda: answers.update(second=memo.figures(NO_SERVICES, _travel(), "o", again)))
    first.start()
    assert started.wait(10)
    second.start()
    assert waiting.wait(10), "the second request computed instead of waiting"
    release.set()
    first.join(10)
    second.join(10)

    assert answers == {"first": 3, "second": 3}
    assert computed == ["first"]


def test_what_the_computation_raised_reaches_those_waiting_and_nothing_is_kept(states: list[int]) -> None:
    memo = FigureMemo()
    states += [7, 7, 7]

    def failing() -> int:
        raise ConnectionError("the database went away")

    with pytest.raises(ConnectionError):
        memo.figures(NO_SERVICES, _travel(), "o", failing)
    assert memo.figures(NO_SERVICES, _travel(), "o", lambda: 5) == 5  # computed again, not an old failure
