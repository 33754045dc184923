"""The benchmark harness runs every scenario and prints its line (the figures themselves are never tested)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bench.cli import SCENARIOS

REPOSITORY = Path(__file__).resolve().parents[2]
VERDICTS = {"PASS", "WARN", "-"}
BACKENDS = {"postgresql", "sqlite", "memory"}


@pytest.mark.slow
def test_every_scenario_runs_and_reports_a_line_in_the_documented_shape(tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--json", str(report)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    document = json.loads(report.read_text())
    assert document["errors"] == {}
    rows = document["rows"]
    # A scenario whose requests fail would measure its error path, not the product.
    assert not [row for row in rows if "requests failed" in row["note"]], [row["note"] for row in rows]
    assert {row["scenario"].split()[0] for row in rows} >= set(SCENARIOS)
    for row in rows:
        assert row["backend"] in BACKENDS, row
        assert row["n"] > 0, row
        assert row["rate"] > 0, row
        assert row["rate_min"] <= row["rate"] <= row["rate_max"], row
        assert row["verdict"] in VERDICTS, row
        assert row["baseline"], row
        assert row["ratio"] is None or row["ratio"] > 0, row
        # Every row is printed: its scenario and backend begin a line of the report.
        assert any(line.startswith(f"{row['scenario']:<17} {row['backend']}") for line in result.stdout.splitlines())
    environment = result.stdout.split("scenario ", 1)[0]
    for heading in ("cpu:", "postgresql:", "sqlite:", "python:", "mode:"):
        assert heading in environment
