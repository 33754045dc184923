"""Report periods follow the calendar, clipped to [from, to]; too many, or `to` before `from`, is 400."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import RuleViolated
from projections.reports.periods import MAX_PERIODS, Interval, Period, calendar_start, count_periods, periods

DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))


def spans(p: list[Period]) -> list[tuple[str, str]]:
    return [(x.start.isoformat(), x.end.isoformat()) for x in p]


def test_by_month_from_the_tenth_of_march_starts_with_the_rest_of_march() -> None:
    assert spans(periods(date(2026, 3, 10), date(2026, 6, 30), Interval.MONTH)) == [
        ("2026-03-10", "2026-03-31"),
        ("2026-04-01", "2026-04-30"),
        ("2026-05-01", "2026-05-31"),
        ("2026-06-01", "2026-06-30"),
    ]


def test_weeks_are_iso_weeks_monday_to_sunday() -> None:
    # 10 March 2026 is a Tuesday (ISO week 11); 29 March a Sunday.
    assert spans(periods(date(2026, 3, 10), date(2026, 3, 24), Interval.WEEK)) == [
        ("2026-03-10", "2026-03-15"),
        ("2026-03-16", "2026-03-22"),
        ("2026-03-23", "2026-03-24"),
    ]
    # A week over the turn of the year is one ISO week (2026-W53 runs 28 December to 3 January).
    assert spans(periods(date(2026, 12, 30), date(2027, 1, 5), Interval.WEEK)) == [
        ("2026-12-30", "2027-01-03"),
        ("2027-01-04", "2027-01-05"),
    ]


def test_quarters_years_and_days() -> None:
    assert spans(periods(date(2026, 2, 14), date(2026, 7, 1), Interval.QUARTER)) == [
        ("2026-02-14", "2026-03-31"),
        ("2026-04-01", "2026-06-30"),
        ("2026-07-01", "2026-07-01"),
    ]
    assert spans(periods(date(2025, 12, 31), date(2027, 1, 1), Interval.YEAR)) == [
        ("2025-12-31", "2025-12-31"),
        ("2026-01-01", "2026-12-31"),
        ("2027-01-01", "2027-01-01"),
    ]
    assert spans(periods(date(2024, 2, 28), date(2024, 3, 1), Interval.DAY)) == [
        ("2024-02-28", "2024-02-28"),
        ("2024-02-29", "2024-02-29"),
        ("2024-03-01", "2024-03-01"),
    ]


def test_one_day_is_one_period_of_every_interval() -> None:
    for interval in Interval:
        assert spans(periods(date(2026, 5, 31), date(2026, 5, 31), interval)) == [("2026-05-31", "2026-05-31")]


def test_to_before_from_is_refused_naming_to() -> None:
    with pytest.raises(RuleViolated) as refused:
        periods(date(2026, 5, 2), date(2026, 5, 1), Interval.DAY)
    assert [(v.field, v.code) for v in refused.value.violations] == [("to", "before_from")]


def test_at_most_max_periods() -> None:
    first = date(2026, 1, 1)
    assert len(periods(first, first + timedelta(days=MAX_PERIODS - 1), Interval.DAY)) == MAX_PERIODS
    with pytest.raises(RuleViolated) as refused:
        periods(first, first + timedelta(days=MAX_PERIODS), Interval.DAY)
    assert [(v.field, v.code) for v in refused.value.violations] == [("to", "too_many_periods")]
    # Years by month are fine; a century by week is not.
    assert len(periods(date(2000, 1, 1), date(2030, 12, 31), Interval.MONTH)) == 372
    with pytest.raises(RuleViolated):
        periods(date(2000, 1, 1), date(2099, 12, 31), Interval.WEEK)


@given(first=DAYS, length=st.integers(0, 3000), interval=st.sampled_from(Interval))
def test_the_periods_cover_exactly_the_days_asked_each_within_one_calendar_period(
    first: date, length: int, interval: Interval
) -> None:
    last = first + timedelta(days=length)
    if count_periods(first, last, interval) > MAX_PERIODS:
        with pytest.raises(RuleViolated):
            periods(first, last, interval)
        return
    found = periods(first, last, interval)
    assert len(found) == count_periods(first, last, interval)
    assert found[0].start == first
    assert found[-1].end == last
    for before, after in itertools.pairwise(found):
        assert after.start == before.end + timedelta(days=1)  # contiguous, no day twice
        assert calendar_start(after.start, interval) == after.start  # inner periods start with the calendar
    for period in found:
        assert period.start <= period.end
        assert calendar_start(period.start, interval) == calendar_start(period.end, interval)
    assert sum(p.days for p in found) == length + 1
    if interval is Interval.WEEK:
        assert all(p.start.weekday() == 0 for p in found[1:])
        assert all(p.end.weekday() == 6 for p in found[:-1])
