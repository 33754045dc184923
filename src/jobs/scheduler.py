"""The nightly job: an audit checkpoint, the register brought up to date, then the retention run.

It runs in `ledger scheduler` and, on the embedded default, in `ledger serve`
(APScheduler, every night at `LEDGER_RETENTION_RUN_AT` in the municipality's
time zone). The job's own lock keeps one instance running across processes,
whichever started it. A run the database fails is tried again with backoff
for up to an hour, and a run that fails for good is logged and waits for the
next night: the scheduler never stops for it. The job logs what it did (the
commands tell a person instead; docs/command-line.md).
"""

from __future__ import annotations

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_delay, wait_exponential

from jobs.retention import RetentionJobBusyError, report_facts, run_retention, update_register
from ledger.application.retention import load_policies
from ledger.audit.chain import AuditChain
from ledger.persistence.database import database_unavailable
from ledger.settings import Settings
from ledger.system import open_ledger

log = structlog.get_logger()

# A nightly run the database fails (unreachable, timed out) is tried again after waits doubling from the
# first up to the longest, for up to an hour: a database back within it costs the night's run nothing.
NIGHTLY_RETRY_FIRST_WAIT_S = 5.0
NIGHTLY_RETRY_MAX_WAIT_S = 300.0
NIGHTLY_RETRY_FOR_S = 3600.0

# The id of the nightly job in its scheduler.
RETENTION_JOB = "retention"


def nightly_scheduler(settings: Settings, at: str | None = None) -> BackgroundScheduler:
    """A scheduler, not yet started, with the nightly job (`RETENTION_JOB`) at `at` or the setting."""
    scheduler = BackgroundScheduler(timezone=settings.timezone)
    scheduler.add_job(
        nightly_retention,
        retention_trigger(settings, at),
        args=[settings],
        id=RETENTION_JOB,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    return scheduler


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
            update_register(ledger)
            policies = load_policies(settings.retention_file)
            report = run_retention(ledger, ledger.database.engine, policies, on=ledger.today())
        log.info("retention_run", **report_facts(report))
    except RetentionJobBusyError:
        log.info("retention_skipped", reason="another instance is running")
