"""The projection runner in a thread, for tests that write while it follows (`ledger serve` has its own)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from projections.follower import LogFollower

log = structlog.get_logger()


@contextmanager
def running_in_background(runner: LogFollower) -> Iterator[LogFollower]:
    """Run the follower in a thread for the block.

    On leaving, the runner is stopped and joined; if it died of an error, that
    error is raised here rather than lost in the thread.
    """
    failures: list[BaseException] = []

    def run() -> None:
        try:
            runner.run()
        except BaseException as error:
            log.exception("projection_runner_failed")
            failures.append(error)

    thread = threading.Thread(target=run, name="projection-runner", daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        runner.stop()
        thread.join(timeout=30)
    if failures:
        raise failures[0]
