"""Issue 16 §2, who may record what: the BSN is the municipality's, commuters, transfers between employers.

On both backends, through the HTTP API. The eHerkenning assurance level an
employer's token must carry is tested with the other token rules
(`test_auth.py`); the domain rules behind these answers in `tests/unit`.
"""

from __future__ import annotations

import json
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


# -- territory: a worker who lives outside the municipality (a commuter) ------------------------------------------

V1 = "/api/v1"
OUTSIDE = {"outsideMunicipality": True, "validFrom": "2026-04-01"}


def no_housing_alerts(api: Api, role: str = "registrar", **params: Any) -> list[str]:
    answer = api.client.get(
        f"{V1}/alerts", params={"kind": "no_housing", **params, **fresh(api)}, headers=api.auth(role)
    )
    assert answer.status_code == 200, answer.text
    return [alert["subjectId"] for alert in answer.json()["items"]]


def a_worker(api: Api, setting: Setting, headers: dict[str, str] | None = None, **overrides: Any) -> str:
    answer = api.client.post(
        WORKERS, json=a_worker_body(setting, **overrides), headers=headers or api.auth("registrar")
    )
    return str(created(answer)["id"])


def read_worker(api: Api, worker: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    answer = api.client.get(f"{WORKERS}/{worker}", params=fresh(api), headers=headers or api.auth("registrar"))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def headcount(api: Api, on: str = "2026-06-15") -> int:
    answer = api.client.get(
        f"{V1}/headcounts", params={"groupBy": "housingLocation", "on": on, **fresh(api)}, headers=api.auth("registrar")
    )
    assert answer.status_code == 200, answer.text
    total: int = answer.json()["total"]
    return total


def test_an_employer_registers_a_commuter_who_raises_no_no_housing_and_counts_nowhere(
    api: Api, setting: Setting
) -> None:
    employer = api.auth("employer", kvk=setting.kvk)
    commuter = a_worker(api, setting, employer, housing=OUTSIDE)
    unhoused = a_worker(api, setting, employer, housing=None)

    shown = read_worker(api, commuter, employer)

    assert (shown["housingLocationId"], shown["outsideMunicipality"]) == (None, True)
    assert read_worker(api, unhoused)["outsideMunicipality"] is False
    assert no_housing_alerts(api) == [unhoused]  # the commuter's housing is known: outside the municipality
    assert headcount(api) == 0


def test_a_worker_who_moves_out_of_the_municipality_leaves_the_occupancy_and_raises_no_no_housing(
    api: Api, setting: Setting
) -> None:
    worker = a_worker(api, setting)
    move = {"type": "housing", "housingLocationId": None, "outsideMunicipality": True, "validFrom": "2026-06-01"}

    created(api.client.post(f"{WORKERS}/{worker}/address-changes", json=move, headers=api.auth("registrar")))

    occupancy = f"{V1}/housing-locations/{setting.location_id}/occupancy"
    before = api.client.get(occupancy, params={"on": "2026-05-15", **fresh(api)}, headers=api.auth("registrar"))
    after = api.client.get(occupancy, params={"on": "2026-06-15", **fresh(api)}, headers=api.auth("registrar"))
    assert (before.json()["headcount"], after.json()["headcount"]) == (1, 0)
    assert (headcount(api, "2026-05-15"), headcount(api, "2026-06-15")) == (1, 0)
    shown = read_worker(api, worker)
    assert (shown["housingLocationId"], shown["outsideMunicipality"], shown["status"]) == (None, True, "active")
    assert no_housing_alerts(api) == []


def test_no_housing_after_living_outside_counts_from_the_end_of_it(api: Api, setting: Setting) -> None:
    worker = a_worker(api, setting, housing=OUTSIDE)
    nowhere = {"type": "housing", "housingLocationId": None, "validFrom": "2026-06-01"}
    created(api.client.post(f"{WORKERS}/{worker}/address-changes", json=nowhere, headers=api.auth("registrar")))

    answer = api.client.get(f"{V1}/alerts", params={"kind": "no_housing", **fresh(api)}, headers=api.auth("registrar"))

    assert [(a["subjectId"], a["since"]) for a in answer.json()["items"]] == [(worker, "2026-06-01")]
    assert read_worker(api, worker)["outsideMunicipality"] is False


@pytest.mark.parametrize(
    ("path", "body", "name"),
    [
        (
            "",
            {"housing": {"housingLocationId": "<location>", "outsideMunicipality": True, "validFrom": "2026-04-01"}},
            "housing.housingLocationId",
        ),
        ("", {"housing": {"validFrom": "2026-04-01"}}, "housing.housingLocationId"),
        ("", {"housing": {"outsideMunicipality": True}}, "housing.validFrom"),
        ("", {"housing": {"outsideMunicipality": "yes", "validFrom": "2026-04-01"}}, "housing.outsideMunicipality"),
        (
            "/address-changes",
            {
                "type": "housing",
                "housingLocationId": "<location>",
                "outsideMunicipality": True,
                "validFrom": "2026-06-01",
            },
            "housingLocationId",
        ),
    ],
)
def test_outside_the_municipality_with_a_location_or_without_a_date_is_400_naming_it_and_stores_nothing(
    api: Api, setting: Setting, path: str, body: dict[str, Any], name: str
) -> None:
    text = json.dumps(body).replace("<location>", str(setting.location_id))
    target = WORKERS
    if path:
        target = f"{WORKERS}/{a_worker(api, setting)}{path}"
        request = json.loads(text)
    else:
        request = a_worker_body(setting) | json.loads(text)
    before = api.services.ledger.recorder.max_notification_id()

    answer = api.client.post(target, json=request, headers=api.auth("registrar"))

    assert answer.status_code == 400, answer.text
    assert [p["name"] for p in answer.json()["invalidParams"]] == [name]
    assert api.services.ledger.recorder.max_notification_id() == before
