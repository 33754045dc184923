"""The worker writes: POST /api/v1/workers and the changes under /api/v1/workers/{id}/…."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from httpx import Response

from ledger.audit.processing_log import Activity
from ledger.domain.employer import employer_id_for
from ledger.domain.inspection import Inspection
from ledger.domain.worker import Worker
from tests.conftest import Api
from tests.factories import a_bag_id, a_document_number, a_kvk_number, an_address, valid_bsn

WORKERS = "/api/v1/workers"
BRP_ADDRESS = {"bagId": "0420010000000001", "municipalityCode": "0420", "since": "2026-04-01"}


@dataclass(frozen=True)
class Setting:
    """An employer with a housing location, registered in the API's ledger."""

    kvk: str
    employer_id: UUID
    location_id: UUID


@pytest.fixture
def setting(api: Api) -> Setting:
    return a_setting(api)


@pytest.fixture(scope="module")
def shared_setting(shared_api: Api) -> Setting:
    """A setting in the module's shared app, for the tests of refusals (see `shared_api`)."""
    return a_setting(shared_api)


def a_setting(api: Api) -> Setting:
    kvk = a_kvk_number()
    ledger = api.services.ledger
    employer = ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(), kind="dwelling", max_occupants=4
    )
    return Setting(kvk=kvk, employer_id=employer.id, location_id=location.id)


def a_worker_body(setting: Setting, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "employerId": str(setting.employer_id),
        "person": {
            "familyName": "Kowalska",
            "givenNames": "Anna Maria",
            "birthDate": "1994-03-14",
            "nationality": "POL",
            "idDocument": {"type": "passport", "number": a_document_number(), "expiresOn": "2030-05-01"},
        },
        "employment": {
            "startDate": "2026-04-01",
            "expectedEndDate": "2026-10-31",
            "workAddress": {"street": "Handelsweg", "houseNumber": 3, "postcode": "1687 AA", "city": "Wognum"},
        },
        "housing": {"housingLocationId": str(setting.location_id), "validFrom": "2026-04-01"},
    }
    return body | overrides


