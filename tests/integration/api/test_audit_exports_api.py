"""Exports for auditors hold no opened personal data by default; an opened one is logged with a destruction date.

The API's clock stands at 2026-06-15, so an export opened today is to be
destroyed by 2026-07-15 (`LEDGER_OPENED_EXPORT_DAYS`, 30).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx

from ledger.processing_log import Activity
from tests.conftest import Api
from tests.factories import a_brp_address, a_person, a_world, an_employment, register_worker, valid_bsn

V1 = "/api/v1"


def feed(api: Api, *, sub: str = "test-auditor", **params: Any) -> httpx.Response:
    answer: httpx.Response = api.client.get(
        f"{V1}/audit/events", params={"limit": 500, **params}, headers=api.auth("auditor", sub=sub)
    )
    return answer


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def invalid_names(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 400, answer.text
    return [p["name"] for p in answer.json()["invalidParams"]]


def test_the_feed_pseudonymises_personal_fields_by_default_and_opens_nothing(api: Api) -> None:
    ledger = api.services.ledger
    world = a_world(ledger)
    bsn = valid_bsn()
    first = ledger.register_worker(
        employer_id=world.employer_id,
        person=a_person(bsn=bsn),
        employment=an_employment(),
        housing_location_id=world.location_id,
        housing_valid_from=date(2026, 4, 1),
    ).id
    ledger.record_population_registration(
        first, register="BRP", registered_on=date(2026, 4, 3), bsn=bsn, address=a_brp_address()
    )
    second = register_worker(ledger, world)  # the same names as the first

    page = ok(feed(api, sub="auditor-3"))
    again = ok(feed(api))

    assert (page["personalData"], page["destroyOn"]) == ("pseudonymised", None)
    text = json.dumps(page)
    assert all(value not in text for value in ("Kowalska", "Anna Maria", "1994-03-14", bsn))
    registered = {i["aggregateId"]: i["data"] for i in page["items"] if i["type"] == "Worker.Registered"}
    one, other = registered[str(first)], registered[str(second)]
    assert one["familyName"].startswith("pseudonym:")
    assert one["familyName"] != other["familyName"]  # the same name of two people: not linkable
    (recorded,) = [i["data"] for i in page["items"] if i["type"] == "Worker.PopulationRegisterRecorded"]
    assert recorded["bsn"] == one["bsn"]  # the same value of one person: the same pseudonym
    assert (one["nationality"], one["employerId"]) == ("POL", str(world.employer_id))  # facts stay
    assert page["items"] == again["items"]  # stable: an archive made twice is the same archive
    assert api.services.processing_log.lines(actor="auditor-3") == []  # nothing was opened


def test_opening_the_feed_needs_a_known_reason(api: Api) -> None:
    register_worker(api.services.ledger, a_world(api.services.ledger))

    assert invalid_names(feed(api, open="true")) == ["reason"]
    assert invalid_names(feed(api, open="true", reason="curiosity")) == ["reason"]
    assert invalid_names(feed(api, reason="accuracy_check")) == ["reason"]
    assert api.services.processing_log.lines(actor="test-auditor") == []


def test_an_opened_feed_is_logged_with_its_reason_and_destruction_date(api: Api) -> None:
    ledger = api.services.ledger
    world = a_world(ledger)
    worker = register_worker(ledger, world, family_name="Exportowska")
    erased = register_worker(ledger, world)
    ledger.shred_subject(erased, policy="erasure_request")

    page = ok(feed(api, sub="auditor-9", open="true", reason="accuracy_check"))
    log = ok(api.client.get(f"{V1}/audit/access-log", params={"actor": "auditor-9"}, headers=api.auth("admin")))

    assert (page["personalData"], page["destroyOn"]) == ("opened", "2026-07-15")
    registered = {i["aggregateId"]: i["data"] for i in page["items"] if i["type"] == "Worker.Registered"}
    assert registered[str(worker)]["familyName"] == "Exportowska"
    lines = api.services.processing_log.lines(actor="auditor-9")
    assert [(line.subject_id, line.processing_activity, line.operation) for line in lines] == [
        (worker, Activity.AUDIT.value, "export")  # the shredded worker's data was not opened
    ]
    assert [(line.reason_code, line.destroy_on) for line in lines] == [("accuracy_check", date(2026, 7, 15))]
    assert [(i["operation"], i["reasonCode"], i["destroyOn"]) for i in log["items"]] == [
        ("export", "accuracy_check", "2026-07-15")
    ]


def test_the_persons_own_export_stays_opened_and_is_logged_as_an_export(api: Api) -> None:
    ledger = api.services.ledger
    worker = register_worker(ledger, a_world(ledger), family_name="Exportowska")
    head = ledger.recorder.max_notification_id()

    export = ok(
        api.client.get(
            f"{V1}/workers/{worker}/export", params={"minPosition": head}, headers=api.auth("registrar", sub="desk-1")
        )
    )

    assert export["events"][0]["data"]["familyName"] == "Exportowska"
    lines = api.services.processing_log.lines(actor="desk-1")
    assert [(line.subject_id, line.processing_activity, line.operation, line.destroy_on) for line in lines] == [
        (worker, Activity.DATA_SUBJECT_RIGHTS.value, "export", None)  # the person's own copy: no date of ours
    ]
