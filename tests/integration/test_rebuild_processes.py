"""`ledger projections rebuild` killed with SIGKILL takes its worker processes with it.

The rebuild runs views side by side in processes of its own (a fork server and
its pool workers). A killed command cleans nothing up, so unless the children
notice by themselves they run on as orphans, still writing into the views
and holding their locks. The processes are found in /proc: every descendant of
the command, by parent id.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from demo import run_demo
from ledger.application.service import Ledger
from tests.integration.ledger_process import ledger_command, ledger_env

pytestmark = pytest.mark.slow

WORKERS = 250  # about 550 events per view: the rebuild is still at work when it is killed
BOUND_S = 60.0  # waits are bounded, so a broken rebuild fails the test instead of hanging it
GONE_WITHIN_S = 10.0


def _parent_of(pid: int) -> int | None:
    """The parent id of a live process (None if it is gone or a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name is in parentheses and may hold spaces: the fields after the last ')' are fixed.
    state, parent = stat[stat.rindex(")") + 2 :].split()[:2]
    return None if state in {"Z", "X"} else int(parent)


def descendants(root: int) -> set[int]:
    """Every live process below `root`."""
    parents = {int(entry): _parent_of(int(entry)) for entry in os.listdir("/proc") if entry.isdigit()}
    found: set[int] = set()
    frontier = {root}
    while frontier:
        children = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found |= children
        frontier = children
    return found


def alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if _parent_of(pid) is not None}


def test_a_rebuild_killed_with_sigkill_leaves_no_worker_processes(ledger: Ledger, tmp_path: Path) -> None:
    run_demo(ledger, workers=WORKERS, seed=41)
    with (tmp_path / "rebuild.log").open("wb") as log:
        rebuild = subprocess.Popen(
            ledger_command("projections", "rebuild", "--processes", "3"),
            env=ledger_env(ledger.settings),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    children: set[int] = set()
    try:
        # The fork server and the three pool workers: wait until they all exist.
        deadline = time.monotonic() + BOUND_S
        while len(children := descendants(rebuild.pid)) < 4:
            assert rebuild.poll() is None, "the rebuild ended before its processes could be seen"
            assert time.monotonic() < deadline, f"the rebuild's processes did not appear: {children}"
            time.sleep(0.01)

        rebuild.send_signal(signal.SIGKILL)
        assert rebuild.wait(timeout=BOUND_S) == -signal.SIGKILL, "the rebuild ended before it was killed"

        deadline = time.monotonic() + GONE_WITHIN_S
        while alive(children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(children), f"orphaned rebuild processes: {sorted(alive(children))}"
    finally:
        if rebuild.poll() is None:
            rebuild.kill()
            rebuild.wait(timeout=BOUND_S)
        for pid in alive(children):  # what the test found orphaned must not outlive it
            os.kill(pid, signal.SIGKILL)