def changed(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `body` with the member at the dotted `path` set (or removed, for `...`)."""
    result = copy.deepcopy(body)
    *parents, leaf = path.split(".")
    node = result
    for part in parents:
        node = node[part]
    if value is ...:
        del node[leaf]
    else:
        node[leaf] = value
    return result


def register(api: Api, setting: Setting) -> UUID:
    answer = api.client.post(WORKERS, json=a_worker_body(setting), headers=api.auth("registrar"))
    assert answer.status_code == 201, answer.text
    return UUID(answer.json()["id"])


@pytest.fixture
def worker(api: Api, setting: Setting) -> UUID:
    return register(api, setting)


@pytest.fixture(scope="module")
def shared_worker(shared_api: Api, shared_setting: Setting) -> UUID:
    """A worker in the module's shared app, for the tests of refusals (see `shared_api`)."""
    return register(shared_api, shared_setting)


def stored(api: Api) -> int | None:
    return api.services.ledger.recorder.max_notification_id()


def invalid_names(answer: Response) -> list[str]:
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return [p["name"] for p in answer.json()["invalidParams"]]


# Each write to an existing worker (all POST): its path under the worker and a valid body.
CHANGES: dict[str, tuple[str, dict[str, Any]]] = {
    "housing change": (
        "address-changes",
        {"type": "housing", "housingLocationId": None, "validFrom": "2026-06-01"},
    ),
    "work address change": (
        "address-changes",
        {
            "type": "work",
            "workAddress": {"street": "Veilingweg", "houseNumber": 1, "postcode": "1671 GZ", "city": "Medemblik"},
            "validFrom": "2026-06-01",
        },
    ),
    "contract end": ("contract-ends", {"endDate": "2026-07-31", "reason": "season over"}),
    "departure": ("departures", {"departedOn": "2026-06-10"}),
    "population registration": (
        "population-registrations",
        {"register": "RNI", "registeredOn": "2026-04-03", "bsn": valid_bsn(123456)},
    ),
    "legal hold": ("legal-holds", {"caseReference": "HH-2026-0042", "reason": "overcrowding case"}),
    "erasure": ("erasure", {"reasonCode": "data_subject_request", "reason": "AVG article 17 request"}),
    "confirmation": ("confirmations", {"confirmedOn": "2026-06-15", "expectedEndDate": "2027-03-31"}),
}
REGISTRANT_CHANGES = ["housing change", "work address change", "contract end", "departure", "confirmation"]
# Only the municipality records BRP/RNI facts (tests/integration/api/test_population_register_api.py).
MUNICIPAL_CHANGES = ["population registration"]


def change(api: Api, worker_id: UUID, name: str, headers: dict[str, str]) -> Response:
    path, body = CHANGES[name]
    return api.client.post(f"{WORKERS}/{worker_id}/{path}", json=body, headers=headers)


# -- registration -----------------------------------------------------------------


def test_employer_registers_its_own_worker(api: Api, setting: Setting) -> None:
    answer = api.client.post(WORKERS, json=a_worker_body(setting), headers=api.auth("employer", kvk=setting.kvk))
    assert answer.status_code == 201, answer.text
    assert set(answer.json()) == {"id", "position"}
    assert answer.json()["position"] == stored(api)


def test_registrar_registers_a_worker_with_a_bsn_and_without_housing(api: Api, setting: Setting) -> None:
    body = changed(a_worker_body(setting), "person.bsn", valid_bsn())
    del body["housing"]
    answer = api.client.post(WORKERS, json=body, headers=api.auth("registrar"))
    assert answer.status_code == 201, answer.text
    worker = api.services.ledger.get(Worker, UUID(answer.json()["id"]))
    assert worker.bsn == body["person"]["bsn"]
    assert worker.housing_on(date(2026, 6, 15)) is None


def test_registration_is_in_the_processing_log(api: Api, setting: Setting) -> None:
    worker_id = register(api, setting)
    [line] = api.services.processing_log.lines(subject_id=worker_id)
    assert (line.actor, line.processing_activity, line.operation, line.outcome) == (
        "test-registrar",
        Activity.REGISTRATION.value,
        "create",
        "OK",
    )


@pytest.mark.parametrize(
    ("path", "value", "name"),
    [
        ("person.birthDate", "2027-01-01", "person.birthDate"),
        ("person.birthDate", "14-03-1994", "person.birthDate"),
        ("person.birthDate", 763603200, "person.birthDate"),
        ("person.birthDate", "2015-01-01", "person.birthDate"),
        ("person.familyName", ..., "person.familyName"),
        ("person.familyName", "  ", "person.familyName"),
        ("person.nationality", "XXX", "person.nationality"),
        ("person.bsn", "123456789", "person.bsn"),
        ("person.nickname", "Ania", "person.nickname"),
        ("person.idDocument.type", "driving_licence", "person.idDocument.type"),
        ("person.idDocument.number", "E-1", "person.idDocument.number"),
        ("person.idDocument.expiresOn", "2026-01-01", "person.idDocument.expiresOn"),
        ("employment.expectedEndDate", "2026-01-01", "employment.expectedEndDate"),
        ("employment.startDate", "2027-07-01", "employment.startDate,employment.expectedEndDate"),
        ("employment.workAddress.postcode", "0123 AB", "employment.workAddress.postcode"),
        ("employment.workAddress.houseNumber", "3", "employment.workAddress.houseNumber"),
        ("employment.workAddress.street", ..., "employment.workAddress.street"),
        ("housing.validFrom", ..., "housing.validFrom"),
        ("housing.housingLocationId", "6f0c2b1e-8d4a-4c3b-9e2f-1a5b7c9d0e21", "housing.housingLocationId"),
        ("employerId", "3e7d9a2c-5b1f-4e6a-8c0d-2f4b6a8c1e39", "employerId"),
        ("employerId", "not-a-uuid", "employerId"),
        ("salary", 1, "salary"),
    ],
)
def test_invalid_registration_is_400_naming_the_member_and_stores_nothing(
    shared_api: Api, shared_setting: Setting, path: str, value: Any, name: str
) -> None:
    before = stored(shared_api)
    answer = shared_api.client.post(
        WORKERS, json=changed(a_worker_body(shared_setting), path, value), headers=shared_api.auth("registrar")
    )
    assert invalid_names(answer) == name.split(",")
    assert stored(shared_api) == before


@pytest.mark.parametrize(
    ("nationality", "document_type"), [("UKR", "passport"), ("UKR", "residence_document"), ("NOR", "id_card")]
)
def test_a_document_valid_for_the_nationality_is_accepted(
    api: Api, setting: Setting, nationality: str, document_type: str
) -> None:
    body = changed(a_worker_body(setting), "person.nationality", nationality)
    body = changed(body, "person.idDocument.type", document_type)
    answer = api.client.post(WORKERS, json=body, headers=api.auth("registrar"))
    assert answer.status_code == 201, answer.text
    worker = api.services.ledger.get(Worker, UUID(answer.json()["id"]))
    assert worker.id_document_type == document_type


def test_an_id_card_of_a_non_eea_national_is_400_naming_the_document_type(api: Api, setting: Setting) -> None:
    before = stored(api)
    body = changed(a_worker_body(setting), "person.nationality", "UKR")
    body = changed(body, "person.idDocument.type", "id_card")
    answer = api.client.post(WORKERS, json=body, headers=api.auth("employer", kvk=setting.kvk))
    assert invalid_names(answer) == ["person.idDocument.type"]
    assert stored(api) == before


def test_an_employer_sending_a_bsn_is_400_naming_the_bsn_and_stores_nothing(api: Api, setting: Setting) -> None:
    before = stored(api)
    body = changed(a_worker_body(setting), "person.bsn", valid_bsn())
    answer = api.client.post(WORKERS, json=body, headers=api.auth("employer", kvk=setting.kvk))
    assert invalid_names(answer) == ["person.bsn"]
    assert stored(api) == before


def test_a_bsn_the_registrar_recorded_is_readable_by_the_registrar(api: Api, setting: Setting) -> None:
    body = changed(a_worker_body(setting), "person.bsn", valid_bsn())
    answer = api.client.post(WORKERS, json=body, headers=api.auth("registrar"))
    assert answer.status_code == 201, answer.text
    fresh = {"minPosition": answer.json()["position"]}
    read = api.client.get(f"{WORKERS}/{answer.json()['id']}", params=fresh, headers=api.auth("registrar"))
    assert read.status_code == 200, read.text
    assert read.json()["person"]["bsn"] == body["person"]["bsn"]


def test_malformed_json_is_400_and_stores_nothing(api: Api) -> None:
    before = stored(api)
    headers = {**api.auth("registrar"), "Content-Type": "application/json"}
    answer = api.client.post(WORKERS, content=b'{"employerId": ', headers=headers)
    assert answer.status_code == 400
    assert answer.json()["invalidParams"]
    assert stored(api) == before


def test_employer_registering_under_another_employer_is_404_and_stores_nothing(api: Api, setting: Setting) -> None:
    other_kvk = a_kvk_number()
    api.services.ledger.register_employer(kvk_number=other_kvk, name="Ander Uitzendbureau B.V.")
    before = stored(api)
    body = a_worker_body(setting, employerId=str(employer_id_for(other_kvk)))
    answer = api.client.post(WORKERS, json=body, headers=api.auth("employer", kvk=setting.kvk))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert stored(api) == before


# -- changes --------------------------------------------------------------------------


@pytest.mark.parametrize("name", REGISTRANT_CHANGES)
def test_employer_changes_its_own_worker(api: Api, setting: Setting, worker: UUID, name: str) -> None:
    answer = change(api, worker, name, api.auth("employer", kvk=setting.kvk))
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"position": stored(api), "version": 2}


