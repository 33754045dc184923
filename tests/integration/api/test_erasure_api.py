"""POST /workers/{id}/erasure with a reason code and a note: where each shows, and for how long."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from jobs.retention import run_retention
from ledger.application.retention import load_policies
from ledger.domain.erasure import erasure_note_id_for
from tests.conftest import Api
from tests.factories import a_bag_id, a_kvk_number, an_address
from tests.integration.api.test_workers_writes import WORKERS, Setting, register

NOTE = "Verzoek per brief van 3 juni, zaak AVG-2026-17"


@pytest.fixture
def worker(api: Api) -> UUID:
    ledger = api.services.ledger
    kvk = a_kvk_number()
    employer = ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(), kind="dwelling", max_occupants=4
    )
    return register(api, Setting(kvk=kvk, employer_id=employer.id, location_id=location.id))


def erase(api: Api, worker: UUID, body: dict[str, Any]) -> Any:
    return api.client.post(f"{WORKERS}/{worker}/erasure", json=body, headers=api.auth("admin"))


def events(api: Api, role: str = "auditor") -> list[dict[str, Any]]:
    # Opened: the note's text is what these tests read (an export for auditors is pseudonymised by default).
    params = {"limit": 500, "open": "true", "reason": "accuracy_check"}
    answer = api.client.get("/api/v1/audit/events", params=params, headers=api.auth(role))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_the_reason_code_shows_in_the_access_log_and_the_exports_after_the_key_is_gone(api: Api, worker: UUID) -> None:
    erased = erase(api, worker, {"reasonCode": "data_subject_request", "reason": NOTE})
    assert erased.status_code == 200, erased.text
    fresh = {"minPosition": erased.json()["position"]}

    log = api.client.get("/api/v1/audit/access-log", params={"subjectId": str(worker)}, headers=api.auth("auditor"))
    export = api.client.get(f"{WORKERS}/{worker}/export", params=fresh, headers=api.auth("registrar"))
    feed = [e for e in events(api) if e["aggregateId"] == str(worker)]

    assert api.services.ledger.keys.data_key(worker) is None
    assert log.status_code == 200, log.text
    deletions = [line for line in log.json()["items"] if line["operation"] == "delete"]
    assert [(d["processingActivity"], d["reasonCode"]) for d in deletions] == [
        ("PA-05-data-subject-rights", "data_subject_request")
    ]
    assert all(line["reasonCode"] is None for line in log.json()["items"] if line["operation"] != "delete")
    assert export.status_code == 200, export.text
    exported = export.json()
    assert exported["worker"]["person"]["familyName"] is None
    shredded = [e for e in exported["events"] if e["type"] == "Worker.PersonalDataShredded"]
    assert [e["data"]["reasonCode"] for e in shredded] == ["data_subject_request"]
    assert [p["reasonCode"] for p in exported["processing"] if p["operation"] == "delete"] == ["data_subject_request"]
    assert NOTE not in export.text  # the note is a staff record, not part of the person's export
    assert [e["data"]["reasonCode"] for e in feed if e["type"] == "Worker.PersonalDataShredded"] == [
        "data_subject_request"
    ]


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_the_note_is_readable_in_the_event_feed_until_its_retention_ends(api: Api, worker: UUID, role: str) -> None:
    assert erase(api, worker, {"reasonCode": "court_order", "reason": NOTE}).status_code == 200
    note = erasure_note_id_for(worker)

    (written,) = [e for e in events(api, role) if e["type"] == "ErasureNote.Written"]
    # Writing the note and opening it in the auditor's export are processings of the note, a subject of its own
    # (read before the retention runs below, which also purge the processing log of their time).
    logged = {(line.operation, line.processing_activity) for line in api.services.processing_log.lines(subject_id=note)}
    ledger = api.services.ledger
    run_retention(ledger, ledger.database.engine, load_policies(), on=date(2031, 6, 14))
    (kept,) = [e for e in events(api, role) if e["type"] == "ErasureNote.Written"]
    run_retention(ledger, ledger.database.engine, load_policies(), on=date(2031, 6, 15))
    (gone,) = [e for e in events(api, role) if e["type"] == "ErasureNote.Written"]

    assert written["aggregateId"] == str(note)
    assert written["data"] == {
        "subjectId": str(worker),
        "reasonCode": "court_order",
        "writtenOn": "2026-06-15",
        "text": NOTE,
    }
    assert (kept["data"]["text"], kept["shredded"]) == (NOTE, False)
    assert (gone["data"]["text"], gone["shredded"], gone["shreddedFields"]) == (None, True, ["text"])
    assert gone["data"]["reasonCode"] == "court_order"
    assert {("create", "PA-05-data-subject-rights"), ("export", "PA-04-audit")} <= logged


def test_an_erasure_without_a_note_needs_only_the_code(api: Api, worker: UUID) -> None:
    erased = erase(api, worker, {"reasonCode": "correction"})

    assert erased.status_code == 200, erased.text
    assert [e for e in events(api) if e["type"] == "ErasureNote.Written"] == []
    assert api.services.processing_log.lines(subject_id=erasure_note_id_for(worker)) == []


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({}, "reasonCode"),
        ({"reason": NOTE}, "reasonCode"),
        ({"reasonCode": "because"}, "reasonCode"),
        ({"reasonCode": None}, "reasonCode"),
        ({"reasonCode": "other", "reason": "x" * 2001}, "reason"),
    ],
)
def test_an_erasure_without_a_known_code_or_with_a_too_long_note_is_400_and_erases_nothing(
    api: Api, worker: UUID, body: dict[str, Any], name: str
) -> None:
    before = api.services.ledger.recorder.max_notification_id()

    answer = erase(api, worker, body)

    assert answer.status_code == 400, answer.text
    assert [p["name"] for p in answer.json()["invalidParams"]] == [name]
    assert api.services.ledger.keys.data_key(worker) is not None
    assert api.services.ledger.recorder.max_notification_id() == before


def test_an_erasure_under_a_legal_hold_is_409_and_writes_no_note(api: Api, worker: UUID) -> None:
    hold = {"caseReference": "HH-2026-0042", "reason": "overbewoning"}
    placed = api.client.post(f"{WORKERS}/{worker}/legal-holds", json=hold, headers=api.auth("inspector"))
    assert placed.status_code == 201, placed.text

    refused = erase(api, worker, {"reasonCode": "data_subject_request", "reason": NOTE})

    assert refused.status_code == 409, refused.text
    assert [e for e in events(api) if e["type"] == "ErasureNote.Written"] == []
    assert api.services.ledger.keys.data_key(erasure_note_id_for(worker)) is None
    assert api.services.ledger.keys.data_key(worker) is not None
