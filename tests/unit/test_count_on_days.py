"""Counting spans on days: each day gets the counts of the spans [from, to) that hold it, whatever the days' order."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from projections.location_figures import count_on_days

START = date(2025, 12, 1)
day = st.integers(min_value=0, max_value=60).map(lambda n: START + timedelta(days=n))
span = st.tuples(
    st.integers(min_value=0, max_value=60),
    st.one_of(st.none(), st.integers(min_value=1, max_value=30)),
    st.integers(min_value=1, max_value=5),
).map(lambda s: (START + timedelta(days=s[0]), None if s[1] is None else START + timedelta(days=s[0] + s[1]), s[2]))


@given(st.lists(span, max_size=30), st.lists(day, max_size=14))
def test_each_day_counts_the_spans_that_hold_it(spans: list[tuple[date, date | None, int]], days: list[date]) -> None:
    expected = [sum(n for first, end, n in spans if first <= d and (end is None or d < end)) for d in days]

    assert count_on_days(spans, days) == expected


def test_a_span_holds_its_first_day_and_not_its_end() -> None:
    first, end = date(2026, 1, 1), date(2026, 2, 1)

    assert count_on_days([(first, end, 3)], [date(2025, 12, 31), first, date(2026, 1, 31), end]) == [0, 3, 3, 0]
