"""The projection subcommands of `ledger`: `project`, `projections rebuild`, `projections status`.

Each command is a few lines around the runner: open the ledger, build the view
runners, run, print a short summary. Exit status 0 on success, 1 when a view
stopped or is held by another runner, 2 for an unknown view name. A rebuild
on a terminal shows its progress, read from the views' stored positions while
the processes that rebuild them write.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

import structlog
from sqlalchemy.exc import SQLAlchemyError

from cli.console import Progress, Subcommands, progress_bar, tell
from ledger.application.service import Ledger
from ledger.settings import Settings
from ledger.system import open_ledger, settle_start_up
from projections.follower import LogFollower
from projections.rebuild import rebuild_views
from projections.registry import build_view_runners
from projections.runner import PAGE_SIZE, ViewStatus

log = structlog.get_logger()

N = TypeVar("N", int, float)

# How often a rebuild's progress is read from the views' positions.
_WATCH_EVERY_S = 0.25


def add_project(subparsers: Subcommands) -> None:
    """Add `project` to the `ledger` command."""
    project = subparsers.add_parser("project", help="run the projections: catch up, then follow new events")
    project.add_argument(
        "--poll-interval", type=_positive(float), default=0.2, metavar="S", help="SQLite: seconds between looks"
    )
    project.add_argument(
        "--page-size", type=_positive(int), default=PAGE_SIZE, metavar="N", help="events per view transaction"
    )
    project.set_defaults(func=cmd_project)


def add_to(projections: Subcommands) -> None:
    """Add `rebuild` and `status` to `ledger projections`."""
    rebuild = projections.add_parser("rebuild", help="drop views' rows and position and replay the log from zero")
    rebuild.add_argument("names", nargs="*", metavar="NAME", help="the views to rebuild (default: all)")
    rebuild.add_argument(
        "--processes",
        type=_positive(int),
        default=os.cpu_count() or 1,
        metavar="N",
        help="views rebuilt side by side, each in a process of its own (default: the number of cores)",
    )
    rebuild.set_defaults(func=cmd_rebuild)
    projections.add_parser("status", help="each view's position, lag, and stop").set_defaults(func=cmd_status)


def cmd_project(settings: Settings, args: argparse.Namespace) -> int:
    """Run every view until SIGINT or SIGTERM."""
    with open_ledger(settings) as ledger:
        runners = build_view_runners(ledger)
        for view_runner in runners:
            view_runner.page_size = args.page_size
        runner = LogFollower(ledger, runners, poll_interval=args.poll_interval)
        _stop_on_signals(runner)
        settle_start_up()
        runner.run()
    return 0


def cmd_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    """Replay the named views (all when none is named) from zero, side by side."""
    with open_ledger(settings) as ledger:
        known = [r.name for r in build_view_runners(ledger)]
        unknown = [name for name in args.names if name not in known]
        if unknown:
            print(f"ledger: unknown view {', '.join(unknown)} (views: {', '.join(known)})", file=sys.stderr)
            return 2
        chosen = list(dict.fromkeys(args.names)) if args.names else known
        with progress_bar("projections rebuild") as progress, _positions_watched(ledger, chosen, progress):
            results = rebuild_views(settings, chosen, processes=args.processes, log_level=args.log_level)
    status = 0
    for rebuilt in results:
        if rebuilt.ok:
            tell(
                settings,
                f"{rebuilt.name}: rebuilt from {rebuilt.events} events, at position {rebuilt.position}",
                "view_rebuilt",
                view=rebuilt.name,
                events=rebuilt.events,
                position=rebuilt.position,
                seconds=round(rebuilt.seconds, 3),
            )
        else:
            print(f"ledger: view {rebuilt.name}: {rebuilt.problem}", file=sys.stderr)
            status = 1
    return status


@contextmanager
def _positions_watched(ledger: Ledger, names: list[str], progress: Progress) -> Iterator[None]:
    """Tell `progress` how far the views `names`, rebuilt by other processes, have come, until the block ends.

    A view counts from the moment its position is seen to differ from where it
    was (emptied, or past it: a rebuild holds the view's lock, so nothing else
    moves it), so the position it had before its rebuild is never taken for
    progress; a view that was empty counts at once.
    """
    runners = [r for r in build_view_runners(ledger) if r.name in names]
    head = ledger.recorder.max_notification_id() or 0
    total = head * len(runners)
    if total == 0:
        yield
        return
    before = {r.name: r.position() for r in runners}
    counting = {name for name, position in before.items() if position == 0}
    finished = threading.Event()

    def look() -> None:
        done = 0
        for runner in runners:
            position = runner.position()
            if position != before[runner.name]:
                counting.add(runner.name)
            done += min(position, head) if runner.name in counting else 0
        progress(done, total)

    def watch() -> None:
        while not finished.wait(_WATCH_EVERY_S):
            try:
                look()
            except SQLAlchemyError:
                continue  # only the bar misses a look; the rebuild reports its own errors

    progress(0, total)
    watcher = threading.Thread(target=watch, name="rebuild-progress", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        finished.set()
        watcher.join()


def cmd_status(settings: Settings, _args: argparse.Namespace) -> int:
    """Print each view's position, the log's head, the lag, and where it stopped."""
    with open_ledger(settings) as ledger:
        for runner in build_view_runners(ledger):
            print(render_status(runner.status()))
    return 0


def render_status(status: ViewStatus) -> str:
    """One line of `ledger projections status`."""
    line = f"{status.name}: position {status.position}, head {status.head}, lag {status.lag}"
    if status.stopped:
        line += f", stopped at {status.stopped_at} ({status.error_type})"
    return line


def _stop_on_signals(runner: LogFollower) -> None:
    # Only set the stop flag: logging from a signal handler could deadlock on the log's lock.
    def stop(_signum: int, _frame: FrameType | None) -> None:
        runner.stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def _positive(kind: Callable[[str], N]) -> Callable[[str], N]:
    """An argparse type: a number of `kind` that is greater than zero."""

    def parse(text: str) -> N:
        value = kind(text)
        if value <= 0:
            msg = f"must be greater than zero: {text}"
            raise argparse.ArgumentTypeError(msg)
        return value

    parse.__name__ = getattr(kind, "__name__", "number")  # argparse names the type in its errors
    return parse
