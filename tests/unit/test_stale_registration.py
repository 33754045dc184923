"""A stale registration: past its expected end, or without one not re-confirmed; and the re-confirmation itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.errors import RuleViolated
from ledger.domain.staleness import StaleBasis, StalePeriods, StaleRegistration, stale_registration
from ledger.domain.timeline import months_after
from ledger.domain.worker import Worker
from tests.factories import TODAY, a_worker, an_employment, broken_rules

PERIODS = StalePeriods(unconfirmed_months=6, retention_months=3)
START = date(2026, 4, 1)


def stale(periods: StalePeriods = PERIODS, **facts: Any) -> StaleRegistration | None:
    given_facts: dict[str, Any] = {
        "employment_start": START,
        "expected_end_date": None,
        "confirmed_on": None,
        "contract_end": None,
        "departed_on": None,
    }
    return stale_registration(**(given_facts | facts), periods=periods)


def test_past_its_expected_end_a_registration_is_stale_from_the_next_day() -> None:
    found = stale(expected_end_date=date(2026, 10, 31))

    assert found == StaleRegistration(
        basis=StaleBasis.PAST_EXPECTED_END,
        reference=date(2026, 10, 31),
        since=date(2026, 11, 1),
        retention_from=date(2027, 2, 1),
    )


def test_without_an_expected_end_it_is_stale_once_not_confirmed_for_the_period() -> None:
    found = stale()

    assert found == StaleRegistration(
        basis=StaleBasis.NOT_CONFIRMED,
        reference=START,
        since=date(2026, 10, 1),
        retention_from=date(2027, 1, 1),
    )


def test_a_confirmation_starts_the_period_again() -> None:
    found = stale(confirmed_on=date(2026, 9, 15))

    assert found is not None
    assert (found.reference, found.since, found.retention_from) == (
        date(2026, 9, 15),
        date(2027, 3, 15),
        date(2027, 6, 15),
    )


def test_the_periods_are_the_settings() -> None:
    found = stale(StalePeriods(unconfirmed_months=12, retention_months=0))

    assert found is not None
    assert (found.since, found.retention_from) == (date(2027, 4, 1), date(2027, 4, 1))


def test_a_month_later_than_the_31st_is_the_months_last_day() -> None:
    assert months_after(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert months_after(date(2027, 8, 31), 6) == date(2028, 2, 29)


@pytest.mark.parametrize("end", [{"contract_end": date(2030, 1, 1)}, {"departed_on": date(2026, 5, 1)}])
def test_a_registration_with_a_reported_end_is_never_stale(end: dict[str, date]) -> None:
    assert stale(**end) is None
    assert stale(expected_end_date=date(2026, 4, 30), **end) is None


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
periods = st.builds(StalePeriods, unconfirmed_months=st.integers(1, 36), retention_months=st.integers(0, 36))


@given(days, st.none() | days, st.none() | days, periods)
def test_never_stale_on_or_before_the_day_it_was_confirmed_or_expected_to_end(
    start: date, expected_end: date | None, confirmed_on: date | None, chosen: StalePeriods
) -> None:
    found = stale(chosen, employment_start=start, expected_end_date=expected_end, confirmed_on=confirmed_on)

    assert found is not None
    assert found.since > found.reference >= (start if expected_end is None else expected_end)
    if expected_end is None and confirmed_on is not None:
        assert found.since > confirmed_on
    assert found.retention_from >= found.since


@given(days, days, st.integers(0, 400), periods)
def test_a_later_confirmation_never_makes_a_registration_stale_earlier(
    start: date, confirmed_on: date, later_by: int, chosen: StalePeriods
) -> None:
    earlier = stale(chosen, employment_start=start, confirmed_on=confirmed_on)
    later = stale(chosen, employment_start=start, confirmed_on=confirmed_on + timedelta(days=later_by))

    assert earlier is not None and later is not None
    assert later.since >= earlier.since


@given(st.none() | days, st.none() | days, days, periods)
def test_an_expected_end_alone_decides_when_confirmations_do_not_matter(
    first: date | None, second: date | None, expected_end: date, chosen: StalePeriods
) -> None:
    one = stale(chosen, expected_end_date=expected_end, confirmed_on=first)
    other = stale(chosen, expected_end_date=expected_end, confirmed_on=second)

    assert one == other


# -- the re-confirmation, on the Worker ------------------------------------------------------------


def registered_worker(**employment: Any) -> Worker:
    worker = a_worker(employment=an_employment(**employment))
    worker.collect_events()
    return worker


def refusal(command: Callable[[], None]) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolated) as refused:
        command()
    return broken_rules(refused.value)


def test_a_confirmation_records_the_day_and_the_new_expected_end() -> None:
    worker = registered_worker()

    worker.confirm_registration(date(2026, 6, 1), date(2027, 3, 31), TODAY)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.RegistrationConfirmed)
    assert (event.confirmed_on, event.expected_end_date) == (date(2026, 6, 1), date(2027, 3, 31))
    assert worker.expected_end_date == date(2027, 3, 31)


def test_a_confirmation_without_an_expected_end_leaves_none() -> None:
    worker = registered_worker()

    worker.confirm_registration(TODAY, None, TODAY)

    assert worker.expected_end_date is None


@pytest.mark.parametrize(
    ("confirmed_on", "expected_end", "broken"),
    [
        (TODAY + timedelta(days=1), None, {("confirmed_on", "in_future")}),
        (date(2026, 3, 31), None, {("confirmed_on", "before_start")}),
        (date(2026, 6, 1), date(2026, 5, 31), {("expected_end_date", "before_confirmation")}),
        (date(2026, 6, 1), date(2101, 1, 1), {("expected_end_date", "out_of_range")}),
        (date(1899, 12, 31), None, {("confirmed_on", "out_of_range")}),
    ],
)
def test_a_confirmation_that_cannot_be_is_refused_naming_the_field(
    confirmed_on: date, expected_end: date | None, broken: set[tuple[str, str]]
) -> None:
    worker = registered_worker()

    assert broken <= refusal(lambda: worker.confirm_registration(confirmed_on, expected_end, TODAY))
    assert worker.collect_events() == []


def test_a_confirmation_after_the_reported_contract_end_is_refused() -> None:
    worker = registered_worker()
    worker.end_contract(date(2026, 5, 31), None, TODAY)
    worker.collect_events()

    assert refusal(lambda: worker.confirm_registration(date(2026, 6, 1), None, TODAY)) == {
        ("confirmed_on", "after_contract_end")
    }
    worker.confirm_registration(date(2026, 5, 31), None, TODAY)  # up to its last day, it was employed
