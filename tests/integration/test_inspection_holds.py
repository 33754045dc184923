"""Issue 16 §4 on both backends: a warning is no sanction, holds on inspections, holds due for review."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from jobs.hold_reviews import holds_due_for_review
from jobs.retention import due_subjects, run_retention
from ledger.application.erasure import ShredRequest
from ledger.application.retention import INSPECTION, load_policies
from ledger.application.service import Ledger
from ledger.domain.errors import Conflict
from ledger.domain.inspection import Inspection
from ledger.domain.values import SHREDDED
from ledger.domain.worker import Worker
from tests.conftest import FIXED_NOW
from tests.factories import World, a_world, register_worker

POLICIES = load_policies()
NOTES = "matras in de keuken, geen rookmelder"
# The inspection of `_inspection` is due on 2031-06-10 under the five-year notes policy.
AFTER_FIVE_YEARS = date(2031, 7, 1)


def _inspection(ledger: Ledger, world: World, notes: str | None = NOTES) -> UUID:
    return ledger.record_inspection(
        housing_location_id=world.location_id,
        inspected_on=date(2026, 6, 10),
        occupants_found=9,
        findings=["overcrowding"],
        outcome="violations",
        notes=notes,
    ).id


def _due(ledger: Ledger, subject: UUID, on: date) -> list[tuple[str, date, tuple[str, ...]]]:
    found = due_subjects(ledger, ledger.database.engine, POLICIES, on=on)
    return [(s.policy, s.due_on, s.legal_holds) for s in found if s.subject_id == subject]


# -- a warning ------------------------------------------------------------------------------------


def test_an_inspection_followed_only_by_a_warning_keeps_the_five_year_notes_policy(ledger: Ledger) -> None:
    world = a_world(ledger)
    warned = _inspection(ledger, world)
    ledger.impose_sanction(warned, kind="warning", against="employer", employer_id=world.employer_id)

    assert _due(ledger, warned, date(2031, 6, 9)) == []
    assert _due(ledger, warned, date(2031, 6, 10)) == [(INSPECTION, date(2031, 6, 10), ())]


# -- holds on inspections -------------------------------------------------------------------------


def test_a_hold_on_an_inspection_blocks_the_shredding_of_its_notes_until_it_is_lifted(ledger: Ledger) -> None:
    inspection = _inspection(ledger, a_world(ledger))
    ledger.place_inspection_legal_hold(
        inspection, case_reference="HH-2026-9", reason="beroep aangetekend", review_on=date(2027, 1, 1)
    )

    assert _due(ledger, inspection, AFTER_FIVE_YEARS) == [(INSPECTION, date(2031, 6, 10), ("HH-2026-9",))]
    held = run_retention(ledger, ledger.database.engine, POLICIES, on=AFTER_FIVE_YEARS)
    kept = ledger.get(Inspection, inspection).notes
    ledger.lift_inspection_legal_hold(inspection, case_reference="HH-2026-9")
    shredded = run_retention(ledger, ledger.database.engine, POLICIES, on=AFTER_FIVE_YEARS)

    assert [s.subject_id for s in held.held] == [inspection]
    assert held.shredded == []
    assert kept == NOTES
    assert [s.subject_id for s in shredded.shredded] == [inspection]
    assert ledger.get(Inspection, inspection).notes is SHREDDED


def test_the_write_side_refuses_to_shred_a_held_inspection(ledger: Ledger) -> None:
    inspection = _inspection(ledger, a_world(ledger))
    ledger.place_inspection_legal_hold(inspection, case_reference="HH-1", reason="beroep", review_on=date(2027, 1, 1))

    outcome = ledger.shred_subjects([ShredRequest(inspection, INSPECTION)])
    with pytest.raises(Conflict, match="HH-1"):
        ledger.shred_subject(inspection, policy=INSPECTION)

    assert outcome.held == {inspection}
    assert ledger.get(Inspection, inspection).notes == NOTES


def test_the_reason_of_a_hold_on_an_inspection_without_notes_is_shredded_when_its_time_comes(ledger: Ledger) -> None:
    inspection = _inspection(ledger, a_world(ledger), notes=None)
    ledger.place_inspection_legal_hold(inspection, case_reference="HH-2", reason="beroep", review_on=date(2027, 1, 1))
    ledger.lift_inspection_legal_hold(inspection, case_reference="HH-2")

    report = run_retention(ledger, ledger.database.engine, POLICIES, on=AFTER_FIVE_YEARS)

    assert [s.subject_id for s in report.shredded] == [inspection]
    placed = next(e for e in ledger.events.get(inspection) if isinstance(e, Inspection.LegalHoldPlaced))
    assert placed.reason is SHREDDED


# -- review dates ---------------------------------------------------------------------------------


def _reviews(ledger: Ledger, on: date) -> list[tuple[UUID, str, str, date]]:
    return [(h.subject_id, h.subject_type, h.case_reference, h.review_on) for h in holds_due_for_review(ledger, on=on)]


def test_holds_past_their_review_date_are_due_for_review_until_lifted(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = register_worker(ledger, world)
    inspection = _inspection(ledger, world)
    ledger.place_legal_hold(worker, case_reference="HH-W", reason="onderzoek", review_on=date(2026, 9, 1))
    ledger.place_inspection_legal_hold(inspection, case_reference="HH-I", reason="beroep", review_on=date(2026, 12, 1))
    ledger.place_inspection_legal_hold(inspection, case_reference="HH-X", reason="gesloten", review_on=date(2026, 7, 1))
    ledger.lift_inspection_legal_hold(inspection, case_reference="HH-X")

    assert _reviews(ledger, date(2026, 8, 31)) == []
    assert _reviews(ledger, date(2026, 9, 1)) == [(worker, "worker", "HH-W", date(2026, 9, 1))]
    assert _reviews(ledger, date(2026, 12, 1)) == [
        (worker, "worker", "HH-W", date(2026, 9, 1)),
        (inspection, "inspection", "HH-I", date(2026, 12, 1)),
    ]
    ledger.lift_legal_hold(worker, case_reference="HH-W")
    assert _reviews(ledger, date(2026, 12, 1)) == [(inspection, "inspection", "HH-I", date(2026, 12, 1))]


def test_a_hold_placed_without_a_review_date_is_reviewed_after_the_default_period(ledger: Ledger) -> None:
    worker = register_worker(ledger, a_world(ledger))
    ledger.place_legal_hold(worker, case_reference="HH-D", reason="onderzoek")  # today is 2026-06-15

    assert _reviews(ledger, date(2027, 6, 14)) == []
    assert _reviews(ledger, date(2027, 6, 15)) == [(worker, "worker", "HH-D", date(2027, 6, 15))]


def test_a_hold_stored_before_review_dates_is_due_the_default_period_after_it_was_placed(ledger: Ledger) -> None:
    worker = register_worker(ledger, a_world(ledger))
    new = Worker.LegalHoldPlaced(
        originator_id=worker,
        originator_version=2,
        timestamp=FIXED_NOW,
        case_reference="HH-OLD",
        reason="onderzoek",
        review_on=None,
    )
    stored = ledger.mapper.to_stored_event(new)
    state = json.loads(stored.state)
    del state["review_on"], state["class_version"]  # as version 1 stored it
    ledger.recorder.insert_events(
        [StoredEvent(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())]
    )

    assert ledger.get(Worker, worker).legal_holds == {"HH-OLD": "onderzoek"}
    assert _reviews(ledger, date(2027, 6, 14)) == []
    assert _reviews(ledger, date(2027, 6, 15)) == [(worker, "worker", "HH-OLD", date(2027, 6, 15))]
