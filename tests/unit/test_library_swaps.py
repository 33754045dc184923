"""Hand-written rules swapped for the libraries that do them: the same answers on the inputs that matter.

Each property compares the project's function with a plain reading of the
rule (or with the hand-written version it replaced), for all inputs.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.nl import bsn as stdnum_bsn

from demo.plan import _bsn
from projections.replay import default_days
from tests.factories import valid_bsn

ZONES = st.sampled_from(["Europe/Amsterdam", "UTC", "Pacific/Kiritimati", "America/Adak"])


def _firsts_by_counting(day: date, before: int, after: int) -> list[date]:
    """The first of each month from `before` months before `day`'s month to `after` after, stepped one by one."""
    year, month = day.year, day.month
    for _ in range(before):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    firsts = []
    for _ in range(before + after + 1):
        firsts.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return firsts


@settings(max_examples=300, deadline=None)
@given(
    instant=st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)),
    zone=ZONES,
)
def test_the_replay_days_are_t_and_the_firsts_of_the_months_around_it(instant: datetime, zone: str) -> None:
    day = instant.astimezone(ZoneInfo(zone)).date()

    assert default_days(instant, zone) == sorted({day, *_firsts_by_counting(day, 5, 2)})


def _bsn_as_hand_written(rng: random.Random) -> str:
    """The demo's BSN before python-stdnum: eight random digits, the 11-test's check digit, drawn again at 10."""
    while True:
        digits = [rng.randint(1, 9), *(rng.randint(0, 9) for _ in range(7))]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_the_demo_draws_the_same_bsns_for_a_seed_and_each_passes_python_stdnum(seed: int) -> None:
    drawn = random.Random(seed)
    before = random.Random(seed)
    for _ in range(5):
        number = _bsn(drawn)
        assert number == _bsn_as_hand_written(before)
        assert stdnum_bsn.is_valid(number) and len(number) == 9 and number[0] != "0"


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**12))
def test_the_factories_bsn_passes_python_stdnum(seed: int) -> None:
    number = valid_bsn(seed)

    assert stdnum_bsn.is_valid(number) and len(number) == 9 and number[0] != "0"


def test_the_factories_bsns_are_distinct_for_distinct_seeds() -> None:
    # One seed in eleven or so has no check digit (the 11-test gives 10): it must not borrow its neighbour's number.
    numbers = [valid_bsn(n) for n in range(3000)]

    assert len(set(numbers)) == len(numbers)
    assert valid_bsn(12) == valid_bsn(12)
