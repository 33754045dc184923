"""Who records BRP/RNI facts over HTTP (issue 16 §1): the municipality records, an employer only declares.

Only municipal roles (registrar, admin) record a BRP or RNI registration or a
deregistration; an employer reports a registration as declared (shown as such,
clearing nothing) and may flag temporary protection. docs/roles.md,
docs/domain-rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.conftest import Api
from tests.factories import a_bag_id, a_kvk_number, a_person, an_address, an_employment, valid_bsn

WORKERS = "/api/v1/workers"
IN_HOORN = {"bagId": "0405010000054321", "municipalityCode": "0405", "since": "2026-04-02"}
BRP = {"register": "BRP", "registeredOn": "2026-04-03", "address": IN_HOORN}


@dataclass(frozen=True)
class Hired:
    kvk: str
    worker_id: UUID


@pytest.fixture
def hired(api: Api) -> Hired:
    ledger = api.services.ledger
    kvk = a_kvk_number()
    employer = ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.")
    location = ledger.register_housing_location(bag_id=a_bag_id(), address=an_address(), kind="dwelling")
    worker = ledger.register_worker(
        employer_id=employer.id,
        person=a_person(),
        employment=an_employment(),
        housing_location_id=location.id,
        housing_valid_from=an_employment().start_date,
    )
    return Hired(kvk, worker.id)


def post(api: Api, hired: Hired, path: str, body: dict[str, Any], role: str) -> httpx.Response:
    kvk = hired.kvk if role == "employer" else None
    return api.client.post(f"{WORKERS}/{hired.worker_id}/{path}", json=body, headers=api.auth(role, kvk=kvk))


def stored(api: Api) -> int | None:
    return api.services.ledger.recorder.max_notification_id()


def invalid_names(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return [p["name"] for p in answer.json()["invalidParams"]]


def population_register(api: Api, hired: Hired, role: str = "registrar") -> Any:
    kvk = hired.kvk if role == "employer" else None
    answer = api.client.get(
        f"{WORKERS}/{hired.worker_id}", params={"minPosition": stored(api)}, headers=api.auth(role, kvk=kvk)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("population-registrations", BRP),
        ("population-registrations", {"register": "RNI", "registeredOn": "2026-04-03"}),
        ("population-deregistrations", {"deregisteredOn": "2026-06-01", "reason": "emigrated"}),
    ],
)
def test_an_employer_may_not_record_brp_or_rni_facts(api: Api, hired: Hired, path: str, body: dict[str, Any]) -> None:
    before = stored(api)

    answer = post(api, hired, path, body, "employer")

    assert answer.status_code == 403
    assert stored(api) == before


@pytest.mark.parametrize("role", ["registrar", "admin"])
def test_the_municipality_records_a_brp_registration_with_its_address(api: Api, hired: Hired, role: str) -> None:
    answer = post(api, hired, "population-registrations", {**BRP, "bsn": valid_bsn()}, role)

    assert answer.status_code == 201, answer.text
    shown = population_register(api, hired)["populationRegister"]
    assert {k: shown[k] for k in ("status", "register", "registeredOn", "municipalityCode", "addressSince")} == {
        "status": "registered",
        "register": "BRP",
        "registeredOn": "2026-04-03",
        "municipalityCode": "0405",
        "addressSince": "2026-04-02",
    }


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"register": "BRP", "registeredOn": "2026-04-03"}, "address"),
        ({"register": "RNI", "registeredOn": "2026-04-03", "address": IN_HOORN}, "address"),
        ({**BRP, "address": {**IN_HOORN, "bagId": "0405200000054321"}}, "address.bagId"),
        ({**BRP, "address": {**IN_HOORN, "municipalityCode": "GM0405"}}, "address.municipalityCode"),
        ({**BRP, "address": {**IN_HOORN, "since": "2026-07-01"}}, "address.since"),
    ],
)
def test_an_invalid_registration_is_400_naming_the_member_and_stores_nothing(
    api: Api, hired: Hired, body: dict[str, Any], name: str
) -> None:
    before = stored(api)

    assert invalid_names(post(api, hired, "population-registrations", body, "registrar")) == [name]
    assert stored(api) == before


def test_the_municipality_records_a_deregistration(api: Api, hired: Hired) -> None:
    assert post(api, hired, "population-registrations", BRP, "registrar").status_code == 201

    answer = post(
        api, hired, "population-deregistrations", {"deregisteredOn": "2026-06-01", "reason": "emigrated"}, "registrar"
    )

    assert answer.status_code == 201, answer.text
    shown = population_register(api, hired)["populationRegister"]
    assert (shown["status"], shown["deregisteredOn"], shown["deregistrationReason"]) == (
        "deregistered",
        "2026-06-01",
        "emigrated",
    )


def test_an_invalid_deregistration_reason_is_400(api: Api, hired: Hired) -> None:
    body = {"deregisteredOn": "2026-06-01", "reason": "moved"}

    assert invalid_names(post(api, hired, "population-deregistrations", body, "registrar")) == ["reason"]


def test_an_employer_declares_a_registration_which_is_shown_as_declared(api: Api, hired: Hired) -> None:
    answer = post(api, hired, "population-declarations", {"register": "BRP", "declaredOn": "2026-04-03"}, "employer")

    assert answer.status_code == 201, answer.text
    shown = population_register(api, hired, "employer")["populationRegister"]
    assert shown["status"] == "declared_by_employer"
    assert (shown["register"], shown["registeredOn"]) == (None, None)
    assert shown["declaration"] == {"register": "BRP", "declaredOn": "2026-04-03"}
    alerts = api.client.get(
        "/api/v1/alerts",
        params={"minPosition": stored(api), "kind": "no_brp_after_arrival"},
        headers=api.auth("registrar"),
    )
    assert alerts.status_code == 200, alerts.text
    assert str(hired.worker_id) in {a["subjectId"] for a in alerts.json()["items"]}


def test_a_bsn_in_an_employers_declaration_is_400_naming_it(api: Api, hired: Hired) -> None:
    before = stored(api)
    body = {"register": "BRP", "declaredOn": "2026-04-03", "bsn": valid_bsn()}

    assert invalid_names(post(api, hired, "population-declarations", body, "employer")) == ["bsn"]
    assert stored(api) == before


@pytest.mark.parametrize("role", ["employer", "registrar"])
def test_employers_and_the_municipality_flag_temporary_protection(api: Api, hired: Hired, role: str) -> None:
    answer = post(api, hired, "temporary-protections", {"validFrom": "2026-03-04"}, role)

    assert answer.status_code == 201, answer.text
    assert population_register(api, hired)["temporaryProtectionFrom"] == "2026-03-04"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("population-declarations", {"register": "BRP", "declaredOn": "2026-04-03"}),
        ("temporary-protections", {"validFrom": "2026-03-04"}),
    ],
)
@pytest.mark.parametrize("role", ["inspector", "auditor"])
def test_other_roles_may_not_declare_or_flag(
    api: Api, hired: Hired, path: str, body: dict[str, Any], role: str
) -> None:
    assert post(api, hired, path, body, role).status_code == 403


def test_another_employers_worker_is_404_for_a_declaration(api: Api, hired: Hired) -> None:
    other = a_kvk_number()
    api.services.ledger.register_employer(kvk_number=other, name="Ander Uitzendbureau B.V.")
    before = stored(api)

    answer = api.client.post(
        f"{WORKERS}/{hired.worker_id}/population-declarations",
        json={"register": "BRP", "declaredOn": "2026-04-03"},
        headers=api.auth("employer", kvk=other),
    )

    assert answer.status_code == 404
    assert stored(api) == before
