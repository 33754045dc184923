"""One line per scenario: the figure, its baseline from the same run, the ratio, the goal and PASS/WARN.

A missed goal is a WARN, never a failure: the harness reports, people judge.
`--json` writes the same rows (plus the pair ratios and baseline latencies) and
the environment block.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.stats import Comparison, median, pair_ratios, percentile


@dataclass(frozen=True)
class Goal:
    """What a row must reach: a human text and the check of it."""

    text: str
    check: Callable[[Row], bool] | None = None


NO_GOAL = Goal("-")


def ratio_at_least(low: float, *, also: str = "") -> Goal:
    return Goal(f"ratio ≥ {low:.2f}x{also}", lambda r: r.ratio >= low)


def rate_at_least(low: float, unit: str) -> Goal:
    return Goal(f"≥ {low:,.0f} {unit}", lambda r: r.rate >= low)


def both(first: Goal, second: Goal) -> Goal:
    def check(row: Row) -> bool:
        return all(g.check(row) for g in (first, second) if g.check is not None)

    return Goal(f"{first.text} and {second.text}", check)


@dataclass
class Row:
    """One printed line."""

    scenario: str
    backend: str
    n: int
    unit: str
    rate: float
    rate_min: float
    rate_max: float
    baseline: str
    baseline_rate: float
    ratio: float
    p50: float | None = None  # seconds
    p99: float | None = None
    latency_unit: str = "ms"
    goal: str = "-"
    verdict: str = "-"  # PASS, WARN or - (no goal)
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def judge(self, goal: Goal) -> Row:
        """Set the goal text and the verdict (PASS/WARN) from `goal`."""
        self.goal = goal.text
        if goal.check is not None:
            self.verdict = "PASS" if goal.check(self) else "WARN"
        return self


def row_of(
    comparison: Comparison,
    *,
    scenario: str,
    backend: str,
    n: int,
    unit: str,
    baseline: str,
    goal: Goal = NO_GOAL,
    note: str = "",
    latency_unit: str = "ms",
) -> Row:
    """The line of a comparison: medians, spread, median pair ratio, pooled latencies."""
    rates = comparison.rates
    latencies = comparison.latencies()
    base_latencies = comparison.latencies(of_baseline=True)
    row = Row(
        scenario=scenario,
        backend=backend,
        n=n,
        unit=unit,
        rate=median(rates),
        rate_min=min(rates, default=math.nan),
        rate_max=max(rates, default=math.nan),
        baseline=baseline,
        baseline_rate=median(comparison.baseline_rates),
        ratio=comparison.ratio,
        p50=percentile(latencies, 50) if latencies else None,
        p99=percentile(latencies, 99) if latencies else None,
        latency_unit=latency_unit,
        note=note,
        details={
            "pairs": len(rates),
            "p95": percentile(latencies, 95) if latencies else None,
            "rates": rates,
            "baseline_rates": comparison.baseline_rates,
            "pair_ratios": pair_ratios(rates, comparison.baseline_rates),
            "baseline_p50": percentile(base_latencies, 50) if base_latencies else None,
            "baseline_p99": percentile(base_latencies, 99) if base_latencies else None,
        },
    )
    return row.judge(goal)


def _num(value: float) -> str:
    if value is None or math.isnan(value):
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _ratio(value: float) -> str:
    return "-" if math.isnan(value) else f"{_num(value)}x"


def _latency(value: float | None, unit: str) -> str:
    if value is None or math.isnan(value):
        return "-"
    scaled = value * (1e6 if unit == "µs" else 1e3)
    return f"{_num(scaled)}{unit}"


HEADER = (
    f"{'scenario':<17} {'backend':<10} {'N':>7}  {'median rate':>20}  {'min..max':>17}  "
    f"{'baseline':>9}  {'ratio':>6}  {'p50':>8} {'p99':>8}  {'goal':<34} verdict"
)


def render(row: Row) -> str:
    """The row as one line (a note, if any, on the next line, indented)."""
    line = (
        f"{row.scenario:<17} {row.backend:<10} {row.n:>7}  {_num(row.rate) + ' ' + row.unit:>20}  "
        f"{_num(row.rate_min) + '..' + _num(row.rate_max):>17}  {_num(row.baseline_rate):>9}  "
        f"{_ratio(row.ratio):>6}  {_latency(row.p50, row.latency_unit):>8} {_latency(row.p99, row.latency_unit):>8}  "
        f"{row.goal:<34} {row.verdict}"
    )
    details = f"vs {row.baseline}" + (f"; {row.note}" if row.note else "")
    return f"{line}\n{'':<19}{details}"


def write_json(
    path: Path,
    rows: Sequence[Row],
    environment: dict[str, Any],
    *,
    quick: bool,
    seconds: float,
    errors: dict[str, str],
) -> None:
    """The rows and the environment as one JSON document."""
    document = {
        "quick": quick,
        "elapsed_s": round(seconds, 1),
        "environment": environment,
        "rows": [_clean(asdict(row)) for row in rows],
        "errors": errors,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _clean(value: Any) -> Any:
    # JSON has no NaN: a figure that could not be computed is null.
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value
