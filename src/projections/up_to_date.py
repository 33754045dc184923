"""A live view brought up to the log's head before a command reads it: under its lock, or by waiting.

The commands that read a live view (the replay comparison, the consistency
check, the retention commands) must see every event recorded before they
ask. Whoever holds the view's lock is its only writer (`projections.coordination`):
if it is free, the command takes it and catches the view up itself; if a
runner of another process (`ledger project`) holds it, the command waits for
that one to get there, and never writes the view beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ledger.application.service import Ledger
from ledger.persistence.exclusive import holding
from projections.coordination import view_lock
from projections.runner import ViewRunner


@contextmanager
def up_to_date(ledger: Ledger, runner: ViewRunner, *, wait_s: float) -> Iterator[bool]:
    """The view of `runner` at the log's head for the block; True when its lock is ours until the block ends.

    With the lock held (True) nothing else writes the view during the block,
    so what it reads there stays put. Otherwise (False) the runner that holds
    the lock was waited for, and may move on during the block; `TimeoutError`
    when it did not get there within `wait_s` seconds, `ViewStoppedError`
    when it stopped before.
    """
    with holding(view_lock(ledger.settings, runner.name)) as held:
        if held:
            runner.catch_up()
        else:
            runner.wait(ledger.recorder.max_notification_id() or 0, timeout=wait_s)
        yield held
