"""The inspections view on both backends: notes and hold reasons sealed at rest, shredding, pages and rebuilds."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select

from ledger.application import Ledger
from ledger.domain.values import SHREDDED
from ledger.retention import INSPECTION
from ledger.settings import Settings
from projections.inspections import InspectionsProjection, InspectionsView, inspection_legal_holds, inspection_records
from projections.registry import build_view_runners
from projections.runner import ViewRunner
from tests.factories import World, a_world, letters, register_worker
from tests.integration.test_personal_data_at_rest import _contains, _database_bytes
from tests.integration.view_contents import view_rows


def _record(ledger: Ledger, world: World, notes: str | None, on: date = date(2026, 6, 10)) -> UUID:
    return ledger.record_inspection(
        housing_location_id=world.location_id,
        inspected_on=on,
        occupants_found=7,
        findings=["overcrowding"],
        outcome="violations",
        notes=notes,
    ).id


def _runner(ledger: Ledger, page_size: int = 2000) -> tuple[ViewRunner, InspectionsView]:
    view = InspectionsView(ledger.keys.engine, ledger.keys)
    return ViewRunner(ledger, InspectionsProjection(view=view), page_size=page_size), view


def test_notes_and_hold_reasons_never_reach_the_database_in_plaintext(ledger: Ledger, settings: Settings) -> None:
    world = a_world(ledger)
    tag = letters(uuid.uuid4().int % 26**10)
    note, reason = f"Canaryinspnote{tag}", f"Canaryholdreason{tag}"
    inspection = _record(ledger, world, note)
    ledger.place_inspection_legal_hold(inspection, case_reference="HH-1", reason=reason, review_on=date(2026, 12, 1))
    for runner in build_view_runners(ledger):
        runner.catch_up()
    view = next(r.view for r in build_view_runners(ledger) if isinstance(r.view, InspectionsView))

    with ledger.keys.engine.connect() as conn:
        sealed = conn.execute(select(inspection_records.c.sealed_notes)).scalar_one()
        sealed_reason = conn.execute(select(inspection_legal_holds.c.sealed_reason)).scalar_one()
    stored = _database_bytes(settings)
    found = view.inspection(inspection, as_known_at=datetime.now(UTC))

    assert sealed is not None and note not in sealed
    assert sealed_reason is not None and reason not in sealed_reason
    assert [c for c in (note, reason) if _contains(stored, c)] == []
    # ... and the view opens them again under the inspection's key.
    assert found is not None
    assert found.notes == note
    assert [h.reason for h in found.legal_holds] == [reason]


def test_a_shred_forgets_the_sealed_notes_and_keeps_the_facts(ledger: Ledger) -> None:
    world = a_world(ledger)
    kept = _record(ledger, world, "blijft")
    shredded = _record(ledger, world, "gaat weg")
    ledger.shred_subject(shredded, policy=INSPECTION)
    runner, view = _runner(ledger)
    runner.catch_up()

    with ledger.keys.engine.connect() as conn:
        rows = {r.inspection_id: r for r in conn.execute(select(inspection_records))}
    gone = view.inspection(shredded, as_known_at=datetime.now(UTC))
    still = view.inspection(kept, as_known_at=datetime.now(UTC))

    assert rows[shredded.hex].sealed_notes is None
    assert rows[shredded.hex].shredded
    assert gone is not None and still is not None
    assert (gone.notes, gone.shredded, gone.occupants_found, gone.findings) == (SHREDDED, True, 7, ("overcrowding",))
    assert (still.notes, still.shredded) == ("blijft", False)


def test_a_key_gone_before_the_view_saw_the_shred_reads_as_shredded(ledger: Ledger) -> None:
    world = a_world(ledger)
    inspection = _record(ledger, world, "nog even")
    runner, view = _runner(ledger)
    runner.catch_up()
    ledger.keys.shred(inspection)  # the key is gone; the event is not recorded yet

    found = view.inspection(inspection, as_known_at=datetime.now(UTC))

    assert found is not None
    assert (found.notes, found.shredded) == (SHREDDED, True)


def test_the_view_built_in_pages_equals_the_view_built_event_by_event(ledger: Ledger) -> None:
    world = a_world(ledger)
    register_worker(ledger, world)
    first = _record(ledger, world, "eerste")
    ledger.impose_sanction(first, kind="warning", against="employer", employer_id=world.employer_id)
    ledger.impose_sanction(
        first, kind="administrative_fine", against="owner", owner_kvk_number="34781256", amount_eur=Decimal("950.5")
    )
    ledger.place_inspection_legal_hold(first, case_reference="HH-1", reason="een", review_on=date(2026, 12, 1))
    ledger.place_inspection_legal_hold(first, case_reference="HH-2", reason="twee", review_on=date(2026, 12, 1))
    ledger.lift_inspection_legal_hold(first, case_reference="HH-1")
    _record(ledger, world, None, on=date(2026, 5, 1))
    third = _record(ledger, world, "weg")
    ledger.shred_subject(third, policy=INSPECTION)

    contents = []
    for page_size in (1, 3, 2000):
        runner, view = _runner(ledger, page_size)
        view.reset()
        runner.catch_up()
        contents.append(view_rows(view))

    assert contents[0] == contents[1] == contents[2]
    assert len(contents[0]["inspection_records"]) == 3
    assert len(contents[0]["inspection_sanctions"]) == 2
    assert [row[1] for row in contents[0]["inspection_legal_holds"]] == ["HH-2"]
