"""The retention subcommands of `ledger`: `retention run`, `retention due`, and `scheduler`.

`retention run` first brings the worker register up to date (the due dates are
read from it), then runs the job once (`jobs.retention`); `scheduler` runs the
nightly job (`jobs.scheduler`) until stopped, and logs when it will run as it
starts. The job's own lock keeps one instance running across processes,
whichever command started it. A run reports what it did once: the command
tells the person (and the log outside development), the nightly job logs it.
"""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import date

import structlog

from cli.console import Subcommands, progress_bar, tell
from jobs.hold_reviews import HoldDueForReview, holds_due_for_review
from jobs.retention import (
    DueSubject,
    RetentionJobBusyError,
    RetentionReport,
    due_subjects,
    report_facts,
    run_retention,
    update_register,
)
from ledger.application.retention import load_policies
from ledger.settings import Settings
from ledger.system import open_ledger

log = structlog.get_logger()


def add_retention(subparsers: Subcommands) -> None:
    """Add `retention {run,due}` to the `ledger` command."""
    retention = subparsers.add_parser("retention", help="retention of personal data: shred what is due")
    sub = retention.add_subparsers(dest="retention_command", required=True)
    run = sub.add_parser("run", help="shred every subject whose retention has ended (unless under a legal hold)")
    run.add_argument("--dry-run", action="store_true", help="only say what would be shredded and why")
    run.add_argument("--on", type=_date, default=None, metavar="DATE", help="as if today were DATE (YYYY-MM-DD)")
    run.set_defaults(func=cmd_retention_run)
    due = sub.add_parser("due", help="list the subjects due on or before a date")
    due.add_argument("--on", type=_date, default=None, metavar="DATE", help="the day to look at (YYYY-MM-DD)")
    due.set_defaults(func=cmd_retention_due)


def add_scheduler(subparsers: Subcommands) -> None:
    """Add `scheduler` to the `ledger` command."""
    scheduler = subparsers.add_parser("scheduler", help="run the retention job every night until stopped")
    scheduler.add_argument(
        "--at", type=_clock_time, default=None, metavar="HH:MM", help="local time of the nightly run (default: setting)"
    )
    scheduler.set_defaults(func=cmd_scheduler)


def cmd_retention_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the retention job once."""
    with open_ledger(settings) as ledger:
        update_register(ledger)
        on = args.on or ledger.today()
        try:
            with progress_bar("retention run", unit="subject") as progress:
                report = run_retention(
                    ledger,
                    ledger.database.engine,
                    load_policies(settings.retention_file),
                    on=on,
                    dry_run=args.dry_run,
                    progress=progress,
                )
        except RetentionJobBusyError as e:
            print(f"ledger: {e}", file=sys.stderr)
            return 1
        reviews = holds_due_for_review(ledger, on=on)
        text = render_report(report) + ("\n" + render_reviews(reviews) if reviews else "")
        tell(settings, text, "retention_run", **report_facts(report), holds_due_for_review=len(reviews))
        return 1 if report.failed else 0


def cmd_retention_due(settings: Settings, args: argparse.Namespace) -> int:
    """List the due subjects."""
    with open_ledger(settings) as ledger:
        update_register(ledger)
        on = args.on or ledger.today()
        for subject in due_subjects(ledger, ledger.database.engine, load_policies(settings.retention_file), on=on):
            print(_line(subject))
        if reviews := render_reviews(holds_due_for_review(ledger, on=on)):
            print(reviews)
        return 0


def cmd_scheduler(settings: Settings, args: argparse.Namespace) -> int:
    """Run the retention job nightly (APScheduler) until SIGINT or SIGTERM."""
    # The signals wait, blocked, for `sigwait` below: a signal that comes early (before the
    # scheduler runs) or late stops it all the same, and no handler runs amid the scheduler's work.
    # Blocked before the scheduler starts its threads, which inherit the mask.
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    # APScheduler loads in a tenth of a second; only the scheduler command needs it.
    from jobs.scheduler import RETENTION_JOB, nightly_scheduler  # noqa: PLC0415

    scheduler = nightly_scheduler(settings, args.at)
    scheduler.start()
    # When the next run is, so an operator sees the time (and zone) the job will run at.
    log.info(
        "scheduler_started",
        retention_at=args.at or settings.retention_run_at,
        timezone=settings.timezone,
        next_run_at=scheduler.get_job(RETENTION_JOB).next_run_time.isoformat(),
    )
    signal.sigwait(stop_signals)
    scheduler.shutdown(wait=False)
    return 0


def render_report(report: RetentionReport) -> str:
    """The human summary of a run: what was (or would be) shredded and why, and what a hold kept."""
    verb = "would shred" if report.dry_run else "shredded"
    counts = f"{verb} {len(report.shredded)}, held {len(report.held)}, failed {len(report.failed)}"
    if not report.dry_run:
        counts += f"; processing-log lines past retention deleted: {report.log_lines_deleted}"
    lines = [f"retention on {report.on}: {counts}"]
    lines += [f"  {verb}: {_line(s)}" for s in report.shredded]
    lines += [f"  held:  {_line(s)}" for s in report.held]
    lines += [f"  FAILED: {_line(s)}" for s in report.failed]
    return "\n".join(lines)


def render_reviews(holds: list[HoldDueForReview]) -> str:
    """The legal holds due for review, a line each ("" when there are none)."""
    if not holds:
        return ""
    lines = [f"holds due for review: {len(holds)}"]
    lines += [
        f"  review: {h.subject_type} {h.subject_id} legal hold {h.case_reference}, placed {h.placed_on},"
        f" review on {h.review_on}"
        for h in holds
    ]
    return "\n".join(lines)


def _line(subject: DueSubject) -> str:
    holds = f" — legal hold {', '.join(subject.legal_holds)}" if subject.legal_holds else ""
    clock = f" ({subject.clock})" if subject.clock else ""
    return f"{subject.subject_type} {subject.subject_id} policy {subject.policy}, due {subject.due_on}{clock}{holds}"


def _date(text: str) -> date:
    """An argparse type: a calendar date, YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"a date as YYYY-MM-DD, not {text!r}"
        raise argparse.ArgumentTypeError(msg) from None


def _clock_time(text: str) -> str:
    """An argparse type: a time of day, HH:MM (24 hours)."""
    hour, _, minute = text.partition(":")
    if not (len(hour) == len(minute) == 2 and hour.isdigit() and minute.isdigit()):
        hour, minute = "99", "99"
    if int(hour) > 23 or int(minute) > 59:
        msg = f"a time of day as HH:MM, 00:00 to 23:59, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return text
