"""Crash: a runner killed in the middle of a large catch-up loses nothing and counts nothing twice.

`ledger project` runs as a separate process with small pages, so that it is
still catching up when it is killed with SIGKILL (no clean-up of any kind);
a runner started afterwards resumes from the stored positions, and every view
must then hold exactly what a clean rebuild from zero gives.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from demo import run_demo
from ledger.application.service import Ledger
from projections.coordination import view_lock
from projections.registry import build_view_runners
from projections.runner import ViewRunner
from tests.integration.ledger_process import ledger_command, ledger_env
from tests.integration.view_contents import view_rows

WORKERS = 800  # about 1,700 events; the time grows with the number of views
PAGE_SIZE = 10  # many small transactions: the kill lands between or inside them
BOUND_S = 60.0  # waits are bounded, so a broken runner fails the test instead of hanging it


def progress(runners: list[ViewRunner]) -> int:
    """Events processed, summed over the views."""
    return sum(r.position() for r in runners)


def wait_for_progress(runners: list[ViewRunner], at_least: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + BOUND_S
    while progress(runners) < at_least:
        assert process.poll() is None, "the runner exited before it was killed"
        assert time.monotonic() < deadline, "the runner made no progress"
        time.sleep(0.01)


def lock_freed(ledger: Ledger, view_name: str) -> bool:
    """Whether the view's lock can be taken within the bound (a killed session ends asynchronously)."""
    lock = view_lock(ledger.settings, view_name)
    deadline = time.monotonic() + BOUND_S
    try:
        while not lock.acquire():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True
    finally:
        lock.release()


def lock_free_now(ledger: Ledger, view_name: str) -> bool:
    lock = view_lock(ledger.settings, view_name)
    try:
        return lock.acquire()
    finally:
        lock.release()


@pytest.mark.slow
def test_a_runner_killed_mid_catch_up_resumes_to_the_views_of_a_clean_rebuild(ledger: Ledger, tmp_path: Path) -> None:
    run_demo(ledger, workers=WORKERS, seed=31)
    head = ledger.recorder.max_notification_id() or 0
    runners = build_view_runners(ledger)
    all_work = head * len(runners)

    with (tmp_path / "project.log").open("wb") as log:
        process = subprocess.Popen(
            ledger_command("project", "--page-size", str(PAGE_SIZE), "--poll-interval", "0.05"),
            env=ledger_env(ledger.settings),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            wait_for_progress(runners, all_work * 2 // 5, process)
            started = [r.name for r in runners if r.position() > 0]
            held_by_it = [name for name in started if not lock_free_now(ledger, name)]
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=BOUND_S)
        finally:
            process.kill()
            process.wait(timeout=BOUND_S)
    at_kill = progress(runners)

    assert process.returncode == -signal.SIGKILL
    assert 0 < at_kill < all_work, "the kill did not land in the middle of the catch-up"
    assert held_by_it == started
    assert all(lock_freed(ledger, r.name) for r in runners)

    for runner in runners:
        runner.catch_up()
    resumed = {r.name: view_rows(r.view) for r in runners}
    assert {r.name: r.position() for r in runners} == {r.name: head for r in runners}

    for runner in runners:
        runner.rebuild()
    assert {r.name: view_rows(r.view) for r in runners} == resumed
