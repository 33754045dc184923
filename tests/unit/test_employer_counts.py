"""The days the register calls a worker active, as spans (`projections.employer_counts.active_spans`).

The register's rule (`projections.register`): shredded is never active;
departed on or before D and not housed on D is not; a contract ended on or
before D is not; otherwise active. Checked against that rule day by day.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from projections.employer_counts import Span, StatusFacts, active_spans
from projections.residence import BEGINNING

START = date(2026, 1, 1)
DAYS = st.integers(0, 60).map(lambda n: START + timedelta(days=n))


def _active(facts: StatusFacts, housed: list[Span], day: date) -> bool:
    if facts.shredded:
        return False
    at_home = any(start <= day and (end is None or day < end) for start, end in housed)
    if facts.departed_on is not None and facts.departed_on <= day and not at_home:
        return False
    return facts.contract_end is None or facts.contract_end > day


@st.composite
def _housing(draw: st.DrawFn) -> list[Span]:
    """Disjoint housing intervals, as the register folds them; the last may stay open."""
    cuts = sorted(set(draw(st.lists(DAYS, max_size=6))))
    spans: list[Span] = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
    if len(cuts) % 2 and draw(st.booleans()):
        spans.append((cuts[-1], None))
    return spans


@given(
    shredded=st.booleans(),
    contract_end=st.one_of(st.none(), DAYS),
    departed_on=st.one_of(st.none(), DAYS),
    housed=_housing(),
    day=st.one_of(DAYS, st.just(BEGINNING), st.just(date.max)),
)
def test_a_worker_is_active_on_exactly_the_days_of_its_spans(
    shredded: bool, contract_end: date | None, departed_on: date | None, housed: list[Span], day: date
) -> None:
    facts = StatusFacts("e" * 32, shredded, contract_end, departed_on)
    spans = active_spans(facts, housed)
    assert any(start <= day and (end is None or day < end) for start, end in spans) == _active(facts, housed, day)
    assert all(end is None or start < end for start, end in spans)  # no empty span: no +1 and -1 on one day


def test_a_departed_worker_housed_again_is_active_again_until_the_contract_ends() -> None:
    facts = StatusFacts("e" * 32, False, date(2026, 3, 1), date(2026, 1, 10))
    housed: list[Span] = [(date(2025, 12, 1), date(2026, 1, 10)), (date(2026, 2, 1), None)]
    assert active_spans(facts, housed) == [(BEGINNING, date(2026, 1, 10)), (date(2026, 2, 1), date(2026, 3, 1))]
