"""The log follower: every view it can lock caught up, then kept up with new events until stopped.

`ledger project` runs one (and `ledger serve`, on the embedded default, in a
thread); each view is run by the `ViewRunner` of `projections.runner` under
its lock, so two followers share the views between them.

The database going away (a restart, a crash, a lock timeout) ends a round,
wherever in the round it happens, and is never taken for a broken event: the
round is tried again after a wait that grows (tenacity's exponential backoff
with jitter, up to `RECONNECT_MAX_WAIT_S`), one log line per attempt with the
error's type only; once the database answers, the follower takes its locks
again, listens again and catches up (docs/operations.md).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import ExitStack

import structlog
from tenacity import RetryCallState, Retrying, retry_if_result, wait_exponential, wait_random

from ledger.application.service import Ledger
from projections.coordination import ViewLock, view_lock, wakeup_for
from projections.runner import DATABASE_TROUBLE, ViewRunner, ViewStoppedError

log = structlog.get_logger()

# A caught-up follower looks again at least this often, even without a notification.
_IDLE_TIMEOUT_S = 1.0

# A round that the database failed is tried again after a wait that doubles from the first, up to the
# maximum, plus up to `RECONNECT_JITTER_S` at random (followers restarted together do not reconnect in step).
RECONNECT_FIRST_WAIT_S = 0.2
RECONNECT_MAX_WAIT_S = 5.0
RECONNECT_JITTER_S = 0.2


class LogFollower:
    """Runs every view it can lock: catch up, then follow new events until stopped.

    Not the library's `eventsourcing.projection.ProjectionRunner` (which runs
    one projection of the library's kind): named apart so neither is taken for
    the other. Nothing stored carries the name: views track their positions
    under the ledger's name, and log lines say `projection_runner_…`.
    """

    def __init__(self, ledger: Ledger, runners: Sequence[ViewRunner], *, poll_interval: float = 0.2) -> None:
        self.ledger = ledger
        self.runners = list(runners)
        self.poll_interval = poll_interval
        self.stop_event = threading.Event()
        self.locks: dict[str, ViewLock] = {r.name: view_lock(ledger.settings, r.name) for r in self.runners}
        self._tried: set[str] = set()
        # The database failure that ended the last round early (None: the round went through).
        self.trouble: Exception | None = None

    def stop(self) -> None:
        """Ask the runner to stop after the page it is processing."""
        self.stop_event.set()

    def run(self) -> None:
        """Catch up and follow until `stop()`; views locked by another process are left to it.

        While the database is unavailable, rounds are retried with backoff
        (`_round`); a lost LISTEN connection is opened again by the wakeup.
        """
        with ExitStack() as stack:
            stack.callback(self.release_locks)
            channel = getattr(self.ledger.recorder, "channel_name", None)
            # Listening starts before the first catch-up, so no insert after it goes unnoticed.
            wakeup = wakeup_for(self.ledger.settings, channel, self.stop_event, self.poll_interval)
            stack.callback(wakeup.close)
            log.info("projection_runner_started", views=[r.name for r in self.runners])
            while not self.stop_event.is_set():
                self._round()
                wakeup.wait(timeout=_IDLE_TIMEOUT_S)
        log.info("projection_runner_stopped")

    def _round(self) -> None:
        """A round of `run_once`, tried again with backoff until the database lets it through (or `stop()`)."""
        retrying = Retrying(
            retry=retry_if_result(lambda trouble: trouble is not None and not self.stop_event.is_set()),
            wait=wait_exponential(multiplier=RECONNECT_FIRST_WAIT_S, max=RECONNECT_MAX_WAIT_S)
            + wait_random(0, RECONNECT_JITTER_S),
            sleep=self._pause,
            before_sleep=_log_unavailable,
        )
        failed_attempts = 0
        for attempt in retrying:
            with attempt:
                self.run_once()
            outcome = attempt.retry_state.outcome
            if outcome is not None and not outcome.failed:
                # The round's result is its trouble: retried while there is some (anything raised is not).
                attempt.retry_state.set_result(self.trouble)
            failed_attempts = attempt.retry_state.attempt_number - (self.trouble is None)
        if failed_attempts and self.trouble is None:
            log.info("database_reconnected", attempts=failed_attempts)

    def _pause(self, seconds: float) -> None:
        # Waits on the stop flag, so that `stop()` ends a backoff at once.
        self.stop_event.wait(seconds)

    def run_once(self) -> int:
        """One round: every view whose lock we hold (or can take) catches up; return events processed.

        A database failure ends the round there, kept in `trouble`: the views
        after it would meet the same database, and `run` backs off before the next.
        """
        total = 0
        self.trouble = None
        for runner in self.runners:
            if self.stop_event.is_set():
                break
            # Everything that reaches the database is inside the try, the position logged included.
            try:
                if not self._may_run(runner):
                    continue
                count = runner.catch_up(self.stop_event)
                if count:
                    log.info("view_caught_up", view=runner.name, events=count, position=runner.position())
            except ViewStoppedError:
                continue
            except DATABASE_TROUBLE as error:
                self.trouble = error
                self._discard_dead_connections()
                break
            total += count
        return total

    def _discard_dead_connections(self) -> None:
        # The server may have restarted, killing every connection the event store's pool keeps; have them
        # checked now, so that the round after it is back does not spend its pool timeout finding out one by
        # one (`ledger.eventstore.postgres_store`; SQLite's recorder has no pool to check).
        discard = getattr(self.ledger.recorder, "discard_dead_connections", None)
        if discard is not None:
            discard()

    def _may_run(self, runner: ViewRunner) -> bool:
        if not self.locks[runner.name].acquire():
            return False
        if runner.name not in self._tried:
            # A (re)started runner retries a stopped view once: the cause may have been fixed.
            self._tried.add(runner.name)
            return True
        return runner.view.stopped() is None

    def release_locks(self) -> None:
        """Give back every view lock this runner holds."""
        for lock in self.locks.values():
            lock.release()


def _log_unavailable(retry_state: RetryCallState) -> None:
    """One line per failed attempt: which attempt, the wait before the next, and the error's type only."""
    outcome = retry_state.outcome
    trouble = outcome.result() if outcome is not None and not outcome.failed else None
    log.warning(
        "database_unavailable",
        attempt=retry_state.attempt_number,
        retry_in_s=round(retry_state.next_action.sleep, 2) if retry_state.next_action else None,
        error_type=type(trouble).__qualname__,
    )
