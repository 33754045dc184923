"""The figure memo keeps an answer only for a state of the read models that held while it was computed."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from concurrent.futures import Future
from datetime import UTC, date, datetime
from typing import Any

import pytest
import structlog.testing

from api.parameters import Moment
from web import figure_memo as memo_module
from web.figure_memo import FigureMemo
from web.moment import TimeTravel

TODAY = date(2026, 12, 7)
NO_SERVICES: Any = None  # `_key` is replaced: nothing reads the services
POSITION = 40  # the views' position every answer is counted at (`_position` is replaced)


def _travel(as_known_at: str = "", on: date = TODAY) -> TimeTravel:
    return TimeTravel(Moment(on, datetime(2026, 12, 7, 10, tzinfo=UTC)), as_known_at=as_known_at)


@pytest.fixture
def states(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The read models' states `_key` finds, one per call (a view moving is the next number)."""
    found: list[int] = []

    def key(_services: Any, what: Hashable, on: date) -> Any:
        return what, on, TODAY, ((("view", "app", found.pop(0)),), ())

    monkeypatch.setattr(FigureMemo, "_key", staticmethod(key))
    monkeypatch.setattr(FigureMemo, "_position", staticmethod(lambda _services: POSITION))
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


def test_a_newer_states_answer_replaces_the_older_one_to_the_same_question(states: list[int]) -> None:
    memo = FigureMemo()
    states += [7, 7, 8, 8, 8, 8, 8, 7]

    memo.figures(NO_SERVICES, _travel(), "overview", lambda: 1)
    memo.figures(NO_SERVICES, _travel(), "tally", lambda: 2)
    memo.figures(NO_SERVICES, _travel(), "overview", lambda: 3)

    assert memo.kept(NO_SERVICES, _travel(), "overview") == 3
    assert memo.kept(NO_SERVICES, _travel(), "overview") is None  # nor if the state came back: it was replaced


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


# `latest`: the overview's page after the views moved (docs/web.md § Figures counted behind the page).
BEHIND = 120.0


def test_latest_serves_the_kept_answer_while_the_views_stand_still(states: list[int]) -> None:
    memo = FigureMemo()
    states += [7, 7, 7]

    first = memo.latest(NO_SERVICES, _travel(), "overview", lambda: 3, behind=BEHIND)
    again = memo.latest(NO_SERVICES, _travel(), "overview", lambda: 99, behind=BEHIND)

    assert (first.answer, first.behind, first.position) == (3, False, POSITION)
    assert again == first


def test_after_the_views_moved_latest_gives_the_last_answer_behind_and_counts_the_new_one_in_the_background(
    states: list[int],
) -> None:
    memo = FigureMemo()
    states += [7, 7]
    counted = memo.latest(NO_SERVICES, _travel(), "overview", lambda: 3, behind=BEHIND)
    release = threading.Event()

    def newer() -> int:
        assert release.wait(10)
        return 4

    states += [8, 8]  # asked at 8; the background's read after counting
    behind = memo.latest(NO_SERVICES, _travel(), "overview", newer, behind=BEHIND)

    assert (behind.answer, behind.behind) == (3, True)
    assert (behind.position, behind.counted_at) == (counted.position, counted.counted_at)  # what it counted
    release.set()
    memo.settle(10)
    states += [8]
    assert memo.latest(NO_SERVICES, _travel(), "overview", lambda: 99, behind=BEHIND).answer == 4
    memo.close()


def test_latest_counts_once_in_the_background_however_many_ask(states: list[int]) -> None:
    memo = FigureMemo()
    states += [7, 7]
    memo.latest(NO_SERVICES, _travel(), "overview", lambda: 3, behind=BEHIND)
    release, counted = threading.Event(), []

    def newer() -> int:
        counted.append(1)
        assert release.wait(10)
        return 4

    states += [8, 8, 8, 8]  # three requests at 8, then the background's read after counting
    answers = [memo.latest(NO_SERVICES, _travel(), "overview", newer, behind=BEHIND).answer for _ in range(3)]
    release.set()
    memo.settle(10)

    assert answers == [3, 3, 3]
    assert counted == [1]
    memo.close()


def test_an_answer_older_than_behind_allows_is_not_served_the_new_one_is_counted_on_the_spot(
    states: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    memo = FigureMemo()
    clock = [1000.0]
    monkeypatch.setattr(memo_module.time, "monotonic", lambda: clock[0])
    states += [7, 7]
    memo.latest(NO_SERVICES, _travel(), "overview", lambda: 3, behind=BEHIND)

    clock[0] += BEHIND + 1
    states += [8, 8]
    answer = memo.latest(NO_SERVICES, _travel(), "overview", lambda: 4, behind=BEHIND)

    assert (answer.answer, answer.behind) == (4, False)


@pytest.mark.parametrize("case", ["behind 0", "an instant asked", "closed"])
def test_latest_counts_on_the_spot_with_no_time_behind_for_an_instant_asked_and_once_closed(
    states: list[int], case: str
) -> None:
    memo = FigureMemo()
    states += [7, 7]
    memo.latest(NO_SERVICES, _travel(), "overview", lambda: 3, behind=BEHIND)
    if case == "closed":
        memo.close()
    travel = _travel(as_known_at="2026-12-07T09:00") if case == "an instant asked" else _travel()
    states += [] if case == "an instant asked" else [8, 8]

    answer = memo.latest(NO_SERVICES, travel, "overview", lambda: 4, behind=0 if case == "behind 0" else BEHIND)

    assert (answer.answer, answer.behind) == (4, False)


def test_what_the_background_raised_is_logged_nothing_is_kept_and_the_next_request_counts_again(
    states: list[int],
) -> None:
    memo = FigureMemo()
    states += [7, 7]
    memo.latest(NO_SERVICES, _travel(), "overview", lambda: 3, behind=BEHIND)

    def failing() -> int:
        raise ConnectionError("the database went away")

    states += [8]
    with structlog.testing.capture_logs() as logs:
        assert memo.latest(NO_SERVICES, _travel(), "overview", failing, behind=BEHIND).answer == 3
        memo.settle(10)
        memo.close()  # waits for the background's log line

    assert [(line["event"], line["error_type"]) for line in logs] == [("figures_not_counted", "ConnectionError")]
    states += [8, 8]
    assert memo.latest(NO_SERVICES, _travel(), "overview", lambda: 5, behind=BEHIND).answer == 5
