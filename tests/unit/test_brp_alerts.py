"""The BRP registration alerts as pure functions (docs/alerts.md): facts, stays and today in; alerts out.

Wet BRP art. 2.38: whoever may reasonably expect to stay at least two thirds of
a half year (4 months within 6) declares within 5 days of arrival; art. 2.39:
an address change is declared within 5 days. A stay in Medemblik's housing
stands in for a stay in the Netherlands.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.housing_location import housing_location_id_for
from projections.brp_alerts import (
    BrpAlert,
    BrpAlertKind,
    BrpFacts,
    BrpThresholds,
    Stay,
    brp_alerts,
    days_housed_in_window,
)

HOME_BAG_ID = "0420010000000001"
HOME = housing_location_id_for(HOME_BAG_ID).hex
OTHER = housing_location_id_for("0420010000000002").hex
ELSEWHERE_BAG_ID = "0405010000054321"  # a dwelling in Hoorn
LAW = BrpThresholds()  # the defaults: 4 months, 5 days, 4 months, 5 days
EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True)


def kinds(found: list[BrpAlert]) -> dict[BrpAlertKind, date]:
    return {a.kind: a.since for a in found}


def alerts_on(today: date, stays: list[Stay], facts: BrpFacts | None = None) -> dict[BrpAlertKind, date]:
    return kinds(brp_alerts(facts or BrpFacts(), stays, today, LAW))


# -- no_brp_after_four_months: days housed in the trailing six months ------------------------


def test_a_returning_seasonal_worker_is_not_flagged_on_return() -> None:
    # Housed April-June 2025, back on 1 April 2026: last year's stay lies outside the window.
    stays: list[Stay] = [(HOME, date(2025, 4, 1), date(2025, 7, 1)), (HOME, date(2026, 4, 1), None)]
    facts = BrpFacts(expected_end_date=date(2025, 6, 30))

    assert alerts_on(date(2026, 4, 1), stays, facts) == {}
    assert alerts_on(date(2026, 7, 31), stays, facts) == {}
    # 1 April + 4 months: the days housed since the return reach 4 months.
    assert alerts_on(date(2026, 8, 1), stays, facts) == {BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS: date(2026, 8, 1)}


def test_exactly_four_months_housed_raises_the_alert_on_that_day() -> None:
    stays: list[Stay] = [(HOME, date(2026, 2, 15), None)]

    assert alerts_on(date(2026, 6, 14), stays) == {}
    assert alerts_on(date(2026, 6, 15), stays) == {BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS: date(2026, 6, 15)}
    assert alerts_on(date(2026, 9, 1), stays) == {BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS: date(2026, 6, 15)}


def test_stays_at_several_locations_and_with_gaps_add_up_within_the_window() -> None:
    # 2 months, a month away, 2 more months at another location: 4 months housed within 6 on 1 June.
    stays: list[Stay] = [(HOME, date(2026, 1, 1), date(2026, 3, 1)), (OTHER, date(2026, 4, 1), None)]

    assert days_housed_in_window(stays, date(2026, 6, 1)) == 59 + 61
    assert alerts_on(date(2026, 5, 31), stays) == {}
    raised = alerts_on(date(2026, 7, 1), stays)
    assert BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS in raised
    # The first day of the run in force: the count reaches the 4 months that day, not a day earlier.
    since = raised[BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS]
    assert alerts_on(since, stays) == {BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS: since}
    assert alerts_on(since - timedelta(days=1), stays) == {}


def test_a_brp_registration_clears_the_brp_alerts_for_good_an_rni_one_does_not() -> None:
    stays: list[Stay] = [(HOME, date(2026, 1, 1), None)]
    registered = BrpFacts(brp_registered_on=date(2026, 1, 20), expected_end_date=date(2026, 12, 31))

    assert alerts_on(date(2026, 9, 1), stays, registered) == {}
    # Registered later than today (asked about an earlier day): not yet.
    assert BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS in alerts_on(date(2026, 9, 1), stays, BrpFacts())
    # A deregistration afterwards does not bring the BRP alerts back: it has an alert of its own.
    gone = BrpFacts(brp_registered_on=date(2026, 1, 20), deregistered_on=date(2026, 8, 1))
    assert alerts_on(date(2026, 9, 1), stays, gone) == {BrpAlertKind.DEREGISTERED_WHILE_HOUSED: date(2026, 8, 1)}


def test_not_housed_today_raises_no_brp_alert() -> None:
    stays: list[Stay] = [(HOME, date(2026, 1, 1), date(2026, 8, 1))]

    assert alerts_on(date(2026, 8, 1), stays) == {}


# -- no_brp_after_arrival: the expected stay from arrival, or temporary protection -------------


@pytest.mark.parametrize(("expected_end", "raised"), [(date(2026, 6, 14), True), (date(2026, 6, 13), False)])
def test_an_expected_stay_of_at_least_four_months_from_arrival_needs_brp_within_five_days(
    expected_end: date, raised: bool
) -> None:
    # Arrived 15 February; a stay through 14 June is exactly 4 months (15 Feb + 4 months = 15 June).
    stays: list[Stay] = [(HOME, date(2026, 2, 15), None)]
    facts = BrpFacts(expected_end_date=expected_end)

    assert alerts_on(date(2026, 2, 20), stays, facts) == {}  # the fifth day after arrival: still in time
    found = alerts_on(date(2026, 2, 21), stays, facts)
    assert found == ({BrpAlertKind.NO_BRP_AFTER_ARRIVAL: date(2026, 2, 21)} if raised else {})


def test_the_expected_stay_is_measured_from_arrival_not_from_an_earlier_employment_start() -> None:
    # Employed from 1 January (elsewhere), housed here from 1 March, expected to end 31 May: 3 months here.
    stays: list[Stay] = [(HOME, date(2026, 3, 1), None)]
    facts = BrpFacts(expected_end_date=date(2026, 5, 31))

    assert alerts_on(date(2026, 3, 20), stays, facts) == {}


def test_a_returning_worker_arrives_again_on_return() -> None:
    stays: list[Stay] = [(HOME, date(2025, 4, 1), date(2025, 7, 1)), (OTHER, date(2026, 4, 1), None)]
    facts = BrpFacts(expected_end_date=date(2026, 10, 31))

    assert alerts_on(date(2026, 4, 6), stays, facts) == {}
    assert alerts_on(date(2026, 4, 7), stays, facts) == {BrpAlertKind.NO_BRP_AFTER_ARRIVAL: date(2026, 4, 7)}


def test_a_move_between_locations_is_no_new_arrival() -> None:
    stays: list[Stay] = [(HOME, date(2026, 4, 1), date(2026, 4, 20)), (OTHER, date(2026, 4, 20), None)]
    facts = BrpFacts(expected_end_date=date(2026, 10, 31))

    assert alerts_on(date(2026, 4, 22), stays, facts) == {BrpAlertKind.NO_BRP_AFTER_ARRIVAL: date(2026, 4, 7)}


def test_temporary_protection_needs_brp_within_five_days_whatever_the_expected_stay() -> None:
    stays: list[Stay] = [(HOME, date(2026, 3, 3), None)]
    protected = BrpFacts(expected_end_date=date(2026, 4, 30), temporary_protection_from=date(2026, 3, 1))

    assert alerts_on(date(2026, 3, 8), stays, protected) == {}
    assert alerts_on(date(2026, 3, 9), stays, protected) == {BrpAlertKind.NO_BRP_AFTER_ARRIVAL: date(2026, 3, 9)}
    # Without the flag, the short expected stay raises nothing.
    assert alerts_on(date(2026, 3, 9), stays, BrpFacts(expected_end_date=date(2026, 4, 30))) == {}


def test_temporary_protection_granted_after_arrival_counts_from_its_own_date() -> None:
    stays: list[Stay] = [(HOME, date(2026, 3, 3), None)]
    protected = BrpFacts(temporary_protection_from=date(2026, 3, 10))

    assert alerts_on(date(2026, 3, 15), stays, protected) == {}
    assert alerts_on(date(2026, 3, 16), stays, protected) == {BrpAlertKind.NO_BRP_AFTER_ARRIVAL: date(2026, 3, 16)}


# -- brp_address_differs: the BRP address is not the registered housing (art. 2.39) ---------------


def test_a_brp_address_elsewhere_raises_an_alert_after_five_days() -> None:
    stays: list[Stay] = [(HOME, date(2026, 4, 1), None)]
    facts = BrpFacts(
        brp_registered_on=date(2026, 4, 1), brp_bag_id=ELSEWHERE_BAG_ID, brp_address_since=date(2026, 4, 1)
    )

    assert alerts_on(date(2026, 4, 6), stays, facts) == {}
    assert alerts_on(date(2026, 4, 7), stays, facts) == {BrpAlertKind.BRP_ADDRESS_DIFFERS: date(2026, 4, 7)}


def test_the_brp_address_of_the_housing_raises_nothing_and_a_move_starts_the_term_again() -> None:
    stays: list[Stay] = [(HOME, date(2026, 4, 1), date(2026, 5, 1)), (OTHER, date(2026, 5, 1), None)]
    facts = BrpFacts(brp_registered_on=date(2026, 4, 1), brp_bag_id=HOME_BAG_ID, brp_address_since=date(2026, 4, 1))

    assert alerts_on(date(2026, 4, 30), stays, facts) == {}
    assert alerts_on(date(2026, 5, 6), stays, facts) == {}
    assert alerts_on(date(2026, 5, 7), stays, facts) == {BrpAlertKind.BRP_ADDRESS_DIFFERS: date(2026, 5, 7)}


def test_days_before_the_brp_address_holds_are_not_compared() -> None:
    stays: list[Stay] = [(HOME, date(2026, 1, 1), None)]
    facts = BrpFacts(
        brp_registered_on=date(2026, 1, 2), brp_bag_id=ELSEWHERE_BAG_ID, brp_address_since=date(2026, 6, 1)
    )

    assert alerts_on(date(2026, 6, 6), stays, facts) == {}
    assert alerts_on(date(2026, 6, 7), stays, facts) == {BrpAlertKind.BRP_ADDRESS_DIFFERS: date(2026, 6, 7)}


def test_the_term_for_a_differing_address_is_a_setting() -> None:
    stays: list[Stay] = [(HOME, date(2026, 4, 1), None)]
    facts = BrpFacts(brp_bag_id=ELSEWHERE_BAG_ID, brp_address_since=date(2026, 4, 1))
    strict = BrpThresholds(address_days=0)

    assert kinds(brp_alerts(facts, stays, date(2026, 4, 2), strict)) == {
        BrpAlertKind.BRP_ADDRESS_DIFFERS: date(2026, 4, 2),
    }


# -- deregistered_while_housed -----------------------------------------------------------------


def test_a_deregistered_worker_still_housed_is_flagged_from_the_later_of_both() -> None:
    facts = BrpFacts(brp_registered_on=date(2026, 1, 5), deregistered_on=date(2026, 5, 1))

    assert alerts_on(date(2026, 4, 30), [(HOME, date(2026, 1, 1), None)], facts) == {}
    assert alerts_on(date(2026, 5, 1), [(HOME, date(2026, 1, 1), None)], facts) == {
        BrpAlertKind.DEREGISTERED_WHILE_HOUSED: date(2026, 5, 1)
    }
    # Moved in after the deregistration: since the day housed.
    assert alerts_on(date(2026, 6, 1), [(HOME, date(2026, 5, 20), None)], facts) == {
        BrpAlertKind.DEREGISTERED_WHILE_HOUSED: date(2026, 5, 20)
    }
    assert alerts_on(date(2026, 6, 1), [(HOME, date(2026, 1, 1), date(2026, 5, 1))], facts) == {}


# -- for all inputs ------------------------------------------------------------------------------

_DAY0 = date(2025, 1, 1)
_days = st.integers(min_value=0, max_value=900)


@st.composite
def stay_lists(draw: st.DrawFn) -> list[Stay]:
    """Non-overlapping stays in date order (gaps and adjacent stays at other locations included)."""
    stays: list[Stay] = []
    day = draw(st.integers(min_value=0, max_value=200))
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        start = _DAY0 + timedelta(days=day)
        length = draw(st.integers(min_value=1, max_value=260))
        end = None if draw(st.integers(min_value=0, max_value=3)) == 0 else start + timedelta(days=length)
        stays.append((draw(st.sampled_from([HOME, OTHER])), start, end))
        if end is None:
            break
        day += length + draw(st.integers(min_value=0, max_value=90))
    return stays


_FIRST, _LAST = _DAY0 - timedelta(days=400), _DAY0 + timedelta(days=1600)


class PlainRule:
    """The four-month rule read plainly, from a flag per day: housed that day, and housed on at least as many
    days of the 6 months before it as the 4 months before it have."""

    def __init__(self, stays: list[Stay]) -> None:
        flags = [
            any(start <= day and (end is None or day < end) for _, start, end in stays)
            for day in (_FIRST + timedelta(days=n) for n in range((_LAST - _FIRST).days))
        ]
        self.flags = flags
        self.before = [0]  # self.before[n]: days housed before _FIRST + n days
        for flag in flags:
            self.before.append(self.before[-1] + flag)

    def housed_between(self, start: date, end: date) -> int:
        return self.before[(end - _FIRST).days] - self.before[(start - _FIRST).days]

    def reached(self, day: date) -> bool:
        window_start, four_months = day - relativedelta(months=6), day - relativedelta(months=4)
        housed = self.flags[(day - _FIRST).days]
        return housed and self.housed_between(window_start, day) >= (day - four_months).days


@EXAMPLES
@given(stays=stay_lists(), offset=_days)
def test_the_window_count_is_the_days_housed_in_the_six_months_before_the_day(stays: list[Stay], offset: int) -> None:
    day = _DAY0 + timedelta(days=offset)
    count = days_housed_in_window(stays, day)

    assert count == PlainRule(stays).housed_between(day - relativedelta(months=6), day)
    assert 0 <= count <= (day - (day - relativedelta(months=6))).days <= 184


@EXAMPLES
@given(stays=stay_lists(), offset=_days)
def test_the_four_month_alert_is_raised_exactly_when_the_rule_holds_and_since_its_first_day(
    stays: list[Stay], offset: int
) -> None:
    today = _DAY0 + timedelta(days=offset)
    rule = PlainRule(stays)
    found = alerts_on(today, stays)

    assert (BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS in found) == rule.reached(today)
    if BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS in found:
        since = found[BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS]
        assert since <= today
        assert all(rule.reached(since + timedelta(days=n)) for n in range((today - since).days + 1))
        assert not rule.reached(since - timedelta(days=1))


@EXAMPLES
@given(stays=stay_lists(), offset=_days, address_offset=_days, term=st.integers(min_value=0, max_value=10))
def test_a_differing_address_alert_is_raised_after_the_term_of_an_unbroken_run(
    stays: list[Stay], offset: int, address_offset: int, term: int
) -> None:
    today, since_brp = _DAY0 + timedelta(days=offset), _DAY0 + timedelta(days=address_offset)
    facts = BrpFacts(brp_registered_on=since_brp, brp_bag_id=HOME_BAG_ID, brp_address_since=since_brp)

    def differs(day: date) -> bool:
        return day >= since_brp and any(
            loc == OTHER and start <= day and (end is None or day < end) for loc, start, end in stays
        )

    found = kinds(brp_alerts(facts, stays, today, BrpThresholds(address_days=term)))
    run_start = today
    while differs(run_start - timedelta(days=1)):
        run_start -= timedelta(days=1)
    expected = differs(today) and today >= run_start + timedelta(days=term + 1)

    assert (BrpAlertKind.BRP_ADDRESS_DIFFERS in found) == expected
    if expected:
        assert found[BrpAlertKind.BRP_ADDRESS_DIFFERS] == run_start + timedelta(days=term + 1)
