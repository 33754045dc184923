"""The auditor's endpoints: the chain's verification and the event feed, for auditors and admins only.

Data is written through the ledger directly; the feed reads the event store,
so no waiting for the projections is needed (except before tampering, so that
no view is left to decode a tampered event).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from api.routers import audit
from ledger.application.service import Ledger
from ledger.audit.processing_log import Activity
from tests.conftest import Api
from tests.factories import a_world, register_worker

V1 = "/api/v1"


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def feed(api: Api, role: str = "auditor", *, sub: str | None = None, **params: Any) -> httpx.Response:
    answer: httpx.Response = api.client.get(f"{V1}/audit/events", params=params, headers=api.auth(role, sub=sub))
    return answer


def every_item(api: Api, limit: int) -> list[dict[str, Any]]:
    """Every event of the feed, page by page, following `next`."""
    items: list[dict[str, Any]] = []
    after: int | None = 0
    while after is not None:
        page = ok(feed(api, after=after, limit=limit))
        items += page["items"]
        after = page["next"]
    return items


def head(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


def test_the_chain_verifies_and_a_tampered_row_is_named(api: Api) -> None:
    ledger = api.services.ledger
    world = a_world(ledger)
    for name in ("Kowalska", "Nowak", "Popescu"):
        register_worker(ledger, world, family_name=name)
    api.services.wait_for(head(ledger))  # no view is left to decode the tampered event

    verification = ok(api.client.get(f"{V1}/audit/verification", headers=api.auth("auditor")))
    assert verification == {"ok": True, "checked": head(ledger), "firstBrokenPosition": None, "problem": None}

    table = str(ledger.recorder.events_table_name)  # type: ignore[attr-defined]
    position = "rowid" if ledger.settings.backend == "sqlite" else "notification_id"
    with ledger.database.engine.begin() as conn:
        state = bytes(conn.execute(text(f"SELECT state FROM {table} WHERE {position} = 4")).scalar_one())
        conn.execute(text(f"UPDATE {table} SET state = :s WHERE {position} = 4"), {"s": state.replace(b"0", b"1", 1)})

    broken = ok(api.client.get(f"{V1}/audit/verification", headers=api.auth("admin")))
    assert (broken["ok"], broken["checked"], broken["firstBrokenPosition"]) == (False, 3, 4)
    assert "differs" in broken["problem"]


def test_the_feed_pages_through_every_event_in_order(api: Api) -> None:
    ledger = api.services.ledger
    world = a_world(ledger)
    worker = register_worker(ledger, world)
    ledger.change_housing(worker, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))

    items = every_item(api, limit=2)

    assert [i["position"] for i in items] == list(range(1, head(ledger) + 1))
    assert set(items[0]) == {
        "position",
        "recordedAt",
        "aggregateId",
        "version",
        "type",
        "data",
        "shredded",
        "shreddedFields",
    }
    assert [i["type"] for i in items] == [
        "Employer.Registered",
        "HousingLocation.Registered",
        "HousingLocation.Registered",
        "Worker.Registered",
        "Worker.HousingAddressChanged",
    ]
    moved = items[-1]
    assert (moved["aggregateId"], moved["version"]) == (str(worker), 2)
    assert moved["recordedAt"].endswith("Z")
    assert moved["data"]["housingLocationId"] == str(world.other_location_id)
    assert moved["data"]["validFrom"] == "2026-05-01"
    assert ok(feed(api, after=head(ledger))) == {
        "items": [],
        "next": None,
        "personalData": "pseudonymised",
        "destroyOn": None,
    }


def test_a_page_is_clamped_to_the_largest_page(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    a_world(ledger := api.services.ledger)
    monkeypatch.setattr(audit, "MAX_LIMIT", 2)

    page = ok(feed(api, limit=1000))

    assert ([i["position"] for i in page["items"]], page["next"]) == ([1, 2], 2)
    assert ok(feed(api, after=2, limit=1000))["next"] is None
    assert head(ledger) == 3
    assert feed(api, limit=0).status_code == 400
    assert feed(api, after=-1).status_code == 400


def test_personal_fields_are_opened_for_a_reason_and_null_once_shredded(api: Api) -> None:
    ledger = api.services.ledger
    world = a_world(ledger)
    kept = register_worker(ledger, world, family_name="Kowalska")
    erased = register_worker(ledger, world, family_name="Nowak")
    ledger.shred_subject(erased, policy="erasure_request")

    page = ok(feed(api, limit=100, open="true", reason="accuracy_check"))
    registered = {i["aggregateId"]: i for i in page["items"] if i["type"] == "Worker.Registered"}

    opened = registered[str(kept)]
    assert (opened["data"]["familyName"], opened["data"]["givenNames"]) == ("Kowalska", "Anna Maria")
    assert (opened["shredded"], opened["shreddedFields"]) == (False, [])
    gone = registered[str(erased)]
    assert (gone["data"]["familyName"], gone["data"]["birthDate"]) == (None, None)
    assert gone["shredded"] is True
    assert {"familyName", "givenNames", "birthDate"} <= set(gone["shreddedFields"])
    assert gone["data"]["employerId"] == str(world.employer_id)  # what is not personal stays


@pytest.mark.parametrize("role", ["employer", "registrar", "inspector"])
def test_only_auditors_and_admins_read_the_audit_endpoints(api: Api, role: str) -> None:
    headers = api.auth(role, kvk="12345678")
    assert api.client.get(f"{V1}/audit/events", headers=headers).status_code == 403
    assert api.client.get(f"{V1}/audit/verification", headers=headers).status_code == 403


def test_an_opened_page_logs_one_line_per_subject_whose_personal_data_it_reveals(api: Api) -> None:
    ledger = api.services.ledger
    world = a_world(ledger)
    workers = [register_worker(ledger, world, family_name=n) for n in ("Kowalska", "Nowak", "Popescu")]
    ledger.shred_subject(workers[2], policy="erasure_request")
    inspection = ledger.record_inspection(
        housing_location_id=world.location_id,
        inspected_on=date(2026, 6, 10),
        occupants_found=3,
        findings=[],
        outcome="compliant",
        notes="Bewoners gesproken",
    ).id

    ok(feed(api, sub="auditor-7", limit=500, open="true", reason="incident_investigation"))

    lines = [line for line in api.services.processing_log.lines(actor="auditor-7")]
    assert {(line.processing_activity, line.operation) for line in lines} == {(Activity.AUDIT.value, "export")}
    # The shredded worker's data is not revealed; employers and locations are not data subjects.
    assert sorted(line.subject_id for line in lines) == sorted([*workers[:2], inspection])
    assert len(lines) == 3  # one per subject, however many of its events the page holds
