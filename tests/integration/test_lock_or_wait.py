"""One lock API and one lock-or-wait helper (docs/projections.md).

`holding(lock)` takes a lock for a block if it is free and says whether it
did; `exclusively` (one command at a time) is built on it, and so is
`up_to_date`, which the commands that read a live view use: catch the view up
under its lock, or, when a runner of another process holds it, wait for that
one to reach the log's head.
"""

from __future__ import annotations

import pytest

from ledger.application.service import Ledger
from ledger.persistence.exclusive import AlreadyRunningError, exclusively, holding
from projections.coordination import view_lock
from projections.registry import build_view_runners
from projections.runner import ViewRunner
from projections.up_to_date import up_to_date
from tests.factories import a_world, register_worker


def _residence(ledger: Ledger) -> ViewRunner:
    return next(r for r in build_view_runners(ledger) if r.name == "residence")


def test_holding_takes_a_free_lock_for_the_block_and_gives_it_back(ledger: Ledger) -> None:
    lock, other = view_lock(ledger.settings, "residence"), view_lock(ledger.settings, "residence")
    try:
        with holding(lock) as held:
            assert held
            assert not other.acquire()
        assert other.acquire()
    finally:
        other.release()


def test_holding_a_lock_that_another_holds_leaves_it_to_that_one(ledger: Ledger) -> None:
    first = view_lock(ledger.settings, "residence")
    assert first.acquire()
    try:
        with holding(view_lock(ledger.settings, "residence")) as held:
            assert not held
        assert not view_lock(ledger.settings, "residence").acquire()  # still the first's
    finally:
        first.release()


def test_exclusively_is_refused_while_another_holds_the_work(ledger: Ledger) -> None:
    engine = ledger.database.engine
    with exclusively(engine, "some-work"), pytest.raises(AlreadyRunningError), exclusively(engine, "some-work"):
        pass
    with exclusively(engine, "some-work"):  # given back after the block
        pass


def test_a_free_view_is_caught_up_under_its_lock_held_for_the_block(ledger: Ledger) -> None:
    register_worker(ledger, a_world(ledger))
    head = ledger.recorder.max_notification_id()
    runner = _residence(ledger)
    elsewhere = view_lock(ledger.settings, "residence")
    try:
        with up_to_date(ledger, runner, wait_s=0) as held:
            assert held
            assert runner.position() == head
            assert not elsewhere.acquire()
        assert elsewhere.acquire()
    finally:
        elsewhere.release()


def test_a_view_another_runner_holds_is_waited_for_not_taken(ledger: Ledger) -> None:
    register_worker(ledger, a_world(ledger))
    runner = _residence(ledger)
    holder = view_lock(ledger.settings, "residence")
    assert holder.acquire()
    try:
        with pytest.raises(TimeoutError), up_to_date(ledger, runner, wait_s=0):
            pass  # the holder has not caught up: the wait runs out
        runner.catch_up()  # as the holder would
        with up_to_date(ledger, runner, wait_s=0) as held:
            assert not held
            assert runner.position() == ledger.recorder.max_notification_id()
    finally:
        holder.release()
