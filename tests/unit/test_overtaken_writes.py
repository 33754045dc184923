"""The ledger's retries of writes another writer overtook (docs/writes.md), on fakes: no database.

`retry_change` is the rule of `Ledger._change`: without `If-Match` a change
another writer overtook is applied again, four attempts in all, then 409;
with `If-Match` it is tried once and an overtaken save is 412.
`retry_shredding` is the rule of recording a shredding whose key is gone:
five attempts, then a conflict that says to run again. The attempt is a fake
that is overtaken a given number of times.
"""

from __future__ import annotations

import pytest
from eventsourcing.persistence import IntegrityError

from ledger.application.overtaken import CHANGE_ATTEMPTS, SHRED_RECORD_ATTEMPTS, retry_change, retry_shredding
from ledger.domain.errors import ConcurrentModification, NotFound


class Overtaken:
    """An attempt overtaken `times` times (raising `error`), then done."""

    def __init__(self, times: int, error: Exception | None = None) -> None:
        self.times = times
        self.error = error or ConcurrentModification("worker x was changed by someone else; reload and retry")
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.times:
            raise self.error
        return "receipt"


def test_the_constants_say_what_docs_writes_says() -> None:
    assert (CHANGE_ATTEMPTS, SHRED_RECORD_ATTEMPTS) == (4, 5)


@pytest.mark.parametrize("overtaken", [0, 1, 3])
def test_without_if_match_a_change_is_applied_again_until_it_goes_through(overtaken: int) -> None:
    attempt = Overtaken(overtaken)

    assert retry_change(attempt, expected_version=None, what="worker x") == "receipt"
    assert attempt.calls == overtaken + 1


def test_without_if_match_four_overtaken_attempts_are_a_conflict_without_a_precondition() -> None:
    attempt = Overtaken(4)

    with pytest.raises(ConcurrentModification) as refused:
        retry_change(attempt, expected_version=None, what="worker x")

    assert attempt.calls == 4
    assert refused.value.expected is None  # 409, not 412


def test_with_if_match_an_overtaken_save_is_tried_once_and_fails_the_precondition() -> None:
    attempt = Overtaken(1)

    with pytest.raises(ConcurrentModification) as refused:
        retry_change(attempt, expected_version=3, what="worker x")

    assert attempt.calls == 1
    assert refused.value.expected == 3  # 412
    assert str(refused.value) == "worker x was changed after version 3 was read"


def test_with_if_match_a_stale_version_keeps_its_own_message() -> None:
    stale = ConcurrentModification("worker x is at version 5, not 3", expected=3, actual=5)

    with pytest.raises(ConcurrentModification) as refused:
        retry_change(Overtaken(1, stale), expected_version=3, what="worker x")

    assert refused.value is stale


def test_other_errors_are_not_retried() -> None:
    attempt = Overtaken(1, NotFound("worker", "x"))

    with pytest.raises(NotFound):
        retry_change(attempt, expected_version=None, what="worker x")

    assert attempt.calls == 1


@pytest.mark.parametrize("error", [ConcurrentModification("overtaken"), IntegrityError("duplicate version")])
def test_a_shredding_is_recorded_again_while_it_is_overtaken(error: Exception) -> None:
    attempt = Overtaken(4, error)

    assert retry_shredding(attempt, what="subject x") == "receipt"
    assert attempt.calls == 5


def test_a_shredding_overtaken_five_times_says_to_run_again() -> None:
    attempt = Overtaken(5, IntegrityError("duplicate version"))

    with pytest.raises(ConcurrentModification, match=r"could not record the shredding of subject x.*run again"):
        retry_shredding(attempt, what="subject x")

    assert attempt.calls == 5