def test_a_worker_is_housed_elsewhere_and_then_nowhere(api: Api, setting: Setting, worker: UUID) -> None:
    other = api.services.ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Kerkstraat"), kind="short_stay_facility", max_occupants=20
    )
    url = f"{WORKERS}/{worker}/address-changes"
    moved = {"type": "housing", "housingLocationId": str(other.id), "validFrom": "2026-05-01"}
    gone = {"type": "housing", "housingLocationId": None, "validFrom": "2026-06-01"}
    assert api.client.post(url, json=moved, headers=api.auth("registrar")).status_code == 201
    assert api.client.post(url, json=gone, headers=api.auth("admin")).status_code == 201
    housed = api.services.ledger.get(Worker, worker)
    assert (housed.housing_on(date(2026, 5, 15)), housed.housing_on(date(2026, 6, 1))) == (other.id, None)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"housingLocationId": None, "validFrom": "2026-06-01"}, "type"),
        ({"type": "moon", "validFrom": "2026-06-01"}, "type"),
        ({"type": "housing", "validFrom": "2026-06-01"}, "housingLocationId"),
        ({"type": "housing", "housingLocationId": str(uuid4()), "validFrom": "2026-06-01"}, "housingLocationId"),
        ({"type": "housing", "housingLocationId": None, "validFrom": "2028-01-01"}, "validFrom"),
        ({"type": "housing", "housingLocationId": None, "validFrom": "1 June"}, "validFrom"),
        (
            {
                "type": "housing",
                "housingLocationId": None,
                "validFrom": "2026-06-01",
                "workAddress": {"street": "X", "houseNumber": 1, "postcode": "1671 GZ", "city": "Y"},
            },
            "workAddress",
        ),
        ({"type": "work", "validFrom": "2026-06-01"}, "workAddress"),
        (
            {
                "type": "work",
                "workAddress": {"street": "X", "houseNumber": 1, "postcode": "16710 GZ", "city": "Y"},
                "validFrom": "2026-06-01",
            },
            "workAddress.postcode",
        ),
        (
            {
                "type": "work",
                "workAddress": {"street": "X", "postcode": "1671 GZ", "city": "Y"},
                "validFrom": "2026-06-01",
            },
            "workAddress.houseNumber",
        ),
    ],
)
def test_invalid_address_change_is_400_naming_the_member_and_stores_nothing(
    shared_api: Api, shared_worker: UUID, body: dict[str, Any], name: str
) -> None:
    before = stored(shared_api)
    answer = shared_api.client.post(
        f"{WORKERS}/{shared_worker}/address-changes", json=body, headers=shared_api.auth("registrar")
    )
    assert invalid_names(answer) == [name]
    assert stored(shared_api) == before


