"""Optimistic concurrency: two writers on one version, one wins, nothing is lost."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date

import pytest

from ledger.application.service import Ledger
from ledger.domain.worker import Worker
from ledger.errors import ConcurrentModification
from ledger.system import open_ledger
from tests.conftest import fixed_clock
from tests.factories import a_world, an_address, register_worker


def test_second_writer_on_the_same_version_gets_concurrent_modification(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    with open_ledger(ledger.settings, clock=fixed_clock) as other:
        mine = ledger.get(Worker, worker_id)
        theirs = other.get(Worker, worker_id)
        mine.change_housing(world.other_location_id, date(2026, 5, 1), date(2026, 6, 15))
        theirs.change_housing(None, date(2026, 5, 2), date(2026, 6, 15))

        ledger.save(mine)
        with pytest.raises(ConcurrentModification):
            other._save(theirs)

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


class CompetingWriter:
    """Makes another process's write land between a command's load and its save, once or every time.

    It wraps `ledger.get` (which every command's load goes through): after the
    aggregate is read, the competitor changes the same worker in its own
    ledger, so the command's save meets a newer version — deterministically.
    The first `skip` loads (a route's scope check) pass untouched.
    """

    def __init__(self, ledger: Ledger, *, times: int, skip: int = 0) -> None:
        self.ledger = ledger
        self._opened = ExitStack()
        self.other = self._opened.enter_context(open_ledger(ledger.settings, clock=fixed_clock))
        self.left = times
        self.skip = skip
        self.loads = 0
        self._get = ledger.get

    def __enter__(self) -> CompetingWriter:
        def get_then_compete(kind: type, aggregate_id: object, **kwargs: object) -> object:
            aggregate = self._get(kind, aggregate_id, **kwargs)  # type: ignore[arg-type]
            self.loads += 1
            if self.left > 0 and kind is Worker and self.loads > self.skip:
                self.left -= 1
                day = date(2026, 5, self.loads)
                self.other.change_work_address(
                    aggregate_id,  # type: ignore[arg-type]
                    work_address=an_address(street="Industrieweg", house_number=self.loads, postcode="1687 AB"),
                    valid_from=day,
                )
            return aggregate

        self.ledger.get = get_then_compete  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        del self.ledger.get
        self._opened.close()


def test_with_if_match_a_write_overtaken_between_load_and_save_is_stale_not_a_conflict(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)

    with CompetingWriter(ledger, times=1), pytest.raises(ConcurrentModification) as refused:
        ledger.record_departure(worker_id, departed_on=date(2026, 6, 1), expected_version=1)

    # The caller's precondition (version 1) no longer holds: a 412, never a 409.
    assert refused.value.expected == 1
    assert ledger.get(Worker, worker_id).version == 2  # only the competitor's change was stored


def test_without_if_match_an_overtaken_write_is_reloaded_and_retried(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)

    with CompetingWriter(ledger, times=2) as competitor:
        receipt = ledger.record_departure(worker_id, departed_on=date(2026, 6, 1))

    assert competitor.loads == 3  # two overtaken attempts, the third saved
    stored = ledger.get(Worker, worker_id)
    assert receipt.version == stored.version == 4  # both competing changes and the departure
    assert stored.departed_on == date(2026, 6, 1)


def test_without_if_match_a_write_overtaken_every_time_gives_up_with_a_conflict(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)

    with CompetingWriter(ledger, times=100) as competitor, pytest.raises(ConcurrentModification) as refused:
        ledger.record_departure(worker_id, departed_on=date(2026, 6, 1))

    assert refused.value.expected is None  # a 409: the caller stated no precondition
    assert 1 < competitor.loads < 100  # a few retries, then the answer
    assert ledger.get(Worker, worker_id).departed_on is None
