"""The statistics of the harness: pure functions over numbers, no clocks, no I/O.

A figure counts only as a ratio to a baseline measured in the same run: each
scenario times its subject and its baseline alternately (A B A B …), and the
ratio reported is the median of the pair ratios, so that a noisy neighbour
that slows one pair down moves one ratio, not the verdict.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


def median(values: Sequence[float]) -> float:
    """The median (NaN for no values)."""
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], q: int) -> float:
    """The `q`-th percentile (a whole number, 0-100), linear between closest ranks; NaN for no values.

    `statistics.quantiles` with the inclusive method interpolates between
    closest ranks; it gives the 99 cut points between 0 and 100 (and, before
    Python 3.13, none for one value), so 0, 100 and a single value are the
    extremes themselves.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not within 0..100")
    if not values:
        return math.nan
    if q in (0, 100) or len(values) == 1:
        return min(values) if q == 0 else max(values)
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def pair_ratios(measured: Sequence[float], baseline: Sequence[float]) -> list[float]:
    """measured[i] / baseline[i] for each pair (rates: above 1 means faster than the baseline)."""
    if len(measured) != len(baseline):
        raise ValueError(f"{len(measured)} measured runs but {len(baseline)} baseline runs: they must pair up")
    return [m / b if b else math.nan for m, b in zip(measured, baseline, strict=True)]


def median_pair_ratio(measured: Sequence[float], baseline: Sequence[float]) -> float:
    """The median of the pair ratios: the figure a scenario is judged by."""
    return median(pair_ratios(measured, baseline))


@dataclass
class Run:
    """One timed run: `count` operations in `seconds`, with each operation's latency if timed one by one."""

    count: int
    seconds: float
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Operations per second."""
        return self.count / self.seconds if self.seconds > 0 else math.nan


@dataclass
class Comparison:
    """The runs of a subject and of its baseline, in pairs (warm-up excluded)."""

    measured: list[Run] = field(default_factory=list)
    baseline: list[Run] = field(default_factory=list)

    def add(self, measured: Run, baseline: Run) -> None:
        self.measured.append(measured)
        self.baseline.append(baseline)

    @property
    def rates(self) -> list[float]:
        return [r.rate for r in self.measured]

    @property
    def baseline_rates(self) -> list[float]:
        return [r.rate for r in self.baseline]

    @property
    def ratio(self) -> float:
        return median_pair_ratio(self.rates, self.baseline_rates)

    def latencies(self, *, of_baseline: bool = False) -> list[float]:
        """Every operation latency of the measured (or baseline) runs, pooled."""
        runs = self.baseline if of_baseline else self.measured
        return [latency for run in runs for latency in run.latencies]
