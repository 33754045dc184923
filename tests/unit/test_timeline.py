"""Property-based tests of `Timeline` against a naive reference of the time semantics.

The reference reads docs/time.md literally: on day D the entry with the
latest `valid_from` <= D holds, and of entries with equal `valid_from` the one
with the highest `seq` (recorded later) wins.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.timeline import Entry, Timeline, months_after

EPOCH = date(2026, 1, 1)
SPAN = 40  # a short span of days makes equal valid_froms and equal neighbours common
DEFAULT = "default"
ONE_DAY = timedelta(days=1)


@st.composite
def entries(draw: st.DrawFn) -> list[Entry[str | None]]:
    """Entries in recording order, with distinct seqs that need not be ascending."""
    count = draw(st.integers(min_value=0, max_value=12))
    offsets = draw(st.lists(st.integers(0, SPAN), min_size=count, max_size=count))
    values = draw(st.lists(st.sampled_from([None, "a", "b", "c"]), min_size=count, max_size=count))
    seqs = draw(st.lists(st.integers(1, 1000), min_size=count, max_size=count, unique=True))
    return [Entry(EPOCH + timedelta(days=o), v, s) for o, v, s in zip(offsets, values, seqs, strict=True)]


def timeline_of(recorded: list[Entry[str | None]]) -> Timeline[str | None]:
    timeline: Timeline[str | None] = Timeline()
    for entry in recorded:
        timeline.record(entry.valid_from, entry.value, entry.seq)
    return timeline


def reference_value_on(recorded: list[Entry[str | None]], day: date) -> str | None:
    holding = [e for e in recorded if e.valid_from <= day]
    if not holding:
        return DEFAULT
    return max(holding, key=lambda e: (e.valid_from, e.seq)).value


def days_around_the_span() -> list[date]:
    return [EPOCH + timedelta(days=i) for i in range(-2, SPAN + 3)]


@given(entries())
def test_value_on_any_day_matches_the_reference(recorded: list[Entry[str | None]]) -> None:
    timeline = timeline_of(recorded)

    for day in days_around_the_span():
        assert timeline.value_on(day, DEFAULT) == reference_value_on(recorded, day)


@given(st.data(), entries())
def test_recording_order_does_not_matter_only_seq_does(data: st.DataObject, recorded: list[Entry[str | None]]) -> None:
    shuffled = data.draw(st.permutations(recorded))

    assert timeline_of(shuffled).intervals() == timeline_of(recorded).intervals()


@given(entries())
def test_timeline_is_empty_exactly_when_nothing_was_recorded(recorded: list[Entry[str | None]]) -> None:
    timeline = timeline_of(recorded)

    assert bool(timeline) == bool(recorded)
    assert (timeline.intervals() == []) == (not recorded)


@given(entries())
def test_intervals_are_contiguous_half_open_and_only_the_last_is_open(recorded: list[Entry[str | None]]) -> None:
    intervals = timeline_of(recorded).intervals()
    if not intervals:
        return

    assert intervals[0].valid_from == min(e.valid_from for e in recorded)
    assert intervals[-1].valid_to is None
    for earlier, later in pairwise(intervals):
        assert earlier.valid_to is not None
        assert earlier.valid_from < earlier.valid_to
        assert earlier.valid_to == later.valid_from


@given(entries())
def test_adjacent_intervals_have_different_values(recorded: list[Entry[str | None]]) -> None:
    intervals = timeline_of(recorded).intervals()

    for earlier, later in pairwise(intervals):
        assert earlier.value != later.value


@given(entries())
def test_intervals_agree_with_value_on_at_their_bounds(recorded: list[Entry[str | None]]) -> None:
    timeline = timeline_of(recorded)

    for interval in timeline.intervals():
        assert timeline.value_on(interval.valid_from, DEFAULT) == interval.value
        if interval.valid_to is not None:
            assert timeline.value_on(interval.valid_to - ONE_DAY, DEFAULT) == interval.value
            assert timeline.value_on(interval.valid_to, DEFAULT) != interval.value


@given(entries())
def test_every_day_from_the_first_entry_lies_in_exactly_one_interval_with_its_value(
    recorded: list[Entry[str | None]],
) -> None:
    timeline = timeline_of(recorded)
    intervals = timeline.intervals()

    for day in days_around_the_span():
        holding = [i for i in intervals if i.valid_from <= day and (i.valid_to is None or day < i.valid_to)]
        if intervals and day >= intervals[0].valid_from:
            assert [i.value for i in holding] == [reference_value_on(recorded, day)]
        else:
            assert holding == []
            assert timeline.value_on(day, DEFAULT) == DEFAULT


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    months=st.integers(min_value=-1200, max_value=1200),
)
def test_months_after_is_the_same_day_that_many_calendar_months_on_or_that_months_last_day(
    day: date, months: int
) -> None:
    moved = months_after(day, months)
    assert moved.year * 12 + moved.month == day.year * 12 + day.month + months
    assert moved.day == min(day.day, calendar.monthrange(moved.year, moved.month)[1])
