"""Issue 16 §2, who may record what: the BSN is the municipality's, commuters, transfers between employers.

On both backends, through the HTTP API. The eHerkenning assurance level an
employer's token must carry is tested with the other token rules
(`test_auth.py`); the domain rules behind these answers in `tests/unit`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
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
    registration = {
        "register": "BRP",
        "registeredOn": "2026-04-03",
        "bsn": bsn,
        "address": {"bagId": "0420010000000001", "municipalityCode": "0420", "since": "2026-04-01"},
    }
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


def no_housing_alerts(api: Api, role: str = "registrar", kvk: str | None = None) -> list[str]:
    answer = api.client.get(
        f"{V1}/alerts", params={"kind": "no_housing", **fresh(api)}, headers=api.auth(role, kvk=kvk)
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


# -- transfers: one person, one worker, whoever employs it ------------------------------------------------------


@pytest.fixture
def agencies(api: Api, setting: Setting) -> tuple[Setting, Setting]:
    """The setting's employer, and a second agency (its own KvK number) sharing the housing location."""
    kvk = a_kvk_number()
    other = api.services.ledger.register_employer(kvk_number=kvk, name="Uitzendbureau Opmeer B.V.")
    return setting, Setting(kvk=kvk, employer_id=other.id, location_id=setting.location_id)


def transfer(
    api: Api, worker: str, to: Setting, valid_from: str = "2026-06-01", role: str = "registrar"
) -> httpx.Response:
    body = {"employerId": str(to.employer_id), "validFrom": valid_from}
    return api.client.post(f"{WORKERS}/{worker}/transfers", json=body, headers=api.auth(role))


def test_a_registrar_transfers_a_worker_whom_the_new_employer_could_not_register_again(
    api: Api, agencies: tuple[Setting, Setting]
) -> None:
    old, new = agencies
    body = a_worker_body(old)
    worker = str(created(api.client.post(WORKERS, json=body, headers=api.auth("employer", kvk=old.kvk)))["id"])
    again = a_worker_body(new, person=body["person"])  # the same person, the same identity document
    old_employer, new_employer = api.auth("employer", kvk=old.kvk), api.auth("employer", kvk=new.kvk)

    refused = api.client.post(WORKERS, json=again, headers=new_employer)
    assert refused.status_code == 409, refused.text
    assert "existingId" not in refused.json()  # another employer's worker: not named to it

    moved = transfer(api, worker, new)
    assert moved.status_code == 201, moved.text
    assert set(moved.json()) == {"position", "version"}

    assert read_worker(api, worker, new_employer)["employerId"] == str(new.employer_id)
    assert api.client.get(f"{WORKERS}/{worker}", params=fresh(api), headers=old_employer).status_code == 404
    change = {"type": "housing", "housingLocationId": None, "validFrom": "2026-06-10"}
    assert api.client.post(f"{WORKERS}/{worker}/address-changes", json=change, headers=old_employer).status_code == 404
    assert api.client.post(f"{WORKERS}/{worker}/address-changes", json=change, headers=new_employer).status_code == 201
    listed = {
        who: [w["id"] for w in api.client.get(WORKERS, params=fresh(api), headers=headers).json()["items"]]
        for who, headers in (("old", old_employer), ("new", new_employer))
    }
    assert listed == {"old": [], "new": [worker]}
    named = api.client.post(WORKERS, json=again, headers=new_employer)
    assert (named.status_code, named.json().get("existingId")) == (409, worker)  # now its own worker


def headcounts_by_employer(api: Api, on: str, **params: Any) -> dict[str, int]:
    answer = api.client.get(
        f"{V1}/headcounts",
        params={"groupBy": "employer", "on": on, **params, **fresh(api)},
        headers=api.auth("registrar"),
    )
    assert answer.status_code == 200, answer.text
    return {group["key"]: group["headcount"] for group in answer.json()["groups"]}


