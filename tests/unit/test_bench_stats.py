"""The benchmark harness's statistics: pure functions, checked on numbers (no timing here)."""

from __future__ import annotations

import math

import pytest
from bench.stats import Comparison, Run, median, median_pair_ratio, pair_ratios, percentile
from hypothesis import given, settings
from hypothesis import strategies as st


def test_median_of_an_odd_and_an_even_count():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_median_of_nothing_is_not_a_number():
    assert math.isnan(median([]))


def test_percentiles_interpolate_between_closest_ranks():
    values = [float(v) for v in range(1, 101)]  # 1 .. 100
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)


def test_percentile_ignores_input_order_and_handles_one_value():
    assert percentile([5.0, 1.0, 3.0], 50) == 3.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))


def test_percentile_outside_zero_to_hundred_is_refused():
    with pytest.raises(ValueError, match="percentile"):
        percentile([1.0], 101)


def test_pair_ratios_divide_each_run_by_its_own_baseline():
    assert pair_ratios([10.0, 20.0, 30.0], [20.0, 20.0, 60.0]) == [0.5, 1.0, 0.5]


def test_pair_ratios_need_runs_that_pair_up():
    with pytest.raises(ValueError, match="pair up"):
        pair_ratios([1.0, 2.0], [1.0])


def test_median_of_pair_ratios_is_not_the_ratio_of_medians():
    # A noisy neighbour slowed the second pair's baseline: one ratio moves, the median does not.
    measured = [50.0, 60.0, 40.0, 55.0, 45.0]
    baseline = [100.0, 30.0, 80.0, 110.0, 90.0]
    assert median_pair_ratio(measured, baseline) == 0.5
    assert median(measured) / median(baseline) == pytest.approx(50 / 90)


def test_a_run_rate_is_operations_per_second():
    assert Run(count=200, seconds=4.0).rate == 50.0
    assert math.isnan(Run(count=5, seconds=0.0).rate)


def test_a_comparison_pools_latencies_and_judges_by_the_median_pair_ratio():
    comparison = Comparison()
    comparison.add(Run(10, 1.0, [0.1] * 10), Run(20, 1.0, [0.05] * 20))
    comparison.add(Run(30, 1.0, [0.03] * 30), Run(30, 1.0))
    comparison.add(Run(10, 2.0, [0.2] * 10), Run(10, 1.0))
    assert comparison.rates == [10.0, 30.0, 5.0]
    assert comparison.ratio == 0.5  # median of 0.5, 1.0, 0.5
    assert len(comparison.latencies()) == 50
    assert len(comparison.latencies(of_baseline=True)) == 20


def _percentile_as_hand_written(values: list[float], q: float) -> float:
    """The harness's percentile before `statistics.quantiles`: linear between closest ranks."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=60),
    q=st.integers(min_value=0, max_value=100),
)
def test_percentile_is_the_inclusive_quantile_of_the_statistics_module(values: list[float], q: int) -> None:
    assert percentile(values, q) == pytest.approx(_percentile_as_hand_written(values, q), rel=1e-9, abs=1e-9)
