"""Small-cell suppression (`disclosure=public`): 1 to 4 persons hidden, a lone one paired, totals guarded."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from projections.reports.suppression import is_small, suppress
from projections.reports.table import TOTAL, ReportRow, ReportTable

PEOPLE = ("headcountAtStart", "distinctResidents")
MEASURES = (*PEOPLE, "personDays")
MAY = date(2026, 5, 1)


def row(key: str | None, at_start: int, residents: int, start: date = MAY) -> ReportRow:
    measures = {"headcountAtStart": at_start, "distinctResidents": residents, "personDays": 30 * residents}
    return ReportRow(start, start + timedelta(days=30), key, TOTAL if key is None else None, measures)


def table(*cells: tuple[str, int, int], start: date = MAY) -> ReportTable:
    rows = [row(key, at_start, residents, start) for key, at_start, residents in cells]
    total = row(None, sum(c[1] for c in cells), sum(c[2] for c in cells), start)
    return ReportTable("headcounts", MEASURES, tuple(rows), (total,), PEOPLE)


def hidden(result: ReportTable) -> list[str | None]:
    return [r.group_key for r in result.rows if r.suppressed]


def test_a_cell_of_one_to_four_is_suppressed_with_the_next_smallest_and_the_total_shown() -> None:
    result = suppress(table(("POL", 3, 3), ("ROU", 12, 14), ("BGR", 40, 41), ("LTU", 0, 0)))

    assert hidden(result) == ["POL", "ROU"]
    pol = result.rows[0]
    assert pol.measures == {"headcountAtStart": None, "distinctResidents": None, "personDays": None}
    assert result.rows[2].measures["distinctResidents"] == 41  # shown as it was
    assert result.rows[3].measures["distinctResidents"] == 0  # nobody there points at nobody
    assert not result.totals[0].suppressed


def test_either_count_of_persons_decides() -> None:
    # Nobody at the start, but four lived there during the period.
    result = suppress(table(("POL", 0, 4), ("ROU", 5, 6), ("BGR", 9, 9)))
    assert hidden(result) == ["POL", "ROU"]


def test_two_small_cells_need_no_third_and_the_total_stays() -> None:
    result = suppress(table(("POL", 2, 2), ("ROU", 1, 3), ("BGR", 50, 50)))
    assert hidden(result) == ["POL", "ROU"]
    assert not result.totals[0].suppressed


def test_a_lone_small_cell_beside_only_zeros_withholds_the_total() -> None:
    result = suppress(table(("POL", 3, 3), ("ROU", 0, 0)))
    assert hidden(result) == ["POL"]
    assert result.totals[0].suppressed
    assert result.totals[0].measures["personDays"] is None


def test_a_total_of_one_to_four_persons_is_withheld() -> None:
    result = suppress(table(("POL", 1, 1), ("ROU", 2, 2)))
    assert hidden(result) == ["POL", "ROU"]
    assert result.totals[0].suppressed


def test_each_period_on_its_own() -> None:
    may = table(("POL", 3, 3), ("ROU", 12, 12))
    june = table(("POL", 30, 30), ("ROU", 12, 12), start=date(2026, 6, 1))
    both = ReportTable("headcounts", MEASURES, may.rows + june.rows, may.totals + june.totals, PEOPLE)
    result = suppress(both)
    assert [(r.period_start.month, r.group_key) for r in result.rows if r.suppressed] == [(5, "POL"), (5, "ROU")]
    assert not any(t.suppressed for t in result.totals)


CELLS = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 12)).map(lambda c: (min(c), max(c))),
    min_size=1,
    max_size=6,
)


@given(periods=st.lists(CELLS, min_size=1, max_size=4))
def test_no_suppressed_cell_can_be_worked_back(periods: list[list[tuple[int, int]]]) -> None:
    rows, totals = [], []
    for n, cells in enumerate(periods):
        start = MAY + timedelta(days=31 * n)
        part = table(*((f"K{i}", a, r) for i, (a, r) in enumerate(cells)), start=start)
        rows += part.rows
        totals += part.totals
    original = ReportTable("headcounts", MEASURES, tuple(rows), tuple(totals), PEOPLE)

    result = suppress(original)

    for before, after in zip(original.rows, result.rows, strict=True):
        # Every small cell is hidden; what is shown is what was counted.
        if is_small(before, PEOPLE):
            assert after.suppressed
        if not after.suppressed:
            assert after.measures == before.measures
        else:
            assert set(after.measures.values()) == {None}
    for total, shown in zip(original.totals, result.totals, strict=True):
        in_period = [r for r in result.rows if r.period_start == total.period_start]
        lone = sum(r.suppressed for r in in_period) == 1
        # A total shown never gives back a suppressed cell: none alone, and it is no small count itself.
        if not shown.suppressed:
            assert not lone
            assert not is_small(total, PEOPLE)
            assert shown.measures == total.measures
