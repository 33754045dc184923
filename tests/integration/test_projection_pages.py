"""Pages: the register and the alerts fold a page of events in memory and write it with a few statements.

A page's result must not depend on where the pages break: the views built a
page at a time equal the views built one event at a time. Keys are looked up
once per page, and a view that does not open personal data gets its events
with the sealed fields left sealed and no keys at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Connection, Engine, event

from demo import run_demo
from ledger.application.service import Ledger
from ledger.crypto.sealing import SEALED_PREFIX
from ledger.domain.worker import Worker
from projections.alert_tables import alert_workers
from projections.alert_view import AlertsProjection, AlertsView
from projections.projection import LedgerProjection, handles
from projections.register import RegisterView
from projections.register_projection import RegisterProjection
from projections.runner import ViewRunner
from projections.view import View
from tests.factories import a_brp_address, a_world, an_address, register_worker, valid_bsn
from tests.integration.view_contents import view_rows

TODAY = date(2026, 6, 15)


def _a_busy_history(ledger: Ledger) -> list[UUID]:
    """A demo's workers, and three whose events cross the page boundaries in every way a page can be cut."""
    run_demo(ledger, workers=12, seed=5)
    world = a_world(ledger)
    held = register_worker(ledger, world, bsn=valid_bsn())
    ledger.place_legal_hold(held, case_reference="HH-1", reason="first")
    ledger.lift_legal_hold(held, case_reference="HH-1")
    ledger.place_legal_hold(held, case_reference="HH-1", reason="again")
    ledger.place_legal_hold(held, case_reference="HH-2", reason="second")
    ledger.lift_legal_hold(held, case_reference="HH-2")
    brp = a_brp_address()
    ledger.record_population_registration(
        held, register="BRP", registered_on=date(2026, 5, 20), bsn=valid_bsn(), address=brp
    )
    ledger.record_population_registration(held, register="BRP", registered_on=date(2026, 5, 2), address=brp)
    mover = register_worker(ledger, world)
    ledger.change_housing(mover, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
    ledger.change_work_address(mover, work_address=an_address(street="Dijkweg"), valid_from=date(2026, 5, 1))
    ledger.end_contract(mover, end_date=date(2026, 6, 1), reason="season over")
    ledger.record_departure(mover, departed_on=date(2026, 6, 3))
    ledger.change_housing(mover, housing_location_id=world.location_id, valid_from=date(2026, 6, 10))
    ledger.record_departure(mover, departed_on=date(2026, 6, 12))
    gone = register_worker(ledger, world, bsn=valid_bsn())
    ledger.place_legal_hold(gone, case_reference="HH-3", reason="before the shred")
    ledger.lift_legal_hold(gone, case_reference="HH-3")
    ledger.record_population_registration(gone, register="RNI", registered_on=date(2026, 4, 20))
    ledger.shred_subject(gone, policy="erasure_request")
    return [held, mover, gone]


def _register(ledger: Ledger, page_size: int) -> ViewRunner:
    view = RegisterView(ledger.database.engine, ledger.keys)
    return ViewRunner(ledger, RegisterProjection(view=view), page_size=page_size)


def _alerts(ledger: Ledger, page_size: int) -> ViewRunner:
    return ViewRunner(
        ledger,
        AlertsProjection(view=AlertsView(ledger.database.engine, ledger.keys, ledger.settings)),
        page_size=page_size,
    )


@contextmanager
def _statements(*engines: Engine) -> Iterator[list[str]]:
    """The SQL the engines send while the block runs (an executemany counts once)."""
    sent: list[str] = []

    def record(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    for engine in set(engines):
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        for engine in set(engines):
            event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("page_size", [2, 3, 7, 1000])
def test_the_register_built_a_page_at_a_time_equals_the_register_built_event_by_event(
    ledger: Ledger, page_size: int
) -> None:
    workers = _a_busy_history(ledger)
    one_by_one = _register(ledger, page_size=1)
    one_by_one.rebuild()
    view = one_by_one.view
    assert isinstance(view, RegisterView)
    rows, records = view_rows(view), [view.worker(w, today=TODAY) for w in workers]

    _register(ledger, page_size=page_size).rebuild()

    assert view_rows(view) == rows
    assert [view.worker(w, today=TODAY) for w in workers] == records
    held, mover, gone = records
    assert held is not None and mover is not None and gone is not None
    assert [(h.case_reference, h.reason) for h in held.legal_holds] == [("HH-1", "again")]
    assert (mover.housing_location_id, mover.departed_on, mover.work_address.street) == (
        None,
        date(2026, 6, 12),
        "Dijkweg",
    )
    assert gone.shredded


@pytest.mark.parametrize("page_size", [2, 3, 7, 1000])
def test_the_alert_facts_built_a_page_at_a_time_equal_those_built_event_by_event(
    ledger: Ledger, page_size: int
) -> None:
    _a_busy_history(ledger)
    one_by_one = _alerts(ledger, page_size=1)
    one_by_one.rebuild()
    rows = view_rows(one_by_one.view)

    _alerts(ledger, page_size=page_size).rebuild()

    assert view_rows(one_by_one.view) == rows
    brp_registered_on = list(alert_workers.c.keys()).index("brp_registered_on")
    # The earliest BRP date is kept.
    assert any(row[brp_registered_on] == date(2026, 5, 2) for row in rows["alert_workers"])


def test_a_register_page_is_written_with_a_few_statements_and_one_key_lookup_whatever_its_size(
    ledger: Ledger,
) -> None:
    _a_busy_history(ledger)
    runner = _register(ledger, page_size=10_000)

    with _statements(ledger.database.engine, ledger.database.key_engine) as sent:
        events = runner.catch_up()

    key_lookups = [s for s in sent if "subject_keys" in s]
    assert events > 50
    assert len(key_lookups) == 1  # the shredded worker's events included: no lookup per event
    assert len(sent) <= 16  # position, stop, keys, page reads and writes, tracking: not one per event


def test_an_alerts_page_is_written_with_a_few_statements_and_one_key_lookup_whatever_its_size(
    ledger: Ledger,
) -> None:
    _a_busy_history(ledger)
    runner = _alerts(ledger, page_size=10_000)

    with _statements(ledger.database.engine, ledger.database.key_engine) as sent:
        events = runner.catch_up()

    # The registrations' birth dates give the 18th birthdays (issue 18): one lookup for the page's keys.
    assert events > 50
    assert len([s for s in sent if "subject_keys" in s]) == 1
    assert len(sent) <= 24  # settings, position, keys, page reads, a write per table and change, tracking


class _Names(View):
    name = "names_probe"


class _NamesSeen(LedgerProjection[_Names]):
    """Remembers the family name of every registration, as the runner hands it over."""

    name = "names_probe"

    def __init__(self, view: _Names) -> None:
        super().__init__(view)
        self.seen: list[Any] = []

    @handles(Worker.Registered)
    def registered(self, conn: Connection, event: Worker.Registered, position: int) -> None:
        self.seen.append(event.family_name)


class _NamesLeftSealed(_NamesSeen):
    opens_personal_data = False


def test_a_view_that_does_not_open_personal_data_gets_the_sealed_fields_sealed_and_no_keys(ledger: Ledger) -> None:
    register_worker(ledger, a_world(ledger), family_name="Wiśniewska")
    opened, sealed = _NamesSeen(_Names(ledger.database.engine)), _NamesLeftSealed(_Names(ledger.database.engine))

    ViewRunner(ledger, opened).catch_up()
    with _statements(ledger.database.engine, ledger.database.key_engine) as sent:
        sealed.view.reset()
        ViewRunner(ledger, sealed).catch_up()

    assert opened.seen == ["Wiśniewska"]
    assert len(sealed.seen) == 1
    assert str(sealed.seen[0]).startswith(SEALED_PREFIX)
    assert [s for s in sent if "subject_keys" in s] == []
