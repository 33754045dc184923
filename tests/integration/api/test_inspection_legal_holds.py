"""POST/DELETE /inspections/{id}/legal-holds, review dates on holds, and the holds due for review."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from ledger.audit.processing_log import Activity
from ledger.domain.inspection import Inspection
from tests.conftest import Api
from tests.factories import World, a_world, register_worker

INSPECTIONS = "/api/v1/inspections"
HOLD = {"caseReference": "HH-2026-0042", "reason": "beroep tegen de last onder dwangsom", "reviewOn": "2026-12-01"}


@pytest.fixture
def world(api: Api) -> World:
    return a_world(api.services.ledger)


@pytest.fixture
def inspection(api: Api, world: World) -> UUID:
    body = {
        "housingLocationId": str(world.location_id),
        "inspectedOn": "2026-06-10",
        "occupantsFound": 9,
        "findings": ["overcrowding"],
        "outcome": "violations",
        "notes": "matras in de keuken",
    }
    answer = api.client.post(INSPECTIONS, json=body, headers=api.auth("inspector"))
    assert answer.status_code == 201, answer.text
    return UUID(answer.json()["id"])


def stored(api: Api) -> int:
    return api.services.ledger.recorder.max_notification_id() or 0


def test_an_inspector_places_and_an_admin_lifts_a_hold_on_an_inspection(api: Api, inspection: UUID) -> None:
    placed = api.client.post(f"{INSPECTIONS}/{inspection}/legal-holds", json=HOLD, headers=api.auth("inspector"))
    held = api.services.ledger.get(Inspection, inspection).legal_holds
    lifted = api.client.delete(f"{INSPECTIONS}/{inspection}/legal-holds/HH-2026-0042", headers=api.auth("admin"))

    assert placed.status_code == 201, placed.text
    assert placed.json()["version"] == 2
    assert held == {"HH-2026-0042": "beroep tegen de last onder dwangsom"}
    assert lifted.status_code == 200, lifted.text
    assert lifted.json() == {"position": stored(api), "version": 3}
    assert api.services.ledger.get(Inspection, inspection).legal_holds == {}
    # The reason is personal data under the inspection's key: placing and lifting are lines in the processing log.
    lines = api.services.processing_log.lines(subject_id=inspection)
    assert [(line.processing_activity, line.operation) for line in lines] == [
        (Activity.ENFORCEMENT.value, "create"),
        (Activity.ENFORCEMENT.value, "update"),
        (Activity.ENFORCEMENT.value, "update"),
    ]


def test_the_same_hold_twice_on_an_inspection_is_409(api: Api, inspection: UUID) -> None:
    api.client.post(f"{INSPECTIONS}/{inspection}/legal-holds", json=HOLD, headers=api.auth("inspector"))
    before = stored(api)

    again = api.client.post(f"{INSPECTIONS}/{inspection}/legal-holds", json=HOLD, headers=api.auth("inspector"))

    assert again.status_code == 409
    assert stored(api) == before


def test_holds_of_an_unknown_inspection_or_case_are_404(api: Api, inspection: UUID) -> None:
    unknown = api.client.post(f"{INSPECTIONS}/{uuid4()}/legal-holds", json=HOLD, headers=api.auth("inspector"))
    no_case = api.client.delete(f"{INSPECTIONS}/{inspection}/legal-holds/HH-404", headers=api.auth("inspector"))

    assert (unknown.status_code, no_case.status_code) == (404, 404)


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"reviewOn": "2026-06-14"}, "reviewOn"),  # yesterday
        ({"reviewOn": "2027-06-16"}, "reviewOn"),  # more than a year ahead
        ({"caseReference": "case 42!"}, "caseReference"),
        ({"reason": " "}, "reason"),
    ],
)
def test_a_malformed_hold_on_an_inspection_is_400_naming_the_member_and_stores_nothing(
    api: Api, inspection: UUID, change: dict[str, Any], name: str
) -> None:
    before = stored(api)

    answer = api.client.post(
        f"{INSPECTIONS}/{inspection}/legal-holds", json=HOLD | change, headers=api.auth("inspector")
    )

    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in answer.json()["invalidParams"]] == [name]
    assert stored(api) == before


@pytest.mark.parametrize("role", ["employer", "registrar", "auditor"])
def test_only_inspectors_and_admins_hold_inspections(api: Api, inspection: UUID, role: str) -> None:
    headers = api.auth(role, kvk="34781256" if role == "employer" else None)

    placed = api.client.post(f"{INSPECTIONS}/{inspection}/legal-holds", json=HOLD, headers=headers)
    lifted = api.client.delete(f"{INSPECTIONS}/{inspection}/legal-holds/HH-2026-0042", headers=headers)

    assert (placed.status_code, lifted.status_code) == (403, 403)


def test_retention_due_lists_the_holds_due_for_review_apart(api: Api, world: World, inspection: UUID) -> None:
    worker = register_worker(api.services.ledger, world)
    hold = {"caseReference": "HH-W", "reason": "onderzoek"}  # no review date: today + 12 months
    assert api.client.post(f"/api/v1/workers/{worker}/legal-holds", json=hold, headers=api.auth("inspector")).is_success
    api.client.post(f"{INSPECTIONS}/{inspection}/legal-holds", json=HOLD, headers=api.auth("inspector"))

    def reviews(on: str) -> list[dict[str, Any]]:
        answer = api.client.get("/api/v1/retention/due", params={"on": on}, headers=api.auth("admin"))
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["holdsDueForReview"]
        # `placedOn` is the day the hold was recorded, by the real clock (the test fixes only "today").
        assert all(date.fromisoformat(item.pop("placedOn")) for item in items)
        return items

    assert reviews("2026-11-30") == []
    assert reviews("2027-06-15") == [
        {
            "subjectId": str(inspection),
            "subjectType": "inspection",
            "caseReference": "HH-2026-0042",
            "reviewOn": "2026-12-01",
        },
        {
            "subjectId": str(worker),
            "subjectType": "worker",
            "caseReference": "HH-W",
            "reviewOn": "2027-06-15",
        },
    ]