def test_headcounts_per_employer_count_the_employer_of_that_day_as_known_then(
    api: Api, agencies: tuple[Setting, Setting]
) -> None:
    old, new = agencies
    worker = a_worker(api, old)
    before_the_transfer = datetime.now(UTC).isoformat()

    created(transfer(api, worker, new))

    assert headcounts_by_employer(api, "2026-05-15") == {str(old.employer_id): 1}
    assert headcounts_by_employer(api, "2026-06-15") == {str(new.employer_id): 1}
    assert headcounts_by_employer(api, "2026-06-15", asKnownAt=before_the_transfer) == {str(old.employer_id): 1}
    by_the_old = api.client.get(
        f"{V1}/headcounts",
        params={"groupBy": "housingLocation", "on": "2026-06-15", **fresh(api)},
        headers=api.auth("employer", kvk=old.kvk),
    )
    assert by_the_old.json()["total"] == 0


def test_alerts_and_occupants_follow_the_worker_to_its_new_employer(
    api: Api, agencies: tuple[Setting, Setting]
) -> None:
    old, new = agencies
    unhoused = a_worker(api, old, housing=None)
    housed = a_worker(api, old)

    created(transfer(api, unhoused, new))
    created(transfer(api, housed, new))

    alerts = api.client.get(f"{V1}/alerts", params={"kind": "no_housing", **fresh(api)}, headers=api.auth("registrar"))
    assert [(a["subjectId"], a["employerId"]) for a in alerts.json()["items"]] == [(unhoused, str(new.employer_id))]
    assert no_housing_alerts(api, "employer", kvk=old.kvk) == []
    assert no_housing_alerts(api, "employer", kvk=new.kvk) == [unhoused]
    occupancy = f"{V1}/housing-locations/{old.location_id}/occupancy"
    residents = f"{V1}/housing-locations/{old.location_id}/residents"
    for who, expected in ((old, []), (new, [housed])):
        employer = api.auth("employer", kvk=who.kvk)
        # Before the transfer too: a former employer sees nothing of the worker any more.
        seen = api.client.get(occupancy, params={"on": "2026-05-15", **fresh(api)}, headers=employer).json()
        lived = api.client.get(
            residents, params={"from": "2026-04-01", "to": "2026-06-15", **fresh(api)}, headers=employer
        )
        assert ([o["workerId"] for o in seen["occupants"]], seen["headcount"]) == (expected, 1)
        assert [r["workerId"] for r in lived.json()["residents"]] == expected


@pytest.mark.parametrize("role", ["employer", "inspector", "auditor"])
def test_only_the_municipality_transfers_a_worker(api: Api, agencies: tuple[Setting, Setting], role: str) -> None:
    old, new = agencies
    worker = a_worker(api, old)
    answer = api.client.post(
        f"{WORKERS}/{worker}/transfers",
        json={"employerId": str(new.employer_id), "validFrom": "2026-06-01"},
        headers=api.auth(role, kvk=old.kvk if role == "employer" else None),
    )
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"employerId": "3e7d9a2c-5b1f-4e6a-8c0d-2f4b6a8c1e39", "validFrom": "2026-06-01"}, "employerId"),
        ({"employerId": "<new>", "validFrom": "2026-03-31"}, "validFrom"),  # before the employment started
        ({"employerId": "<new>", "validFrom": "2026-06-16"}, "validFrom"),  # after today
        ({"employerId": "<new>"}, "validFrom"),
        ({"validFrom": "2026-06-01"}, "employerId"),
    ],
)
def test_a_bad_transfer_is_400_naming_the_member_and_stores_nothing(
    api: Api, agencies: tuple[Setting, Setting], body: dict[str, str], name: str
) -> None:
    old, new = agencies
    worker = a_worker(api, old)
    request = {k: v.replace("<new>", str(new.employer_id)) for k, v in body.items()}
    before = api.services.ledger.recorder.max_notification_id()

    answer = api.client.post(f"{WORKERS}/{worker}/transfers", json=request, headers=api.auth("registrar"))

    assert answer.status_code == 400, answer.text
    assert [p["name"] for p in answer.json()["invalidParams"]] == [name]
    assert api.services.ledger.recorder.max_notification_id() == before


def test_an_ended_registration_is_not_transferred_but_registered_anew(
    api: Api, agencies: tuple[Setting, Setting]
) -> None:
    old, new = agencies
    worker = a_worker(api, old)
    created(
        api.client.post(
            f"{WORKERS}/{worker}/contract-ends", json={"endDate": "2026-05-31"}, headers=api.auth("registrar")
        )
    )

    answer = transfer(api, worker, new)

    assert answer.status_code == 409, answer.text
    assert "anew" in answer.json()["detail"]