@pytest.mark.parametrize(
    ("path", "body", "name"),
    [
        ("contract-ends", {"endDate": "2026-03-01"}, "endDate"),
        ("contract-ends", {"reason": "season over"}, "endDate"),
        ("departures", {"departedOn": "2026/06/10"}, "departedOn"),
        ("departures", {"departedOn": "2026-06-10", "destination": "PL"}, "destination"),
        ("population-registrations", {"register": "GBA", "registeredOn": "2026-04-03"}, "register"),
        (
            "population-registrations",
            {"register": "BRP", "registeredOn": "2026-07-01", "address": BRP_ADDRESS},
            "registeredOn",
        ),
        (
            "population-registrations",
            {"register": "BRP", "registeredOn": "2026-04-03", "bsn": "12345", "address": BRP_ADDRESS},
            "bsn",
        ),
        ("confirmations", {"expectedEndDate": "2027-03-31"}, "confirmedOn"),
        ("confirmations", {"confirmedOn": "2026-06-16"}, "confirmedOn"),
        ("confirmations", {"confirmedOn": "2026-03-31"}, "confirmedOn"),
        ("confirmations", {"confirmedOn": "2026-06-01", "expectedEndDate": "2026-05-31"}, "expectedEndDate"),
    ],
)
def test_invalid_change_is_400_naming_the_member_and_stores_nothing(
    shared_api: Api, shared_worker: UUID, path: str, body: dict[str, Any], name: str
) -> None:
    before = stored(shared_api)
    answer = shared_api.client.post(
        f"{WORKERS}/{shared_worker}/{path}", json=body, headers=shared_api.auth("registrar")
    )
    assert invalid_names(answer) == [name]
    assert stored(shared_api) == before


@pytest.mark.parametrize("name", REGISTRANT_CHANGES)
def test_another_employers_worker_is_404_and_stores_nothing(api: Api, worker: UUID, name: str) -> None:
    other_kvk = a_kvk_number()
    api.services.ledger.register_employer(kvk_number=other_kvk, name="Ander Uitzendbureau B.V.")
    before = stored(api)
    answer = change(api, worker, name, api.auth("employer", kvk=other_kvk))
    assert answer.status_code == 404
    assert stored(api) == before
    assert all(line.actor != "test-employer" for line in api.services.processing_log.lines(subject_id=worker))


