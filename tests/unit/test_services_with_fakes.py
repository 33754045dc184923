"""The API's service layer (`api.services.Services`) on in-memory fakes: its rules without a database.

A read with `minPosition` waits for every view; a position no write has is
bad input, a view that does not get there in time (or stopped before it) is
503 with `Retry-After`. The fakes stand for the ledger's recorder and the view
runners; nothing here opens a connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from api.services import ProjectionLagError, Services
from ledger.errors import RuleViolated
from ledger.settings import Settings
from projections.runner import ViewStoppedError


class FakeRecorder:
    def __init__(self, head: int | None) -> None:
        self.head = head

    def max_notification_id(self) -> int | None:
        return self.head


class FakeLedger:
    def __init__(self, head: int | None) -> None:
        self.recorder = FakeRecorder(head)


@dataclass
class FakeRunner:
    """A view runner that is at `position`, or stopped, or never gets anywhere; it records what it was asked."""

    name: str
    view: Any = None
    fails_with: type[Exception] | None = None
    asked: list[tuple[int, float]] = field(default_factory=list)

    def wait(self, position: int, timeout: float = 5.0) -> None:
        self.asked.append((position, timeout))
        if self.fails_with is ViewStoppedError:
            raise ViewStoppedError(self.name, position - 1, "ValueError")
        if self.fails_with is not None:
            raise self.fails_with(f"view {self.name} has not reached position {position}")


def services(head: int | None, *runners: FakeRunner, wait_s: float = 2.0) -> Services:
    return Services(
        settings=Settings(api_min_position_wait_s=wait_s),
        ledger=FakeLedger(head),  # type: ignore[arg-type]
        runners=list(runners),  # type: ignore[arg-type]
        verifier=None,  # type: ignore[arg-type]
        processing_log=None,  # type: ignore[arg-type]
        readiness=None,  # type: ignore[arg-type]
        retention_policies={},
    )


def test_a_read_without_min_position_waits_for_nothing() -> None:
    residence = FakeRunner("residence", fails_with=TimeoutError)

    services(10, residence).wait_for(None)

    assert residence.asked == []


def test_every_view_is_waited_for_with_the_configured_timeout() -> None:
    residence, register = FakeRunner("residence"), FakeRunner("register")

    services(10, residence, register, wait_s=2.0).wait_for(7)

    assert residence.asked == [(7, 2.0)]
    assert register.asked == [(7, 2.0)]


def test_a_position_no_write_has_is_bad_input_and_nothing_waits() -> None:
    residence = FakeRunner("residence")

    with pytest.raises(RuleViolated) as refused:
        services(10, residence).wait_for(11)

    assert [(v.field, v.code) for v in refused.value.violations] == [("min_position", "beyond_head")]
    assert residence.asked == []


def test_an_empty_log_has_no_position_to_wait_for() -> None:
    with pytest.raises(RuleViolated):
        services(None, FakeRunner("residence")).wait_for(1)


@pytest.mark.parametrize("failure", [TimeoutError, ViewStoppedError])
def test_a_view_that_does_not_get_there_is_a_lag_with_retry_after(failure: type[Exception]) -> None:
    register = FakeRunner("register", fails_with=failure)

    with pytest.raises(ProjectionLagError) as lagging:
        services(10, FakeRunner("residence"), register, wait_s=2.4).wait_for(9)

    assert lagging.value.position == 9
    assert lagging.value.retry_after_s == 2  # the wait, rounded: a client comes back after about as long


def test_retry_after_is_at_least_a_second_even_without_waiting() -> None:
    with pytest.raises(ProjectionLagError) as lagging:
        services(10, FakeRunner("residence", fails_with=TimeoutError), wait_s=0).wait_for(3)

    assert lagging.value.retry_after_s == 1


def test_a_view_is_found_by_its_class() -> None:
    class ResidenceLike:
        pass

    class RegisterLike:
        pass

    residence, register = ResidenceLike(), RegisterLike()
    found = services(1, FakeRunner("residence", view=residence), FakeRunner("register", view=register))

    assert found.view(RegisterLike) is register
    assert found.view(ResidenceLike) is residence
