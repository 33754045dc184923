"""Erasure reasons: the code on every shredding event, the note as a subject of its own, old events upcast."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from ledger.domain.erasure import (
    ErasureNote,
    ErasureReason,
    checked_erasure,
    erasure_note_id_for,
    upcast_shredding_v1_v2,
)
from ledger.domain.errors import RuleViolated
from ledger.domain.inspection import Inspection
from ledger.domain.personal import personal_fields_of
from ledger.domain.worker import Worker
from tests.factories import TODAY, a_worker, an_inspection, broken_rules


def test_the_reason_codes_are_the_five_decided() -> None:
    assert [r.value for r in ErasureReason] == [
        "data_subject_request",
        "retention",
        "court_order",
        "correction",
        "other",
    ]


def test_a_workers_shredding_records_its_reason_code() -> None:
    worker = a_worker()
    worker.collect_events()

    worker.record_shredding("erasure_request", None, ErasureReason.COURT_ORDER)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.PersonalDataShredded)
    assert (event.policy, event.reason_code) == ("erasure_request", "court_order")
    assert "reason_code" not in personal_fields_of(event)


def test_an_inspections_shredding_records_its_reason_code() -> None:
    inspection = an_inspection(notes="negen bewoners")
    inspection.collect_events()

    inspection.record_shredding("inspection_notes", date(2031, 6, 10), ErasureReason.RETENTION)

    (event,) = inspection.collect_events()
    assert isinstance(event, Inspection.PersonalDataShredded)
    assert event.reason_code == "retention"


def test_a_note_is_a_subject_of_its_own_with_its_text_personal() -> None:
    subject = uuid4()

    note = ErasureNote.write(subject_id=subject, reason_code="data_subject_request", text=" per brief ", today=TODAY)

    (event,) = note.collect_events()
    assert isinstance(event, ErasureNote.Written)
    assert note.id == erasure_note_id_for(subject) != subject
    assert (event.subject_id, event.reason_code, event.written_on, event.text) == (
        subject,
        "data_subject_request",
        TODAY,
        "per brief",
    )
    assert personal_fields_of(event) == ("text",)


def test_a_subject_has_one_note_id_always_the_same() -> None:
    subject = uuid4()
    assert erasure_note_id_for(subject) == erasure_note_id_for(subject) != erasure_note_id_for(uuid4())


@pytest.mark.parametrize(
    ("code", "text", "broken"),
    [
        ("because", None, {("reason_code", "invalid_choice")}),
        ("", None, {("reason_code", "invalid_choice")}),
        ("other", "x" * 2001, {("reason", "too_long")}),
        ("nope", "x" * 2001, {("reason_code", "invalid_choice"), ("reason", "too_long")}),
    ],
)
def test_an_unknown_code_or_a_too_long_text_is_refused(code: str, text: str | None, broken: set[Any]) -> None:
    with pytest.raises(RuleViolated) as refused:
        checked_erasure(code, text)
    assert broken_rules(refused.value) == broken


def test_an_empty_text_is_no_note() -> None:
    assert checked_erasure("correction", "   ") == (ErasureReason.CORRECTION, None)


@pytest.mark.parametrize(
    ("policy", "code"),
    [
        ("erasure_request", None),
        ("worker_registration", "retention"),
        ("inspection_notes", "retention"),
        ("sanction_enforcement", "retention"),
    ],
)
def test_a_shredding_stored_before_reason_codes_reads_the_code_it_would_have_had(policy: str, code: str | None) -> None:
    state: dict[str, Any] = {"policy": policy, "due_on": None}
    upcast_shredding_v1_v2(state)
    assert state == {"policy": policy, "due_on": None, "reason_code": code}
