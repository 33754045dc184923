"""Issue 16 §2, who may record what: the BSN is the municipality's, commuters, transfers between employers.

On both backends, through the HTTP API. The eHerkenning assurance level an
employer's token must carry is tested with the other token rules
(`test_auth.py`); the domain rules behind these answers in `tests/unit`.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Api
from tests.factories import a_bag_id, a_kvk_number, an_address, valid_bsn
from tests.integration.api.test_workers_writes import WORKERS, Setting, a_worker_body, changed

MUNICIPAL_READERS = ["registrar", "inspector", "auditor", "admin"]


@pytest.fixture
def setting(api: Api) -> Setting:
    """An employer (its KvK number at hand) and a housing location, as in the other worker tests."""
    kvk = a_kvk_number()
    ledger = api.services.ledger
    employer = ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(), kind="dwelling", max_occupants=4
    )
    return Setting(kvk=kvk, employer_id=employer.id, location_id=location.id)


def created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def fresh(api: Api) -> dict[str, int]:
    """`minPosition` of every write so far: the read waits for the views to have seen them."""
    return {"minPosition": api.services.ledger.recorder.max_notification_id() or 0}


# -- the BSN: the municipality's, never shown to an employer ---------------------------------------------


def test_an_employer_reading_its_worker_gets_no_bsn_anywhere(api: Api, setting: Setting) -> None:
    bsn = valid_bsn()
    worker = created(
        api.client.post(WORKERS, json=changed(a_worker_body(setting), "person.bsn", bsn), headers=api.auth("registrar"))
    )["id"]
    employer = api.auth("employer", kvk=setting.kvk)

    one = api.client.get(f"{WORKERS}/{worker}", params=fresh(api), headers=employer)
    listed = api.client.get(WORKERS, params=fresh(api), headers=employer)
    found = api.client.post(f"{WORKERS}/_search", params=fresh(api), json={"familyName": "Kowalska"}, headers=employer)

    for answer in (one, listed, found):
        assert answer.status_code == 200, answer.text
        assert bsn not in answer.text
    assert one.json()["person"]["bsn"] is None
    assert one.json()["person"]["familyName"] == "Kowalska"  # the rest of the person is its employer's to see
    assert [item["id"] for item in listed.json()["items"]] == [worker]
    assert [item["id"] for item in found.json()["items"]] == [worker]


@pytest.mark.parametrize("role", MUNICIPAL_READERS)
def test_the_municipal_roles_read_the_bsn(api: Api, setting: Setting, role: str) -> None:
    bsn = valid_bsn()
    worker = created(
        api.client.post(WORKERS, json=changed(a_worker_body(setting), "person.bsn", bsn), headers=api.auth("registrar"))
    )["id"]

    answer = api.client.get(f"{WORKERS}/{worker}", params=fresh(api), headers=api.auth(role))

    assert answer.status_code == 200, answer.text
    assert answer.json()["person"]["bsn"] == bsn


def test_a_bsn_the_municipality_recorded_from_the_brp_is_not_shown_to_the_employer(api: Api, setting: Setting) -> None:
    bsn = valid_bsn()
    worker = created(api.client.post(WORKERS, json=a_worker_body(setting), headers=api.auth("registrar")))["id"]
    registration = {"register": "BRP", "registeredOn": "2026-04-03", "bsn": bsn}
    created(
        api.client.post(
            f"{WORKERS}/{worker}/population-registrations", json=registration, headers=api.auth("registrar")
        )
    )

    employer = api.client.get(f"{WORKERS}/{worker}", params=fresh(api), headers=api.auth("employer", kvk=setting.kvk))
    registrar = api.client.get(f"{WORKERS}/{worker}", params=fresh(api), headers=api.auth("registrar"))

    assert (employer.status_code, registrar.status_code) == (200, 200)
    assert bsn not in employer.text
    assert registrar.json()["person"]["bsn"] == bsn
