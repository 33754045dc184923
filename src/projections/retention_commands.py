"""The retention subcommands of `ledger`: `retention run`, `retention due`, and `scheduler`.

`retention run` first brings the worker register up to date (the due dates are
read from it), then runs the job once; `scheduler` runs it every night with
APScheduler until stopped, and logs when it will run as it starts. The job's
own lock keeps one instance running across processes, whichever command
started it. A run reports what it did once: the command tells the person (and
the log outside development), the nightly job logs it. A nightly run the
database fails is tried again with backoff for up to an hour, and a run that
fails for good is logged and waits for the next night: the scheduler never
stops for it.
"""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import date

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_delay, wait_exponential

from ledger.application.retention import load_policies
from ledger.application.service import Ledger
from ledger.audit.chain import AuditChain
from ledger.console import progress_bar, tell
from ledger.persistence.database import database_unavailable
from ledger.settings import Settings
from ledger.system import open_ledger
from projections.hold_reviews import HoldDueForReview, holds_due_for_review
from projections.register import RegisterView
from projections.registry import build_view_runners
from projections.retention import (
    DueSubject,
    RetentionJobBusyError,
    RetentionReport,
    due_subjects,
    report_facts,
    run_retention,
)
from projections.up_to_date import up_to_date

log = structlog.get_logger()

# How long `retention run` waits for a running `ledger project` to bring the register up to date.
_REGISTER_WAIT_S = 60.0

# A nightly run the database fails (unreachable, timed out) is tried again after waits doubling from the
# first up to the longest, for up to an hour: a database back within it costs the night's run nothing.
NIGHTLY_RETRY_FIRST_WAIT_S = 5.0
NIGHTLY_RETRY_MAX_WAIT_S = 300.0
NIGHTLY_RETRY_FOR_S = 3600.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `retention {run,due}` and `scheduler` to the `ledger` command."""
    retention = subparsers.add_parser("retention", help="retention of personal data: shred what is due")
    sub = retention.add_subparsers(dest="retention_command", required=True)
    run = sub.add_parser("run", help="shred every subject whose retention has ended (unless under a legal hold)")
    run.add_argument("--dry-run", action="store_true", help="only say what would be shredded and why")
    run.add_argument("--on", type=_date, default=None, metavar="DATE", help="as if today were DATE (YYYY-MM-DD)")
    run.set_defaults(func=cmd_retention_run)
    due = sub.add_parser("due", help="list the subjects due on or before a date")
    due.add_argument("--on", type=_date, default=None, metavar="DATE", help="the day to look at (YYYY-MM-DD)")
    due.set_defaults(func=cmd_retention_due)
    scheduler = subparsers.add_parser("scheduler", help="run the retention job every night until stopped")
    scheduler.add_argument(
        "--at", type=_clock_time, default=None, metavar="HH:MM", help="local time of the nightly run (default: setting)"
    )
    scheduler.set_defaults(func=cmd_scheduler)


def cmd_retention_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the retention job once."""
    with open_ledger(settings) as ledger:
        _update_register(ledger)
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
        _update_register(ledger)
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
    scheduler = BackgroundScheduler(timezone=settings.timezone)
    job = scheduler.add_job(
        nightly_retention,
        retention_trigger(settings, args.at),
        args=[settings],
        id="retention",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    scheduler.start()
    # When the next run is, so an operator sees the time (and zone) the job will run at.
    log.info(
        "scheduler_started",
        retention_at=args.at or settings.retention_run_at,
        timezone=settings.timezone,
        next_run_at=job.next_run_time.isoformat(),
    )
    signal.sigwait(stop_signals)
    scheduler.shutdown(wait=False)
    return 0


def retention_trigger(settings: Settings, at: str | None = None) -> CronTrigger:
    """Every night at `at` (HH:MM, default the setting), in the municipality's time zone."""
    hour, minute = (int(part) for part in (at or settings.retention_run_at).split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=settings.timezone)


def nightly_retention(settings: Settings) -> None:
    """The scheduled job: the night's run, tried again while the database is unavailable; it never raises.

    An exception out of a job would only be logged by APScheduler — with its
    message, which may quote data — and the night's run lost; the job logs
    the error's type itself and the scheduler waits for the next night.
    """
    attempts = 0

    def attempt() -> None:
        nonlocal attempts
        attempts += 1
        _nightly_run(settings)

    retrying = Retrying(
        retry=retry_if_exception(database_unavailable),
        wait=wait_exponential(multiplier=NIGHTLY_RETRY_FIRST_WAIT_S, max=NIGHTLY_RETRY_MAX_WAIT_S),
        stop=stop_after_delay(NIGHTLY_RETRY_FOR_S),
        before_sleep=_log_nightly_retry,
        reraise=True,
    )
    try:
        retrying(attempt)
    except Exception as error:
        log.error("nightly_retention_failed", attempts=attempts, error_type=type(error).__qualname__)


def _log_nightly_retry(retry_state: RetryCallState) -> None:
    error = retry_state.outcome.exception() if retry_state.outcome is not None else None
    log.warning(
        "nightly_retention_retrying",
        attempt=retry_state.attempt_number,
        retry_in_s=round(retry_state.next_action.sleep, 2) if retry_state.next_action else None,
        error_type=type(error).__qualname__,
    )


def _nightly_run(settings: Settings) -> None:
    """Record an audit checkpoint, update the register, then shred what is due today."""
    try:
        with open_ledger(settings) as ledger:
            # The nightly audit checkpoint goes to the log, to be kept outside the system.
            checkpoint = AuditChain(ledger.recorder, ledger.database.engine).checkpoint()
            if checkpoint is not None:
                log.info("audit_checkpoint", position=checkpoint[0], link=checkpoint[1].hex())
            _update_register(ledger)
            policies = load_policies(settings.retention_file)
            report = run_retention(ledger, ledger.database.engine, policies, on=ledger.today())
        log.info("retention_run", **report_facts(report))
    except RetentionJobBusyError:
        log.info("retention_skipped", reason="another instance is running")


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


def _update_register(ledger: Ledger) -> None:
    """The due dates are read from the register: make it reflect every event first."""
    runner = next(r for r in build_view_runners(ledger) if isinstance(r.view, RegisterView))
    with up_to_date(ledger, runner, wait_s=_REGISTER_WAIT_S):  # caught up here, or by a running `ledger project`
        pass


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
