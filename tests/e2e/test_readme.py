"""The README's "Trying the API" block, run twice in a row against a real server, as a new user runs it.

The block is taken from README.md itself, so the test and the README cannot
drift apart. The server is a real `ledger serve` on a free port of 127.0.0.1,
on the embedded SQLite database, as `make run` serves it; the block's
`.venv/bin/ledger token` commands are the `ledger` of this test run, on the
server's data folder, from a folder of their own. Each run must end without
an error and print the dwelling's occupancy with the one worker: in the
second run the employer and the dwelling answer 409 with their ids, which the
block goes on with, and the worker's registration, sent with the same
`Idempotency-Key`, gets its first answer again. Before the occupancy, the
headcounts report answers as CSV the lines the README shows.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ledger.settings import Settings
from tests.e2e.test_serve import free_port
from tests.integration.ledger_process import ledger_command, ledger_env, run_ledger

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[2] / "README.md"
README_URL = "http://127.0.0.1:8000"
READY_WITHIN_S = 60.0


def trying_the_api_block() -> str:
    """The first `sh` block of the README's "Trying the API" section."""
    section = README.read_text(encoding="utf-8").split("\n## Trying the API\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"^```sh\n(.*?)^```$", section, re.S | re.M)
    assert found, "no sh block in the README's Trying the API section"
    return found.group(1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    """`ledger serve` on SQLite in `tmp_path`, ready; its URL and settings."""
    settings = Settings(data_dir=tmp_path / "var", database_url=None)
    migrated = run_ledger(settings, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ledger_command("serve", "--host", "127.0.0.1", "--port", str(port)),
            env=ledger_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_WITHIN_S
        while not _ready(url):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url, settings
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log.read_text()


def readme_csv_lines() -> list[str]:
    """The CSV the README says the report answers (its first text block after the sh block)."""
    section = README.read_text(encoding="utf-8").split("\n## Trying the API\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"^```\n(periodStart.*?)^```$", section, re.S | re.M)
    assert found, "no CSV block in the README's Trying the API section"
    return found.group(1).splitlines()


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2.0).status_code == 200
    except httpx.TransportError:
        return False


def _checkout(tmp_path: Path) -> Path:
    """A folder where `.venv/bin/ledger` is the `ledger` of this test run, as at the repository's root."""
    root = tmp_path / "checkout"
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    ledger = bin_dir / "ledger"
    ledger.write_text(f'#!/bin/sh\nexec {" ".join(ledger_command())} "$@"\n', encoding="utf-8")
    ledger.chmod(0o755)
    return root


def test_the_block_runs_twice_in_a_row(server: tuple[str, Settings], tmp_path: Path) -> None:
    url, settings = server
    block = trying_the_api_block()
    assert README_URL in block
    root = _checkout(tmp_path)

    runs = [
        subprocess.run(
            ["sh", "-eu", "-c", block.replace(README_URL, url)],
            cwd=root,
            env=ledger_env(settings),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for _ in range(2)
    ]

    occupancies = []
    for number, run in enumerate(runs, start=1):
        assert (run.returncode, run.stderr) == (0, ""), f"run {number}:\n{run.stdout}\n{run.stderr}"
        occupancies.append(json.loads(run.stdout.strip().splitlines()[-1]))
        # The headcounts report as CSV, before the occupancy: the lines the README shows.
        assert run.stdout.startswith("\ufeffperiodStart,periodEnd,groupKey,groupLabel,")
        expected = readme_csv_lines()
        assert run.stdout.removeprefix("\ufeff").splitlines()[: len(expected)] == expected
    for occupancy in occupancies:
        # What the README says the last command answers.
        assert (occupancy["headcount"], occupancy["maxOccupants"], occupancy["limitBasis"]) == (1, 4, "municipality")
        assert (occupancy["proposedMaxOccupants"], occupancy["overCapacity"]) == (None, False)
        assert [o["familyName"] for o in occupancy["occupants"]] == ["Kowalska"]
        # The dwelling the block found by its address (postcode typed `1671ab`).
        assert occupancy["housingLocationLabel"] == "Dorpsstraat 12, 1671 AB Medemblik"
    first, second = occupancies
    assert second["housingLocationId"] == first["housingLocationId"]
    assert second["occupants"][0]["workerId"] == first["occupants"][0]["workerId"]
