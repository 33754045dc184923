"""Transfers: a worker who moves to another employer stays one worker (issue 16, §2).

The employer is a valid-time timeline like the housing (docs/time.md): a
transfer holds from its date until the next later one, and of two on one date
the later recorded wins. The views keep only the employer in force now, by one
rule (`employer_after`); a property checks that rule against the timeline.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.employer import employer_id_for
from ledger.domain.errors import Conflict, RuleViolated
from ledger.domain.transfer import employer_after
from ledger.domain.worker import Worker
from tests.factories import TODAY, a_worker, broken_rules

START = date(2026, 4, 1)  # an_employment()'s start date
FIRST = employer_id_for("60000001")  # a_worker()'s employer
SECOND, THIRD = employer_id_for("60000002"), employer_id_for("60000003")


def refusal(command: Any) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolated) as refused:
        command()
    return broken_rules(refused.value)


def test_a_transfer_records_the_new_employer_from_its_date_on() -> None:
    worker = a_worker()
    worker.transfer(SECOND, date(2026, 6, 1), TODAY)

    event = worker.collect_events()[-1]

    assert isinstance(event, Worker.EmployerChanged)
    assert (event.employer_id, event.valid_from) == (SECOND, date(2026, 6, 1))
    assert worker.employer_id == SECOND
    assert [worker.employer_on(d) for d in (date(2026, 3, 1), START, date(2026, 5, 31), date(2026, 6, 1))] == [
        FIRST,
        FIRST,
        FIRST,
        SECOND,
    ]


def test_a_back_dated_correction_before_a_later_transfer_does_not_change_todays_employer() -> None:
    worker = a_worker()
    worker.transfer(SECOND, date(2026, 6, 1), TODAY)
    worker.transfer(THIRD, date(2026, 5, 1), TODAY)  # another employer before the move to the second
    assert worker.employer_id == SECOND
    assert worker.employer_on(date(2026, 5, 15)) == THIRD


def test_a_transfer_on_the_same_date_corrects_the_earlier_one() -> None:
    worker = a_worker()
    worker.transfer(SECOND, date(2026, 6, 1), TODAY)
    worker.transfer(THIRD, date(2026, 6, 1), TODAY)
    assert worker.employer_id == THIRD


@pytest.mark.parametrize(
    ("valid_from", "code"),
    [
        (date(2026, 3, 31), "before_start"),  # the employment it would end had not begun
        (TODAY + timedelta(days=1), "in_future"),  # a transfer is recorded once it happened
        (date(1899, 12, 31), "out_of_range"),
    ],
)
def test_a_transfer_dated_before_the_employment_or_after_today_is_refused(valid_from: date, code: str) -> None:
    worker = a_worker()
    assert refusal(lambda: worker.transfer(SECOND, valid_from, TODAY)) == {("valid_from", code)}


@pytest.mark.parametrize("end", ["contract end", "departure"])
def test_an_ended_registration_is_not_transferred(end: str) -> None:
    worker = a_worker()
    if end == "contract end":
        worker.end_contract(date(2026, 6, 30), None, TODAY)
    else:
        worker.depart(date(2026, 6, 1), TODAY)

    with pytest.raises(Conflict, match="registers the worker anew"):
        worker.transfer(SECOND, date(2026, 6, 1), TODAY)


EMPLOYERS = st.sampled_from([FIRST, SECOND, THIRD])
DAYS = st.integers(min_value=0, max_value=(TODAY - START).days).map(lambda n: START + timedelta(days=n))


@given(transfers=st.lists(st.tuples(EMPLOYERS, DAYS), max_size=8), day=DAYS)
def test_the_employer_of_a_day_and_the_employer_now_follow_the_plain_reading(
    transfers: list[tuple[UUID, date]], day: date
) -> None:
    worker = a_worker()
    for employer, valid_from in transfers:
        worker.transfer(employer, valid_from, TODAY)

    # Plainly: the registration holds from the start; each transfer from its date; of two on one date, the later.
    entries = [(START, 0, FIRST)] + [(d, n, e) for n, (e, d) in enumerate(transfers, start=1)]
    on_day = max((entry for entry in entries if entry[0] <= day), key=lambda entry: entry[:2])
    latest = max(entries, key=lambda entry: entry[:2])
    # The views' rule: a transfer replaces the employer in force now iff it is dated on or after its start.
    now, since = FIRST, START
    for employer, valid_from in transfers:
        if employer_after(since, valid_from):
            now, since = employer, valid_from

    assert worker.employer_on(day) == on_day[2]
    assert worker.employer_id == latest[2] == now
