"""Free places, how many too many, and utilisation, from a headcount and the permitted maximum (issue 18)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.capacity import capacity

EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True)
HEADCOUNTS = st.integers(min_value=0, max_value=20_000)
MAXIMUMS = st.integers(min_value=0, max_value=10_000)


@EXAMPLES
@given(headcount=HEADCOUNTS, maximum=MAXIMUMS)
def test_free_places_are_never_negative_and_over_by_says_how_many_too_many(headcount: int, maximum: int) -> None:
    found = capacity(headcount, maximum)

    assert found.free_places is not None and found.over_by is not None
    assert found.free_places >= 0 and found.over_by >= 0
    # At most one of them is positive, and together they say where the headcount stands.
    assert found.free_places * found.over_by == 0
    assert headcount == maximum - found.free_places + found.over_by
    assert found.over_capacity is (headcount > maximum)
    assert found.over_capacity is (found.over_by > 0)


@EXAMPLES
@given(headcount=HEADCOUNTS, maximum=st.integers(min_value=1, max_value=10_000))
def test_utilisation_is_the_headcount_over_the_maximum(headcount: int, maximum: int) -> None:
    found = capacity(headcount, maximum)

    assert found.utilisation is not None
    # A ratio (0.75: three quarters full), to four decimals.
    assert abs(Fraction(str(found.utilisation)) - Fraction(headcount, maximum)) <= Fraction(1, 20_000)


@EXAMPLES
@given(headcount=HEADCOUNTS)
def test_with_the_limit_unknown_nothing_derived_from_it_is_known(headcount: int) -> None:
    found = capacity(headcount, None)

    assert (found.free_places, found.over_by, found.utilisation, found.over_capacity) == (None, None, None, None)


def test_a_maximum_of_nobody_has_no_utilisation_but_is_over_by_everyone() -> None:
    found = capacity(3, 0)

    assert (found.free_places, found.over_by, found.utilisation, found.over_capacity) == (0, 3, None, True)