@pytest.mark.parametrize(
    ("name", "role"),
    [(name, "registrar") for name in REGISTRANT_CHANGES + MUNICIPAL_CHANGES]
    + [("legal hold", "inspector"), ("lift legal hold", "inspector"), ("erasure", "admin")],
)
def test_unknown_worker_is_404(shared_api: Api, shared_setting: Setting, name: str, role: str) -> None:
    answer = attempt(shared_api, uuid4(), name, shared_setting, shared_api.auth(role))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_employer_gets_404_for_an_unknown_worker(api: Api, setting: Setting) -> None:
    answer = change(api, uuid4(), "departure", api.auth("employer", kvk=setting.kvk))
    assert answer.status_code == 404


def test_a_change_is_in_the_processing_log(api: Api, setting: Setting, worker: UUID) -> None:
    change(api, worker, "departure", api.auth("employer", kvk=setting.kvk, sub="flexwerk-hr"))
    lines = api.services.processing_log.lines(subject_id=worker)
    assert [(line.actor, line.role, line.operation, line.outcome) for line in lines] == [
        ("test-registrar", "registrar", "create", "OK"),
        ("flexwerk-hr", "employer", "update", "OK"),
    ]


def test_a_refused_change_is_logged_as_an_error(api: Api, worker: UUID) -> None:
    api.client.post(f"{WORKERS}/{worker}/departures", json={"departedOn": "2028-01-01"}, headers=api.auth("admin"))
    assert [line.outcome for line in api.services.processing_log.lines(subject_id=worker)] == ["OK", "ERROR"]


# -- If-Match -------------------------------------------------------------------------


def test_if_match_with_the_current_version_writes_and_a_stale_one_is_412(api: Api, worker: UUID) -> None:
    url = f"{WORKERS}/{worker}/departures"
    fresh = api.client.post(
        url, json={"departedOn": "2026-06-10"}, headers={**api.auth("registrar"), "If-Match": '"1"'}
    )
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["version"] == 2
    before = stored(api)
    stale = api.client.post(
        url, json={"departedOn": "2026-06-11"}, headers={**api.auth("registrar"), "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stored(api) == before


# -- legal holds and erasure ----------------------------------------------------------


def test_inspector_places_and_lifts_a_legal_hold(api: Api, worker: UUID) -> None:
    placed = change(api, worker, "legal hold", api.auth("inspector"))
    assert placed.status_code == 201, placed.text
    lifted = api.client.delete(f"{WORKERS}/{worker}/legal-holds/HH-2026-0042", headers=api.auth("admin"))
    assert lifted.status_code == 200, lifted.text
    assert lifted.json() == {"position": stored(api), "version": 3}
    activities = [line.processing_activity for line in api.services.processing_log.lines(subject_id=worker)]
    assert activities == [Activity.REGISTRATION.value, Activity.ENFORCEMENT.value, Activity.ENFORCEMENT.value]


def test_the_same_legal_hold_twice_is_409(api: Api, worker: UUID) -> None:
    change(api, worker, "legal hold", api.auth("inspector"))
    before = stored(api)
    assert change(api, worker, "legal hold", api.auth("inspector")).status_code == 409
    assert stored(api) == before


def test_lifting_a_hold_that_is_not_there_is_404(api: Api, worker: UUID) -> None:
    answer = api.client.delete(f"{WORKERS}/{worker}/legal-holds/HH-0000", headers=api.auth("inspector"))
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"caseReference": "case 42!", "reason": "overcrowding"}, "caseReference"),
        ({"caseReference": "HH-1", "reason": " "}, "reason"),
        ({"caseReference": "HH-1"}, "reason"),
    ],
)
def test_invalid_legal_hold_is_400_and_stores_nothing(
    shared_api: Api, shared_worker: UUID, body: dict[str, Any], name: str
) -> None:
    before = stored(shared_api)
    answer = shared_api.client.post(
        f"{WORKERS}/{shared_worker}/legal-holds", json=body, headers=shared_api.auth("inspector")
    )
    assert invalid_names(answer) == [name]
    assert stored(shared_api) == before


