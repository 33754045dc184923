"""Readiness: may this instance get traffic? Answered within a second, whatever the database does.

Ready when the database answers, its schema is the code's, and every view is
followed by a runner, has not stopped at an event, and has no event waiting
longer than `LEDGER_READY_MAX_LAG_S` (docs/operations.md):

- *followed*: some process holds the view's lock (`views_followed`) — the
  in-process runner of `ledger serve` on the embedded default, or a `ledger
  project` anywhere. A runner that died has freed its lock, so this shows
  without any write coming in.
- *behind* is time since the oldest unprocessed event was recorded, not a
  number of events: a burst of writes must not take every instance out of
  service at once, a view that stopped moving must.

The check runs in a thread of its own and the probe waits for it at most
`READY_WITHIN_S`: with the server gone, connecting alone may take the connect
timeout (libpq's minimum is two seconds). One check runs at a time; a probe
that comes while one is still running waits for that one, so a database that
does not answer does not pile up threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as NoAnswerInTime
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text

from ledger.application.service import Ledger
from ledger.persistence.migrations import current_revision, head_revision
from projections.coordination import views_followed
from projections.runner import ViewRunner

# Platforms give a probe a second (Kubernetes' default timeoutSeconds); the rest is the HTTP round trip.
READY_WITHIN_S = 0.9


@dataclass(frozen=True)
class Readiness:
    """The verdict, and what each check found."""

    ready: bool
    checks: dict[str, object]


def check_readiness(ledger: Ledger, runners: Sequence[ViewRunner], head: str | None) -> Readiness:
    """Look at the database, the schema (against `head`) and every view; any failure is not ready."""
    checks: dict[str, object] = {}
    try:
        engine = ledger.database.engine
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        migrated = current_revision(engine) == head
        checks["migrations"] = "ok" if migrated else "behind"
        followed = views_followed(ledger.settings, engine, [r.name for r in runners])
        statuses = [r.status() for r in runners]
    except Exception as error:
        # The message may name the server or quote a statement: only the type is shown.
        checks["database"] = type(error).__qualname__
        return Readiness(ready=False, checks=checks)
    now = datetime.now(UTC)
    max_lag_s = ledger.settings.ready_max_lag_s
    checks["projections"] = {
        s.name: {
            "lag": s.lag,
            "lagSeconds": round(s.lag_seconds(now), 3),
            "stopped": s.stopped,
            "runner": followed[s.name],
        }
        for s in statuses
    }
    views_ready = all(followed[s.name] and not s.stopped and s.lag_seconds(now) <= max_lag_s for s in statuses)
    return Readiness(ready=migrated and views_ready, checks=checks)


class ReadinessProbe:
    """`check_readiness` in a thread of its own, answered within `within_s` (not ready if it takes longer)."""

    def __init__(self, ledger: Ledger, runners: Sequence[ViewRunner], *, within_s: float = READY_WITHIN_S) -> None:
        head = head_revision()  # the code's newest revision does not change while it runs: read it once
        self._check: Callable[[], Readiness] = lambda: check_readiness(ledger, runners, head)
        self.within_s = within_s
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readiness")
        self._running: Future[Readiness] | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Readiness:
        """The verdict of the running check (or of a new one), or not ready when it takes too long."""
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._executor.submit(self._check)
            running = self._running
        try:
            return running.result(timeout=self.within_s)
        except NoAnswerInTime:
            return Readiness(ready=False, checks={"database": f"no answer within {self.within_s} s"})

    def close(self) -> None:
        """Stop the check's thread (a check still waiting on the database is left to finish alone)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
