"""Erasure reasons and notes in storage, on both backends.

An erasure keeps its reason code after the subject's key is gone; its note is
a subject of its own, written with the shredding event and shredded by the
retention job when its own period ends; nothing is destroyed or written when
the erasure is refused.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from eventsourcing.utils import get_topic

from jobs.retention import due_subjects, run_retention
from ledger.application.retention import load_policies
from ledger.application.service import Ledger
from ledger.domain.erasure import ErasureNote, erasure_note_id_for
from ledger.domain.errors import Conflict, RuleViolated
from ledger.domain.inspection import Inspection
from ledger.domain.values import SHREDDED
from ledger.domain.worker import Worker
from tests.conftest import FIXED_NOW
from tests.factories import a_world, broken_rules, register_worker
from tests.integration.test_rules_storage import an_inspection_with_violations

POLICIES = load_policies()
TODAY = FIXED_NOW.date()


def test_the_reason_code_is_kept_after_the_key_is_gone_and_the_note_is_readable(ledger: Ledger) -> None:
    worker_id = register_worker(ledger, a_world(ledger))

    ledger.shred_subject(
        worker_id, policy="erasure_request", reason_code="data_subject_request", note="verzoek per brief van 3 juni"
    )

    note_id = erasure_note_id_for(worker_id)
    worker = ledger.get(Worker, worker_id)
    shredded = list(ledger.events.get(worker_id))[-1]
    note = ledger.get(ErasureNote, note_id)
    assert worker.family_name is SHREDDED
    assert ledger.keys.data_key(worker_id) is None
    assert isinstance(shredded, Worker.PersonalDataShredded)
    assert shredded.reason_code == "data_subject_request"
    assert (note.subject_id, note.reason_code, note.written_on) == (worker_id, "data_subject_request", TODAY)
    assert note.text == "verzoek per brief van 3 juni"
    # One save: the note follows the worker's event in the log.
    (written,) = ledger.recorder.select_notifications(start=1, limit=1000, topics=[get_topic(ErasureNote.Written)])
    (recorded,) = ledger.recorder.select_notifications(
        start=1, limit=1000, topics=[get_topic(Worker.PersonalDataShredded)]
    )
    assert written.id > recorded.id


def test_an_erasure_without_a_note_writes_none(ledger: Ledger) -> None:
    worker_id = register_worker(ledger, a_world(ledger))

    ledger.shred_subject(worker_id, policy="erasure_request", reason_code="correction")

    assert ledger.recorder.select_notifications(start=1, limit=10, topics=[get_topic(ErasureNote.Written)]) == []
    assert ledger.keys.data_key(erasure_note_id_for(worker_id)) is None
    event = list(ledger.events.get(worker_id))[-1]
    assert isinstance(event, Worker.PersonalDataShredded)
    assert event.reason_code == "correction"


def test_the_note_is_shredded_by_the_retention_job_when_its_own_period_ends(ledger: Ledger) -> None:
    worker_id = register_worker(ledger, a_world(ledger))
    ledger.shred_subject(worker_id, policy="erasure_request", reason_code="court_order", note="uitspraak rechtbank")
    note_id = erasure_note_id_for(worker_id)
    due_on = date(2031, 6, 15)  # five years after the erasure

    before = due_subjects(ledger, ledger.database.engine, POLICIES, on=due_on - timedelta(days=1))
    run_retention(ledger, ledger.database.engine, POLICIES, on=due_on - timedelta(days=1))
    still = ledger.get(ErasureNote, note_id).text
    report = run_retention(ledger, ledger.database.engine, POLICIES, on=due_on)

    assert note_id not in {s.subject_id for s in before}
    assert still == "uitspraak rechtbank"
    assert [(s.subject_id, s.subject_type, s.policy, s.due_on) for s in report.shredded] == [
        (note_id, "erasure_note", "erasure_note", due_on)
    ]
    note = ledger.get(ErasureNote, note_id)
    assert (note.text, note.shredded, note.reason_code) == (SHREDDED, True, "court_order")
    assert ledger.keys.data_key(note_id) is None
    last = list(ledger.events.get(note_id))[-1]
    assert isinstance(last, ErasureNote.PersonalDataShredded)
    assert (last.policy, last.reason_code) == ("erasure_note", "retention")
    worker_event = [e for e in ledger.events.get(worker_id) if isinstance(e, Worker.PersonalDataShredded)]
    assert [e.reason_code for e in worker_event] == ["court_order"]


def test_the_retention_job_records_retention_as_the_reason(ledger: Ledger) -> None:
    world = a_world(ledger)
    inspection_id = an_inspection_with_violations(ledger, world, notes="negen bewoners")

    run_retention(ledger, ledger.database.engine, POLICIES, on=date(2036, 6, 10))

    event = list(ledger.events.get(inspection_id))[-1]
    assert isinstance(event, Inspection.PersonalDataShredded)
    assert (event.policy, event.reason_code) == ("inspection_notes", "retention")


def test_an_erasure_under_a_legal_hold_destroys_and_writes_nothing_and_works_once_lifted(ledger: Ledger) -> None:
    worker_id = register_worker(ledger, a_world(ledger))
    ledger.place_legal_hold(worker_id, case_reference="HH-2026-7", reason="onderzoek")
    before = ledger.recorder.max_notification_id()

    with pytest.raises(Conflict):
        ledger.shred_subject(worker_id, policy="erasure_request", reason_code="data_subject_request", note="verzoek")

    assert ledger.recorder.max_notification_id() == before
    assert ledger.keys.data_key(worker_id) is not None
    assert ledger.keys.data_key(erasure_note_id_for(worker_id)) is None
    ledger.lift_legal_hold(worker_id, case_reference="HH-2026-7")
    ledger.shred_subject(worker_id, policy="erasure_request", reason_code="data_subject_request", note="verzoek")
    assert ledger.get(Worker, worker_id).shredded
    assert ledger.get(ErasureNote, erasure_note_id_for(worker_id)).text == "verzoek"


def test_an_unknown_reason_code_or_a_too_long_note_destroys_nothing(ledger: Ledger) -> None:
    worker_id = register_worker(ledger, a_world(ledger))
    before = ledger.recorder.max_notification_id()

    with pytest.raises(RuleViolated) as unknown:
        ledger.shred_subject(worker_id, policy="erasure_request", reason_code="because")
    with pytest.raises(RuleViolated) as long:
        ledger.shred_subject(worker_id, policy="erasure_request", reason_code="other", note="x" * 2001)

    assert broken_rules(unknown.value) == {("reason_code", "invalid_choice")}
    assert broken_rules(long.value) == {("reason", "too_long")}
    assert ledger.keys.data_key(worker_id) is not None
    assert ledger.recorder.max_notification_id() == before


def test_a_repeated_erasure_writes_no_second_note(ledger: Ledger) -> None:
    worker_id = register_worker(ledger, a_world(ledger))
    ledger.shred_subject(worker_id, policy="erasure_request", reason_code="other", note="eerste")

    ledger.shred_subject(worker_id, policy="erasure_request", reason_code="other", note="tweede")

    assert ledger.get(ErasureNote, erasure_note_id_for(worker_id)).text == "eerste"
    shreddings = [e for e in ledger.events.get(worker_id) if isinstance(e, Worker.PersonalDataShredded)]
    assert len(shreddings) == 1