def test_erasure_under_a_legal_hold_is_409_naming_the_case_until_the_hold_is_lifted(api: Api, worker: UUID) -> None:
    change(api, worker, "legal hold", api.auth("inspector"))
    before = stored(api)
    refused = change(api, worker, "erasure", api.auth("admin"))
    assert refused.status_code == 409
    assert "HH-2026-0042" in refused.json()["detail"]
    assert stored(api) == before
    assert api.services.ledger.get(Worker, worker).family_name == "Kowalska"

    api.client.delete(f"{WORKERS}/{worker}/legal-holds/HH-2026-0042", headers=api.auth("inspector"))
    erased = change(api, worker, "erasure", api.auth("admin"))
    assert erased.status_code == 200, erased.text
    assert erased.json()["position"] == stored(api)
    assert api.services.ledger.get(Worker, worker).shredded


def test_erasure_of_an_inspection_id_is_404_and_erases_nothing(api: Api, setting: Setting) -> None:
    inspection = api.services.ledger.record_inspection(
        housing_location_id=setting.location_id,
        inspected_on=date(2026, 6, 10),
        occupants_found=9,
        findings=["overcrowding"],
        outcome="violations",
        notes="Bewoner K. sliep in de keuken.",
    )
    before = stored(api)
    erasure = {"reasonCode": "other"}
    answer = api.client.post(f"{WORKERS}/{inspection.id}/erasure", json=erasure, headers=api.auth("admin"))
    assert answer.status_code == 404
    assert stored(api) == before
    assert api.services.ledger.get(Inspection, inspection.id).notes == "Bewoner K. sliep in de keuken."


def test_erasure_is_in_the_processing_log(api: Api, worker: UUID) -> None:
    change(api, worker, "erasure", api.auth("admin", sub="fg-officer"))
    last = api.services.processing_log.lines(subject_id=worker)[-1]
    assert (last.actor, last.processing_activity, last.operation) == (
        "fg-officer",
        Activity.DATA_SUBJECT_RIGHTS.value,
        "delete",
    )


def test_erasure_needs_a_reason_code(api: Api, worker: UUID) -> None:
    answer = api.client.post(f"{WORKERS}/{worker}/erasure", json={}, headers=api.auth("admin"))
    assert invalid_names(answer) == ["reasonCode"]


# -- who may -----------------------------------------------------------------------------


FORBIDDEN = (
    [("registration", role) for role in ("inspector", "auditor")]
    + [(name, role) for name in REGISTRANT_CHANGES for role in ("inspector", "auditor")]
    + [(name, role) for name in MUNICIPAL_CHANGES for role in ("employer", "inspector", "auditor")]
    + [("legal hold", role) for role in ("employer", "registrar", "auditor")]
    + [("lift legal hold", role) for role in ("employer", "registrar", "auditor")]
    + [("erasure", role) for role in ("employer", "registrar", "inspector", "auditor")]
)


def attempt(api: Api, worker_id: UUID, name: str, setting: Setting, headers: dict[str, str]) -> Response:
    if name == "registration":
        return api.client.post(WORKERS, json=a_worker_body(setting), headers=headers)
    if name == "lift legal hold":
        return api.client.delete(f"{WORKERS}/{worker_id}/legal-holds/HH-2026-0042", headers=headers)
    return change(api, worker_id, name, headers)


@pytest.mark.parametrize(("name", "role"), FORBIDDEN)
def test_role_without_the_policy_is_403_and_stores_nothing(
    shared_api: Api, shared_setting: Setting, shared_worker: UUID, name: str, role: str
) -> None:
    before = stored(shared_api)
    answer = attempt(shared_api, shared_worker, name, shared_setting, shared_api.auth(role, kvk=shared_setting.kvk))
    assert answer.status_code == 403
    assert stored(shared_api) == before


@pytest.mark.parametrize("name", ["registration", *CHANGES, "lift legal hold"])
def test_without_a_token_is_401(shared_api: Api, shared_setting: Setting, shared_worker: UUID, name: str) -> None:
    answer = attempt(shared_api, shared_worker, name, shared_setting, {})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
