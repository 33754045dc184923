"""The inbox's tally answers the employers named and the counts by kind, of every alert or of one employer's."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from projections.alert_summary import AlertTally

EMPLOYERS = [UUID(int=n) for n in range(1, 4)]
KINDS = ["no_housing", "over_capacity", "stale_registration"]

alerts = st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from([None, *EMPLOYERS])), max_size=40)


def _tally(found: list[tuple[str, UUID | None]]) -> AlertTally:
    return AlertTally(Counter(found))


@given(alerts)
def test_the_counts_by_kind_are_every_alert_of_that_kind(found: list[tuple[str, UUID | None]]) -> None:
    expected = Counter(kind for kind, _ in found)

    assert _tally(found).by_kind() == dict(sorted(expected.items()))


@given(alerts, st.sampled_from(EMPLOYERS))
def test_one_employers_counts_are_its_alerts_only(found: list[tuple[str, UUID | None]], employer: UUID) -> None:
    expected = Counter(kind for kind, named in found if named == employer)

    assert _tally(found).by_kind(employer) == dict(sorted(expected.items()))


@given(alerts)
def test_the_employers_are_those_named_by_an_alert(found: list[tuple[str, UUID | None]]) -> None:
    assert _tally(found).employers == {named for _, named in found if named is not None}


def test_a_kind_counted_nil_is_left_out() -> None:
    assert AlertTally({("no_housing", None): 0, ("over_capacity", None): 2}).by_kind() == {"over_capacity": 2}
