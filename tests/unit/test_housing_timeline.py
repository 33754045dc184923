"""The housing-timeline rule has one home (`ledger.domain.timeline.housing_timeline`), used by everything.

The aggregate (`Worker.housing_timeline`), the views (`projections.housing.fold_housing`, for the residence
view and the register, and so the replay), the demo's planner and the benchmark's hand loop all fold a
worker's moves with it; a reference reading of docs/time.md checks it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.timeline import Move, housing_timeline

ROOT = Path(__file__).resolve().parents[2]
EPOCH = date(2026, 1, 1)


@st.composite
def moves(draw: st.DrawFn) -> list[Move[str]]:
    """Moves in any recording order: housing changes and departures on a short span of days, distinct seqs."""
    count = draw(st.integers(min_value=0, max_value=10))
    seqs = draw(st.lists(st.integers(1, 1000), min_size=count, max_size=count, unique=True))
    return [
        Move(
            EPOCH + timedelta(days=draw(st.integers(0, 30))),
            seq,
            draw(st.sampled_from([None, "a", "b"])),
            departure=draw(st.booleans()),
        )
        for seq in seqs
    ]


def reference(recorded: list[Move[str]], day: date) -> str | None:
    """docs/time.md read literally: the latest departure only; then the latest valid_from <= day, later seq wins."""
    departures = [m for m in recorded if m.departure]
    latest = max(departures, key=lambda m: m.seq, default=None)
    entries = [(m.valid_from, m.seq, m.housing) for m in recorded if not m.departure]
    if latest is not None:
        entries.append((latest.valid_from, latest.seq, None))
    holding = [e for e in entries if e[0] <= day]
    return max(holding, key=lambda e: (e[0], e[1]))[2] if holding else None


@given(moves())
def test_the_housing_timeline_is_the_rule_of_docs_time_md(recorded: list[Move[str]]) -> None:
    timeline = housing_timeline(recorded)
    for offset in range(-1, 33):
        day = EPOCH + timedelta(days=offset)
        assert timeline.value_on(day, None) == reference(recorded, day), day


def test_a_later_departure_corrects_an_earlier_one_and_a_return_counts_from_its_own_date() -> None:
    timeline = housing_timeline(
        [
            Move(date(2026, 1, 1), 1, "a"),
            Move(date(2026, 3, 1), 2, departure=True),
            Move(date(2026, 2, 1), 3, departure=True),  # the correction: left in February
            Move(date(2026, 4, 1), 4, "b"),  # came back
        ]
    )

    assert [(i.value, i.valid_from, i.valid_to) for i in timeline.intervals()] == [
        ("a", date(2026, 1, 1), date(2026, 2, 1)),
        (None, date(2026, 2, 1), date(2026, 4, 1)),
        ("b", date(2026, 4, 1), None),
    ]


def test_nothing_else_folds_a_departure_into_a_timeline() -> None:
    # `Timeline.with_entry` adds the departure; only the rule's home calls it.
    callers = [
        str(path.relative_to(ROOT))
        for folder in ("src", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"\.with_entry\(", path.read_text())
    ]
    assert callers == ["src/ledger/domain/timeline.py"]
