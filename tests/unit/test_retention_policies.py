"""Retention policies: periods, the shipped defaults, and due dates for the typical lives of a worker."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.application.retention import (
    INSPECTION,
    REGISTRATION,
    Period,
    RetentionConfigError,
    inspection_due_on,
    load_policies,
    registration_due_on,
    registration_end,
)

POLICIES = load_policies()


def test_shipped_defaults_match_the_sources() -> None:
    assert POLICIES[REGISTRATION].period == Period(years=1)
    assert POLICIES[INSPECTION].period == Period(years=5)
    assert POLICIES["sanction_fine"].period == Period(years=7)
    assert POLICIES["sanction_enforcement"].period == Period(years=10)
    assert POLICIES["processing_log"].period == Period(years=2)


@pytest.mark.parametrize(
    ("text", "period"),
    [("P1Y", Period(1)), ("P18M", Period(months=18)), ("P1Y6M10D", Period(1, 6, 10)), ("P45D", Period(days=45))],
)
def test_periods_parse(text: str, period: Period) -> None:
    assert Period.parse(text) == period


# isodate reads the whole ISO 8601 grammar; a policy takes whole years, months and days only.
@pytest.mark.parametrize("text", ["", "P", "1Y", "P1W", "PT1H", "P1YT0S", "P1.5Y", "-P1Y", "P1Y-2M"])
def test_malformed_periods_are_refused(text: str) -> None:
    with pytest.raises(RetentionConfigError):
        Period.parse(text)


def test_a_period_after_the_end_of_a_month_lands_on_the_last_day() -> None:
    assert Period(months=1).after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert Period(years=1).after(date(2028, 2, 29)) == date(2029, 2, 28)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 20), st.integers(0, 30))
def test_a_period_never_moves_backwards(day: date, months: int, days: int) -> None:
    assert Period(months=months, days=days).after(day) >= day


def test_an_override_file_missing_a_policy_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "retention.toml"
    broken.write_text('[policies.worker_registration]\ncovers = "x"\nclock = "y"\nperiod = "P1Y"\nsource = "z"\n')
    with pytest.raises(RetentionConfigError, match="lacks"):
        load_policies(broken)


def test_ended_contract_is_due_one_year_after_it_ended_and_housing_ended() -> None:
    ended = registration_end(
        contract_end=date(2026, 5, 1), departed_on=None, last_housing_end=date(2026, 5, 10), housed_now=False
    )
    assert ended == date(2026, 5, 10)
    assert registration_due_on(POLICIES, ended) == date(2027, 5, 10)


def test_departure_later_than_the_contract_end_starts_the_clock() -> None:
    ended = registration_end(
        contract_end=date(2026, 5, 1), departed_on=date(2026, 6, 1), last_housing_end=date(2026, 6, 1), housed_now=False
    )
    assert registration_due_on(POLICIES, ended) == date(2027, 6, 1)


def test_a_worker_still_active_has_no_due_date() -> None:
    ended = registration_end(contract_end=None, departed_on=None, last_housing_end=None, housed_now=True)
    assert registration_due_on(POLICIES, ended) is None


def test_a_worker_still_housed_after_the_contract_ended_has_no_due_date() -> None:
    assert (
        registration_end(contract_end=date(2026, 5, 1), departed_on=None, last_housing_end=None, housed_now=True)
        is None
    )


def test_a_back_dated_contract_end_moves_the_due_date_back() -> None:
    before = registration_end(
        contract_end=date(2026, 9, 1), departed_on=date(2026, 9, 1), last_housing_end=None, housed_now=False
    )
    after = registration_end(
        contract_end=date(2026, 7, 1), departed_on=date(2026, 7, 1), last_housing_end=None, housed_now=False
    )
    assert registration_due_on(POLICIES, after) < registration_due_on(POLICIES, before)  # type: ignore[operator]


def test_housing_ended_without_contract_end_or_departure_ends_at_the_last_housing_end() -> None:
    ended = registration_end(contract_end=None, departed_on=None, last_housing_end=date(2026, 8, 1), housed_now=False)
    assert ended == date(2026, 8, 1)


def test_inspection_notes_follow_the_longest_clock() -> None:
    assert inspection_due_on(POLICIES, date(2026, 3, 1), []) == (date(2031, 3, 1), INSPECTION)
    assert inspection_due_on(POLICIES, date(2026, 3, 1), [("administrative_fine", date(2026, 4, 1))]) == (
        date(2033, 4, 1),
        "sanction_fine",
    )
    assert inspection_due_on(POLICIES, date(2026, 3, 1), [("order_subject_to_penalty", date(2026, 4, 1))]) == (
        date(2036, 4, 1),
        "sanction_enforcement",
    )


def test_an_inspection_followed_only_by_a_warning_keeps_the_five_year_notes_policy() -> None:
    # A warning is no sanction (Awb art. 5:2): it imposes no obligation and withholds nothing.
    assert inspection_due_on(POLICIES, date(2026, 3, 1), [("warning", date(2026, 4, 1))]) == (
        date(2031, 3, 1),
        INSPECTION,
    )


@given(
    inspected_on=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    sanctions=st.lists(
        st.tuples(
            st.sampled_from(["order_subject_to_penalty", "administrative_fine"]),
            st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
        ),
        max_size=3,
    ),
    warnings=st.lists(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), max_size=3),
)
def test_warnings_never_move_an_inspections_due_date(
    inspected_on: date, sanctions: list[tuple[str, date]], warnings: list[date]
) -> None:
    with_warnings = sanctions + [("warning", day) for day in warnings]

    assert inspection_due_on(POLICIES, inspected_on, with_warnings) == inspection_due_on(
        POLICIES, inspected_on, sanctions
    )


def test_a_period_before_a_day_is_the_inverse_of_after() -> None:
    assert Period(years=2).before(date(2026, 6, 15)) == date(2024, 6, 15)
    assert Period(months=1).before(date(2026, 3, 31)) == date(2026, 2, 28)
