"""409 for the same person or the same address twice, and whom the existing one is named to."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.domain.employer import employer_id_for
from tests.conftest import Api
from tests.factories import a_bag_id, a_kvk_number, an_address
from tests.integration.api.test_workers_writes import WORKERS, Setting, a_worker_body

LOCATIONS = "/api/v1/housing-locations"


@pytest.fixture
def setting(api: Api) -> Setting:
    kvk = a_kvk_number()
    ledger = api.services.ledger
    employer = ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(), kind="dwelling", max_occupants=4
    )
    return Setting(kvk=kvk, employer_id=employer.id, location_id=location.id)


def same_person(setting: Setting, first: dict[str, Any], employer_id: Any = None) -> dict[str, Any]:
    """Another registration of the person in `first`: the document written otherwise, another name."""
    body = a_worker_body(setting, employerId=str(employer_id or setting.employer_id))
    document = first["person"]["idDocument"]
    spaced = " ".join(document["number"].lower())
    body["person"] = {**body["person"], "familyName": "Nowak", "idDocument": {**document, "number": spaced}}
    return body


@pytest.mark.parametrize("role", ["employer", "registrar", "admin"])
def test_the_same_person_again_is_409_naming_the_worker_to_its_employer_and_the_municipality(
    api: Api, setting: Setting, role: str
) -> None:
    first_body = a_worker_body(setting)
    first = api.client.post(WORKERS, json=first_body, headers=api.auth("registrar")).json()["id"]
    before = api.services.ledger.recorder.max_notification_id()
    again = api.client.post(WORKERS, json=same_person(setting, first_body), headers=api.auth(role, kvk=setting.kvk))

    assert again.status_code == 409, again.text
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["existingId"] == first
    assert first in again.json()["detail"]
    assert api.services.ledger.recorder.max_notification_id() == before


def test_another_employer_gets_a_409_that_names_no_one(api: Api, setting: Setting) -> None:
    other_kvk = a_kvk_number()
    api.services.ledger.register_employer(kvk_number=other_kvk, name="Ander Uitzendbureau B.V.")
    first_body = a_worker_body(setting)
    first = api.client.post(WORKERS, json=first_body, headers=api.auth("employer", kvk=setting.kvk)).json()["id"]

    again = api.client.post(
        WORKERS,
        json=same_person(setting, first_body, employer_id=employer_id_for(other_kvk)),
        headers=api.auth("employer", kvk=other_kvk),
    )

    assert again.status_code == 409, again.text
    assert "existingId" not in again.json()
    assert first not in again.text
    assert str(setting.employer_id) not in again.text


def test_the_same_person_after_the_contract_ended_is_registered_again(api: Api, setting: Setting) -> None:
    first_body = a_worker_body(setting)
    headers = api.auth("employer", kvk=setting.kvk)
    first = api.client.post(WORKERS, json=first_body, headers=headers).json()["id"]
    ended = api.client.post(f"{WORKERS}/{first}/contract-ends", json={"endDate": "2026-06-01"}, headers=headers)

    again = api.client.post(WORKERS, json=same_person(setting, first_body), headers=headers)

    assert ended.status_code == 201
    assert again.status_code == 201, again.text


def test_the_same_address_under_another_bag_id_is_409_naming_the_location(api: Api) -> None:
    body = {
        "bagId": a_bag_id(),
        "street": "Kerkstraat",
        "houseNumber": 5,
        "houseLetter": "a",
        "postcode": "1671 AB",
        "city": "Medemblik",
        "kind": "dwelling",
        "maxOccupants": 4,
    }
    first = api.client.post(LOCATIONS, json=body, headers=api.auth("registrar")).json()["id"]
    before = api.services.ledger.recorder.max_notification_id()

    again = api.client.post(
        LOCATIONS,
        json=body | {"bagId": a_bag_id(), "street": "KERKSTRAAT", "houseLetter": "A", "postcode": "1671ab"},
        headers=api.auth("employer", kvk=a_kvk_number()),
    )

    assert again.status_code == 409, again.text
    assert again.json()["existingId"] == first
    assert api.services.ledger.recorder.max_notification_id() == before
