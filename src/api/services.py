"""What the API runs on, built once in the app's lifespan: the composition root of the HTTP side.

The ledger (writes, and the answers kept for `Idempotency-Key`s), the views
(reads), the token verifier and the processing log; on the embedded default also the projection runner
in a background thread, so that one `ledger serve` is a working system.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from api.auth import TokenVerifier, token_verifier
from api.readiness import ReadinessProbe
from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.errors import RuleViolated
from ledger.processing_log import ProcessingLog
from ledger.retention import RetentionPolicies, load_policies
from ledger.settings import Settings
from projections.alerts import AlertFactsView
from projections.register import RegisterView
from projections.registry import build_view_runners
from projections.residence import ResidenceView
from projections.retention import worker_due_dates
from projections.retention_commands import nightly_retention, retention_trigger
from projections.runner import LogFollower, ViewRunner, ViewStoppedError

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
    background: LogFollower | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)
    _scheduler: BackgroundScheduler | None = field(default=None, repr=False)

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
    def alert_facts(self) -> AlertFactsView:
        """The alerts' facts view."""
        view: AlertFactsView = self.view(AlertFactsView)
        return view

    def retention_due(self, worker_ids: Iterable[UUID]) -> dict[UUID, date | None]:
        """The retention due dates of these workers, under the policies in force today."""
        return worker_due_dates(
            self.ledger.keys.engine,
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

    def start_background_projections(self) -> None:
        """Run the projection runner and the nightly retention job in this process (the embedded default)."""
        self.background = LogFollower(self.ledger, self.runners)
        self._thread = threading.Thread(
            target=_run_projections, args=(self.background,), name="projection-runner", daemon=True
        )
        self._thread.start()
        self._scheduler = BackgroundScheduler(timezone=self.settings.timezone)
        self._scheduler.add_job(
            nightly_retention,
            retention_trigger(self.settings),
            args=[self.settings],
            id="retention",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
        self._scheduler.start()

    def close(self) -> None:
        """Stop the background runner and release connections."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        if self.background is not None and self._thread is not None:
            self.background.stop()
            self._thread.join(timeout=30)
        self.readiness.close()
        self.ledger.close()
        self.ledger.keys.engine.dispose()


def _run_projections(runner: LogFollower) -> None:
    """The in-process runner's thread: it rides out database failures itself; anything else ends it, logged.

    Its locks are given back as it ends, so readiness reports the views as
    followed by no runner (503) rather than the process serving stale reads.
    """
    try:
        runner.run()
    except Exception as error:
        log.error("projection_runner_failed", error_type=type(error).__qualname__)


def build_services(settings: Settings, *, clock: Callable[[], datetime] | None = None) -> Services:
    """Open the ledger and build the views and the rest on its engine."""
    ledger = open_ledger(settings, clock=clock, statement_timeout_ms=settings.api_statement_timeout_ms)
    engine = ledger.keys.engine
    runners = build_view_runners(ledger)
    services = Services(
        settings=settings,
        ledger=ledger,
        runners=runners,
        verifier=token_verifier(settings),
        processing_log=ProcessingLog(engine),
        readiness=ReadinessProbe(ledger, runners),
        retention_policies=load_policies(settings.retention_file),
    )
    if settings.runs_projections_in_process:
        services.start_background_projections()
    return services
