"""Optimistic concurrency: two writers on one version, one wins, nothing is lost."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.domain.worker import Worker
from ledger.errors import ConcurrentModification
from tests.conftest import fixed_clock
from tests.factories import a_world, register_worker


def test_second_writer_on_the_same_version_gets_concurrent_modification(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    other = open_ledger(ledger.settings, clock=fixed_clock)
    try:
        mine = ledger.get(Worker, worker_id)
        theirs = other.get(Worker, worker_id)
        mine.change_housing(world.other_location_id, date(2026, 5, 1), date(2026, 6, 15))
        theirs.change_housing(None, date(2026, 5, 2), date(2026, 6, 15))

        ledger.save(mine)
        with pytest.raises(ConcurrentModification):
            other._save(theirs)
    finally:
        other.close()
        other.keys.engine.dispose()

    stored = ledger.get(Worker, worker_id)
    assert stored.version == 2
    assert stored.housing_on(date(2026, 5, 3)) == world.other_location_id


def test_stale_expected_version_is_refused_and_nothing_stored(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    ledger.record_departure(worker_id, departed_on=date(2026, 6, 1), expected_version=1)
    before = ledger.recorder.max_notification_id()

    with pytest.raises(ConcurrentModification) as refused:
        ledger.record_departure(worker_id, departed_on=date(2026, 6, 2), expected_version=1)

    assert (refused.value.expected, refused.value.actual) == (1, 2)
    assert ledger.recorder.max_notification_id() == before
