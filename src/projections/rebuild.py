"""Rebuilding views from zero, side by side: each view in a process of its own.

A rebuild is Python work (decode, fold, write) on one core, and views share
no rows, so several views rebuilt in processes of their own finish in about
the time of the slowest instead of the sum. Each process opens the ledger
itself, takes the view's lock (a runner following the view would write into it
while it is emptied) and replays the log into it; the results come back in
the order the views were asked for.

Processes come from a fork server: forked from a clean process that has
imported the projections, never from the caller, whose open connections a
forked child must not share.

The processes end with the command, however it ends — `kill -9` included,
which runs no clean-up. Each watches the command's process (a pidfd on Linux,
which becomes readable when the process ends; elsewhere its pid, polled) and
exits the moment it is gone; its transaction is rolled back by the database,
and the view is left at a page boundary, as after any crash. The fork server
and multiprocessing's resource tracker then follow by themselves: each waits
only until no process holds its pipe any more. (`PR_SET_PDEATHSIG` would not
do: a pool process's parent is the fork server, which lives on while its
children do.)
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat

from ledger.logs import configure_logging
from ledger.persistence.exclusive import holding
from ledger.settings import Settings
from ledger.system import open_ledger, settle_start_up
from projections.coordination import view_lock
from projections.registry import build_view_runners
from projections.runner import ViewStoppedError


@dataclass(frozen=True)
class Rebuilt:
    """What rebuilding one view did."""

    name: str
    events: int
    position: int
    seconds: float
    problem: str | None = None  # why the view was not (or not wholly) rebuilt

    @property
    def ok(self) -> bool:
        """Whether the view was rebuilt to the end of the log."""
        return self.problem is None


def rebuild_view(settings: Settings, name: str) -> Rebuilt:
    """Empty the view `name` and replay the whole log into it, under the view's lock."""
    started = time.perf_counter()
    with open_ledger(settings) as ledger:
        runner = next(r for r in build_view_runners(ledger) if r.name == name)
        with holding(view_lock(settings, name)) as held:
            if not held:
                return Rebuilt(name, 0, runner.position(), 0.0, "being run by another process; stop it first")
            try:
                events = runner.rebuild()
            except ViewStoppedError as stopped:
                return Rebuilt(name, 0, stopped.position, time.perf_counter() - started, str(stopped))
        return Rebuilt(name, events, runner.position(), time.perf_counter() - started)


def rebuild_views(
    settings: Settings, names: Sequence[str], *, processes: int, log_level: str = "INFO"
) -> list[Rebuilt]:
    """Rebuild the views `names`, up to `processes` at a time; one result per view, in order.

    With one process (or one view) the views are rebuilt here, one after
    another. Child processes log at `log_level`, as the caller does.
    """
    if processes <= 1 or len(names) <= 1:
        return [rebuild_view(settings, name) for name in names]
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["projections.rebuild"])
    with ProcessPoolExecutor(
        max_workers=min(processes, len(names)),
        mp_context=context,
        initializer=_start_child,
        initargs=(log_level, os.getpid()),
    ) as pool:
        return list(pool.map(rebuild_view, repeat(settings), names))


# Where the command's process cannot be watched by a pidfd, it is looked for this often.
_COMMAND_POLL_S = 0.5


def _start_child(log_level: str, command_pid: int) -> None:
    _end_with(command_pid)
    # A rebuild's process lives for one view: what it imported never needs collecting.
    configure_logging(log_level)
    settle_start_up()


def _end_with(command_pid: int) -> None:
    """End this process as soon as the process `command_pid` has ended (it may have already)."""
    try:
        pidfd = os.pidfd_open(command_pid)
    except ProcessLookupError:
        os._exit(1)  # the command was gone before this process started its work
    except (AttributeError, OSError):
        pidfd = None  # not Linux, or a kernel before 5.3

    def watch() -> None:
        if pidfd is not None:
            select.select([pidfd], [], [])  # readable once the process has ended
        else:
            while _alive(command_pid):
                time.sleep(_COMMAND_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="rebuild-command-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    with contextlib.suppress(PermissionError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
    return True
