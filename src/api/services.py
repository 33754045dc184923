"""What the API runs on, opened once for the app's lifespan: the composition root of the HTTP side.

The ledger (writes, and the answers kept for `Idempotency-Key`s), the views
(reads), the token verifier and the processing log; on the embedded default also the projection runner
in a background thread, so that one `ledger serve` is a working system.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from api.auth import TokenVerifier, token_verifier
from api.readiness import ReadinessProbe
from jobs.retention import worker_due_dates
from jobs.scheduler import nightly_scheduler
from ledger.application.retention import RetentionPolicies, load_policies
from ledger.application.service import Ledger
from ledger.audit.processing_log import ProcessingLog
from ledger.errors import RuleViolated
from ledger.settings import Settings
from ledger.system import open_ledger
from projections.alert_view import AlertsView
from projections.follower import LogFollower
from projections.register import RegisterView
from projections.registry import build_view_runners
from projections.residence import ResidenceView
from projections.runner import ViewRunner, ViewStoppedError

log = structlog.get_logger()


class ProjectionLagError(Exception):
    """The views have not reached the asked position within the wait (503)."""

    def __init__(self, position: int, retry_after_s: int) -> None:
        self.position = position
        self.retry_after_s = retry_after_s
        super().__init__(f"the read models have not yet reached position {position}")


@dataclass
class Services:
    """Everything a request handler may use."""

    settings: Settings
    ledger: Ledger
    runners: list[ViewRunner]
    verifier: TokenVerifier
    processing_log: ProcessingLog
    readiness: ReadinessProbe
    retention_policies: RetentionPolicies = field(default_factory=load_policies)
    # On the embedded default: the projection runner of this process, and the scheduler of the nightly job.
    background: LogFollower | None = None
    scheduler: BackgroundScheduler | None = None

    def view(self, kind: type[Any]) -> Any:
        """The view of the given class."""
        return next(r.view for r in self.runners if isinstance(r.view, kind))

    @property
    def register(self) -> RegisterView:
        """The worker register."""
        view: RegisterView = self.view(RegisterView)
        return view

    @property
    def residence(self) -> ResidenceView:
        """The residence history view."""
        view: ResidenceView = self.view(ResidenceView)
        return view

    @property
    def alerts(self) -> AlertsView:
        """The alerts view."""
        view: AlertsView = self.view(AlertsView)
        return view

    def retention_due(self, worker_ids: Iterable[UUID]) -> dict[UUID, date | None]:
        """The retention due dates of these workers, under the policies in force today."""
        return worker_due_dates(
            self.ledger.database.engine,
            self.retention_policies,
            on=self.ledger.today(),
            stale=self.settings.stale_periods,
            worker_ids=worker_ids,
        )

    def wait_for(self, position: int | None) -> None:
        """Block (bounded) until every view has processed `position`; `ProjectionLagError` otherwise."""
        if position is None:
            return
        head = self.ledger.recorder.max_notification_id() or 0
        if position > head:
            # No write has that position yet: waiting could never succeed.
            raise RuleViolated.single("min_position", "beyond_head", f"no write has position {position} (last: {head})")
        timeout = self.settings.api_min_position_wait_s
        for runner in self.runners:
            try:
                runner.wait(position, timeout=timeout)
            except (TimeoutError, ViewStoppedError):
                raise ProjectionLagError(position, retry_after_s=max(1, round(timeout))) from None


@contextmanager
def open_services(settings: Settings, *, clock: Callable[[], datetime] | None = None) -> Iterator[Services]:
    """Open the ledger and build the views and the rest on its database; all of it closed after the block.

    On the embedded default the projection runner and the nightly retention
    job run in this process too, stopped (the job first) before the ledger closes.
    """
    with (
        open_ledger(settings, clock=clock, statement_timeout_ms=settings.api_statement_timeout_ms) as ledger,
        ExitStack() as stack,
    ):
        runners = build_view_runners(ledger)
        readiness = ReadinessProbe(ledger, runners)
        stack.callback(readiness.close)
        services = Services(
            settings=settings,
            ledger=ledger,
            runners=runners,
            verifier=token_verifier(settings),
            processing_log=ProcessingLog(ledger.database.engine),
            readiness=readiness,
            retention_policies=load_policies(settings.retention_file),
        )
        if settings.runs_projections_in_process:
            services.background = stack.enter_context(_following(ledger, runners))
            services.scheduler = stack.enter_context(_nightly_retention(settings))
        yield services


@contextmanager
def _following(ledger: Ledger, runners: list[ViewRunner]) -> Iterator[LogFollower]:
    """The projection runner in a thread of this process, stopped when the block ends."""
    follower = LogFollower(ledger, runners)
    thread = threading.Thread(target=_run_projections, args=(follower,), name="projection-runner", daemon=True)
    thread.start()
    try:
        yield follower
    finally:
        follower.stop()
        thread.join(timeout=30)


@contextmanager
def _nightly_retention(settings: Settings) -> Iterator[BackgroundScheduler]:
    """The nightly job, scheduled in this process; the scheduler is shut down when the block ends."""
    scheduler = nightly_scheduler(settings)
    scheduler.start()
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def _run_projections(runner: LogFollower) -> None:
    """The in-process runner's thread: it rides out database failures itself; anything else ends it, logged.

    Its locks are given back as it ends, so readiness reports the views as
    followed by no runner (503) rather than the process serving stale reads.
    """
    try:
        runner.run()
    except Exception as error:
        log.error("projection_runner_failed", error_type=type(error).__qualname__)
