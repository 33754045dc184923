"""The retention clock of a registration: the earliest of its reported end and the end a stale registration gets."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger.application.registration_clock import RegistrationClock, registration_clock
from ledger.application.retention import load_policies, registration_due_on, registration_end
from ledger.domain.staleness import StalePeriods, stale_registration

POLICIES = load_policies()
PERIODS = StalePeriods(unconfirmed_months=6, retention_months=3)


def clock(**facts: Any) -> RegistrationClock | None:
    given_facts: dict[str, Any] = {
        "employment_start": date(2026, 4, 1),
        "expected_end_date": date(2026, 10, 31),
        "confirmed_on": None,
        "contract_end": None,
        "departed_on": None,
        "last_housing_end": None,
        "housed_now": True,
    }
    return registration_clock(**(given_facts | facts), periods=PERIODS)


def test_a_housed_worker_whose_employer_reports_no_end_gets_the_stale_end() -> None:
    found = clock()

    assert found is not None
    # Stale from 1 November (past the expected end), the clock starts 3 months later, due a year after.
    assert found.starts_on == date(2027, 2, 1)
    assert found.reason == "stale since 2026-11-01: past its expected end 2026-10-31"
    assert registration_due_on(POLICIES, found.starts_on) == date(2028, 2, 1)


def test_without_an_expected_end_the_clock_starts_after_the_unconfirmed_period_and_the_further_period() -> None:
    found = clock(expected_end_date=None, confirmed_on=date(2026, 5, 20))

    assert found is not None
    assert found.starts_on == date(2027, 2, 20)
    assert found.reason == "stale since 2026-11-20: not confirmed since 2026-05-20"


def test_a_reported_end_keeps_its_own_clock() -> None:
    found = clock(contract_end=date(2026, 5, 1), departed_on=date(2026, 5, 10), housed_now=False)

    assert found == RegistrationClock(date(2026, 5, 10), "registration ended 2026-05-10")


def test_the_earliest_of_the_reported_end_and_the_stale_end_wins() -> None:
    # Housing ended (no contract end, no departure reported): the registration ended then, unless stale earlier.
    moved_out_late = clock(last_housing_end=date(2027, 6, 1), housed_now=False)
    moved_out_early = clock(last_housing_end=date(2026, 9, 1), housed_now=False)

    assert moved_out_late is not None and moved_out_early is not None
    assert moved_out_late.starts_on == date(2027, 2, 1)
    assert moved_out_early == RegistrationClock(date(2026, 9, 1), "registration ended 2026-09-01")


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@given(days, st.none() | days, st.none() | days, st.none() | days, st.none() | days, st.none() | days, st.booleans())
def test_the_clock_is_the_earliest_of_the_two_ends(
    start: date,
    expected_end: date | None,
    confirmed_on: date | None,
    contract_end: date | None,
    departed_on: date | None,
    last_housing_end: date | None,
    housed_now: bool,
) -> None:
    facts: dict[str, Any] = {
        "employment_start": start,
        "expected_end_date": expected_end,
        "confirmed_on": confirmed_on,
        "contract_end": contract_end,
        "departed_on": departed_on,
    }
    ended = registration_end(
        contract_end=contract_end, departed_on=departed_on, last_housing_end=last_housing_end, housed_now=housed_now
    )
    stale = stale_registration(**facts, periods=PERIODS)

    found = clock(**facts, last_housing_end=last_housing_end, housed_now=housed_now)

    ends = [end for end in (ended, stale.retention_from if stale else None) if end is not None]
    assert (found.starts_on if found else None) == (min(ends) if ends else None)
