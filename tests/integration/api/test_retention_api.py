"""GET /retention/due, the right-of-access export, and retention due dates on the worker."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

import pytest

from tests.conftest import Api
from tests.factories import World, a_world, register_worker


@pytest.fixture
def world(api: Api) -> World:
    return a_world(api.services.ledger)


def _ended_worker(api: Api, world: World, **person: object) -> tuple[UUID, int]:
    ledger = api.services.ledger
    worker = register_worker(ledger, world, **person)
    ledger.end_contract(worker, end_date=date(2026, 5, 1))
    receipt = ledger.record_departure(worker, departed_on=date(2026, 5, 1))
    return worker, receipt.position


def test_retention_due_lists_due_workers_with_their_holds(api: Api, world: World) -> None:
    due, _ = _ended_worker(api, world)
    held, position = _ended_worker(api, world)
    api.services.ledger.place_legal_hold(held, case_reference="HH-7", reason="onderzoek")
    last = api.services.ledger.record_population_registration(held, register="RNI", registered_on=date(2026, 4, 2))
    api.services.wait_for(last.position)

    answer = api.client.get("/api/v1/retention/due", params={"on": "2027-06-01"}, headers=api.auth("admin"))
    early = api.client.get("/api/v1/retention/due", params={"on": "2027-04-30"}, headers=api.auth("admin"))

    assert answer.status_code == 200, answer.text
    items = {item["subjectId"]: item for item in answer.json()["items"]}
    assert items[str(due)]["dueOn"] == "2027-05-01"
    assert items[str(due)]["policy"] == "worker_registration"
    assert items[str(held)]["legalHolds"] == ["HH-7"]
    assert early.json()["items"] == []
    assert position > 0


def test_retention_due_is_for_admins_only(api: Api, world: World) -> None:
    for role in ("registrar", "inspector", "auditor"):
        assert api.client.get("/api/v1/retention/due", headers=api.auth(role)).status_code == 403


def test_the_worker_shows_its_retention_due_date(api: Api, world: World) -> None:
    worker, position = _ended_worker(api, world)
    answer = api.client.get(
        f"/api/v1/workers/{worker}", params={"minPosition": position}, headers=api.auth("registrar")
    )
    assert answer.json()["retentionDueOn"] == "2027-05-01"


def test_the_export_holds_the_persons_events_and_processing_but_nobody_else(api: Api, world: World) -> None:
    worker, _ = _ended_worker(api, world, family_name="Exportowska")
    _, position = _ended_worker(api, world, family_name="Anderepersoon")
    api.client.get(f"/api/v1/workers/{worker}", params={"minPosition": position}, headers=api.auth("inspector"))

    answer = api.client.get(f"/api/v1/workers/{worker}/export", headers=api.auth("registrar"))

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["worker"]["person"]["familyName"] == "Exportowska"
    assert [e["type"] for e in body["events"]] == ["Worker.Registered", "Worker.ContractEnded", "Worker.Departed"]
    assert body["events"][0]["data"]["familyName"] == "Exportowska"
    assert {line["processingActivity"] for line in body["processing"]} >= {"PA-01-registration"}
    assert all("actor" not in line for line in body["processing"])
    text = json.dumps(body)
    assert "Anderepersoon" not in text
    assert "test-inspector" not in text


def test_the_export_of_a_shredded_worker_shows_nulls(api: Api, world: World) -> None:
    worker, _ = _ended_worker(api, world)
    receipt = api.services.ledger.shred_subject(worker, policy="erasure_request")

    answer = api.client.get(
        f"/api/v1/workers/{worker}/export", params={"minPosition": receipt.position}, headers=api.auth("admin")
    )

    registered = answer.json()["events"][0]
    assert registered["data"]["familyName"] is None
    assert registered["shredded"] is True
    assert "familyName" in registered["shreddedFields"]
    assert answer.json()["worker"]["shredded"] is True


def test_the_export_is_not_for_employers_or_inspectors(api: Api, world: World) -> None:
    worker, _ = _ended_worker(api, world)
    for role in ("employer", "inspector", "auditor"):
        headers = api.auth(role, kvk="12345678")
        assert api.client.get(f"/api/v1/workers/{worker}/export", headers=headers).status_code == 403


def test_the_embedded_server_schedules_the_nightly_retention_job(api: Api, world: World) -> None:
    scheduler = api.services.scheduler
    assert scheduler is not None and scheduler.running
    job = scheduler.get_job("retention")
    assert job is not None
    assert (job.next_run_time.hour, job.next_run_time.minute) == (2, 30)
