"""The audit page's chain verification, run in the background: never inside a request.

Recomputing the hash chain reads every stored event (on the bench store of
100 000 workers, far longer than a page may take: issue 19's bench section),
so the page only starts a run and shows the last one's outcome. One run at a
time per process: a second request while one runs shows the running one. The
run is the API's `GET /audit/verification` (`AuditChain.verify`, in one
process: forking from a threaded server is what `verify` warns against),
in a daemon thread of its own, on the ledger's engine (its own connection).
The outcome lives in this process only; a restart forgets it, and the page
then offers a new run beside the last checkpoint, which is stored.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from fastapi import FastAPI

from api.services import Services
from ledger.audit.chain import AuditChain, Verification

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    """A verification started by someone: how far it got, and its outcome once it ended."""

    started_by: str
    started_at: datetime
    done: int = 0
    total: int = 0
    finished_at: datetime | None = None
    outcome: Verification | None = None
    failed: bool = False  # it could not finish (the database went away): no outcome to show

    @property
    def running(self) -> bool:
        """Whether the run goes on."""
        return self.finished_at is None


class BackgroundVerification:
    """The process's verification runs: start one (unless one runs), read the current one, wait for it (tests)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._run: Run | None = None
        self._ended = threading.Event()

    def current(self) -> Run | None:
        """The running or the last run; None when none was started in this process."""
        with self._lock:
            return self._run

    def start(self, services: Services, *, by: str) -> Run:
        """Start a run (in a thread) unless one is running; the run either way."""
        with self._lock:
            if self._run is not None and self._run.running:
                return self._run
            self._run = Run(started_by=by, started_at=datetime.now(UTC))
            self._ended.clear()
            run = self._run
        ledger = services.ledger
        chain = AuditChain(ledger.recorder, ledger.database.engine)
        threading.Thread(target=self._verify, args=(chain,), name="audit-verification", daemon=True).start()
        return run

    def wait(self, timeout: float) -> Run | None:
        """Block until the current run ends (at most `timeout` seconds); the run."""
        self._ended.wait(timeout)
        return self.current()

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            if self._run is not None:
                self._run = replace(self._run, done=done, total=total)

    def _verify(self, chain: AuditChain) -> None:
        outcome: Verification | None = None
        try:
            outcome = chain.verify(progress=self._progress)
        except Exception:  # the page shows that it failed; the log says why
            log.exception("audit verification failed")
        with self._lock:
            if self._run is not None:
                self._run = replace(self._run, finished_at=datetime.now(UTC), outcome=outcome, failed=outcome is None)
        self._ended.set()


_CREATING = threading.Lock()


def verification_of(app: FastAPI) -> BackgroundVerification:
    """The app's verification runs (made on first use)."""
    with _CREATING:
        found: BackgroundVerification | None = getattr(app.state, "audit_verification", None)
        if found is None:
            found = BackgroundVerification()
            app.state.audit_verification = found
        return found
