"""POST /api/v1/housing-locations, …/occupancy-limits, /api/v1/inspections and …/sanctions.

Every refusal is checked to have stored nothing: the event store's last
notification id is the same after it as before.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from ledger.domain.housing_location import HousingLocation
from ledger.domain.inspection import Inspection
from tests.conftest import Api
from tests.factories import World, a_bag_id, a_house_number, register_worker

LOCATIONS = "/api/v1/housing-locations"
INSPECTIONS = "/api/v1/inspections"


def a_location_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "bagId": a_bag_id(),
        "street": "Dorpsstraat",
        "houseNumber": a_house_number(),
        "houseLetter": "a",
        "postcode": "1671 ab",
        "city": "Medemblik",
        "kind": "dwelling",
        "maxOccupants": 4,
        "floorAreaM2": 80,
        "ownerKvkNumber": "34781256",
    }
    return body | overrides


def an_inspection_body(location_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "housingLocationId": location_id,
        "inspectedOn": "2026-06-10",
        "occupantsFound": 9,
        "findings": ["overcrowding", "fire_safety"],
        "outcome": "violations",
    }
    return body | overrides


def a_fine(**overrides: Any) -> dict[str, Any]:
    body = {"kind": "administrative_fine", "against": "owner", "ownerKvkNumber": "34781256", "amountEur": "2500.00"}
    return body | overrides


def refused(api: Api, path: str, body: Any, status: int, headers: dict[str, str]) -> dict[str, Any]:
    """POST a request that must be refused with `status`, and check it stored nothing."""
    before = api.services.ledger.recorder.max_notification_id()
    answer = api.client.post(path, json=body, headers=headers)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert api.services.ledger.recorder.max_notification_id() == before
    problem: dict[str, Any] = answer.json()
    return problem


def invalid_names(problem: dict[str, Any]) -> list[str]:
    return [p["name"] for p in problem["invalidParams"]]


def register_location(api: Api, **overrides: Any) -> str:
    answer = api.client.post(LOCATIONS, json=a_location_body(**overrides), headers=api.auth("registrar"))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def record_inspection(api: Api, location_id: str, **overrides: Any) -> str:
    body = an_inspection_body(location_id, **overrides)
    answer = api.client.post(INSPECTIONS, json=body, headers=api.auth("inspector"))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


@pytest.fixture
def location(api: Api) -> str:
    return register_location(api)


@pytest.fixture
def inspection(api: Api, location: str) -> str:
    return record_inspection(api, location)


# The tests of refusals share one app per module and backend (see `shared_api`), and these in it.


@pytest.fixture(scope="module")
def shared_location(shared_api: Api) -> str:
    return register_location(shared_api)


@pytest.fixture(scope="module")
def shared_inspection(shared_api: Api, shared_location: str) -> str:
    return record_inspection(shared_api, shared_location)


# -- housing locations ---------------------------------------------------------


@pytest.mark.parametrize("role", ["registrar", "admin", "employer"])
def test_registrar_admin_and_employer_register_a_location_with_a_normalised_postcode(api: Api, role: str) -> None:
    answer = api.client.post(LOCATIONS, json=a_location_body(), headers=api.auth(role, kvk="34781256"))

    assert answer.status_code == 201, answer.text
    assert set(answer.json()) == {"id", "position"}
    assert answer.json()["position"] == api.services.ledger.recorder.max_notification_id()
    stored = api.services.ledger.get(HousingLocation, UUID(answer.json()["id"]))
    assert (stored.address.postcode, stored.address.house_letter) == ("1671AB", "A")


def test_duplicate_bag_id_is_409(api: Api) -> None:
    body = a_location_body()
    api.client.post(LOCATIONS, json=body, headers=api.auth("registrar"))
    refused(api, LOCATIONS, body | {"street": "Kerkstraat"}, 409, api.auth("admin"))


@pytest.mark.parametrize(
    ("overrides", "name"),
    [
        ({"bagId": "042001000012345"}, "bagId"),
        ({"bagId": "04200100001234567"}, "bagId"),
        ({"bagId": "0420200000123456"}, "bagId"),  # a nummeraanduiding
        ({"bagId": "0420100000123456"}, "bagId"),  # a pand
        ({"postcode": "0123AB"}, "postcode"),
        ({"postcode": "1671 A"}, "postcode"),
        ({"street": "  "}, "street"),
        ({"houseNumber": 0}, "houseNumber"),
        ({"houseNumber": "12"}, "houseNumber"),
        ({"houseNumberAddition": "toolong"}, "houseNumberAddition"),
        ({"kind": "castle"}, "kind"),
        ({"maxOccupants": 0}, "maxOccupants"),
        ({"maxOccupants": "many"}, "maxOccupants"),
        ({"floorAreaM2": 0}, "floorAreaM2"),
        ({"ownerKvkNumber": "123"}, "ownerKvkNumber"),
        ({"rooms": 3}, "rooms"),
        ({"bagId": None}, "bagId"),
    ],
)
def test_invalid_location_is_400_naming_the_member(shared_api: Api, overrides: dict[str, Any], name: str) -> None:
    problem = refused(shared_api, LOCATIONS, a_location_body(**overrides), 400, shared_api.auth("registrar"))
    assert invalid_names(problem) == [name]


@pytest.mark.parametrize("bag_id", ["0420010000123456", "0420020000123456", "0420030000123456"])
def test_a_verblijfsobject_ligplaats_or_standplaats_is_registered(api: Api, bag_id: str) -> None:
    answer = api.client.post(LOCATIONS, json=a_location_body(bagId=bag_id), headers=api.auth("registrar"))
    assert answer.status_code == 201, answer.text


def test_missing_members_are_each_named(api: Api) -> None:
    problem = refused(api, LOCATIONS, {"bagId": a_bag_id()}, 400, api.auth("registrar"))
    # Not `maxOccupants`: it may be left out (the floor area, or nothing, then sets the limit).
    assert set(invalid_names(problem)) == {"street", "houseNumber", "postcode", "city", "kind"}


def test_every_broken_rule_is_named_in_one_refusal(api: Api) -> None:
    body = a_location_body(bagId="12", postcode="0123AB", maxOccupants=0)
    problem = refused(api, LOCATIONS, body, 400, api.auth("registrar"))
    assert set(invalid_names(problem)) == {"bagId", "postcode", "maxOccupants"}


def test_malformed_json_is_400(api: Api) -> None:
    before = api.services.ledger.recorder.max_notification_id()
    headers = api.auth("registrar") | {"Content-Type": "application/json"}
    answer = api.client.post(LOCATIONS, content=b'{"bagId": "0420', headers=headers)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["invalidParams"]
    assert api.services.ledger.recorder.max_notification_id() == before


def test_registrar_changes_the_occupancy_limit(api: Api, location: str) -> None:
    body = {"maxOccupants": 6, "validFrom": "2026-07-01", "reason": "permit 2026-114"}
    answer = api.client.post(f"{LOCATIONS}/{location}/occupancy-limits", json=body, headers=api.auth("registrar"))

    assert answer.status_code == 201, answer.text
    assert answer.json() == {"position": api.services.ledger.recorder.max_notification_id(), "version": 2}
    assert api.services.ledger.get(HousingLocation, UUID(location)).max_occupants_on(date(2026, 7, 1)) == 6


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"maxOccupants": 0, "validFrom": "2026-07-01"}, "maxOccupants"),
        ({"maxOccupants": 6, "validFrom": "2028-01-01"}, "validFrom"),
        ({"maxOccupants": 6, "validFrom": "1 July 2026"}, "validFrom"),
        ({"maxOccupants": 6, "validFrom": "2026-07-01T00:00:00Z"}, "validFrom"),
        ({"maxOccupants": 6}, "validFrom"),
        ({"maxOccupants": 6, "validFrom": "2026-07-01", "permit": "x"}, "permit"),
    ],
)
def test_invalid_occupancy_limit_is_400_naming_the_member(
    shared_api: Api, shared_location: str, body: dict[str, Any], name: str
) -> None:
    problem = refused(
        shared_api, f"{LOCATIONS}/{shared_location}/occupancy-limits", body, 400, shared_api.auth("registrar")
    )
    assert invalid_names(problem) == [name]


def test_occupancy_limit_with_current_if_match_is_written_and_stale_is_412(api: Api, location: str) -> None:
    path = f"{LOCATIONS}/{location}/occupancy-limits"
    body = {"maxOccupants": 6, "validFrom": "2026-07-01"}
    current = api.client.post(path, json=body, headers=api.auth("registrar") | {"If-Match": '"1"'})
    assert current.status_code == 201, current.text

    refused(api, path, body, 412, api.auth("registrar") | {"If-Match": '"1"'})


def test_occupancy_limit_of_an_unknown_location_is_404(api: Api) -> None:
    body = {"maxOccupants": 6, "validFrom": "2026-07-01"}
    refused(api, f"{LOCATIONS}/{uuid4()}/occupancy-limits", body, 404, api.auth("registrar"))


def test_an_overfull_location_is_accepted_never_refused(api: Api) -> None:
    location = register_location(api, maxOccupants=1)
    employer = api.services.ledger.register_employer(kvk_number="34781256", name="Flexwerk B.V.")
    world = World(employer.id, UUID(location), UUID(location))
    for family_name in ("Kowalska", "Nowak", "Wiśniewski"):
        register_worker(api.services.ledger, world, family_name=family_name)

    limit = {"maxOccupants": 2, "validFrom": "2026-06-01"}
    lowered = api.client.post(f"{LOCATIONS}/{location}/occupancy-limits", json=limit, headers=api.auth("admin"))
    body = an_inspection_body(location, occupantsFound=3)
    inspected = api.client.post(INSPECTIONS, json=body, headers=api.auth("inspector"))

    assert (lowered.status_code, inspected.status_code) == (201, 201)


# -- inspections and sanctions --------------------------------------------------


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_inspector_and_admin_record_an_inspection(api: Api, location: str, role: str) -> None:
    answer = api.client.post(INSPECTIONS, json=an_inspection_body(location), headers=api.auth(role))

    assert answer.status_code == 201, answer.text
    assert set(answer.json()) == {"id", "position"}
    stored = api.services.ledger.get(Inspection, UUID(answer.json()["id"]))
    assert (stored.findings, stored.outcome) == (["overcrowding", "fire_safety"], "violations")


def test_inspection_notes_are_a_line_in_the_processing_log(api: Api, location: str) -> None:
    with_notes = UUID(record_inspection(api, location, notes="eleven mattresses in two rooms"))
    without_notes = UUID(record_inspection(api, location))

    (line,) = api.services.processing_log.lines(subject_id=with_notes)
    assert (line.processing_activity, line.operation, line.actor) == ("PA-03-enforcement", "create", "test-inspector")
    assert api.services.processing_log.lines(subject_id=without_notes) == []


@pytest.mark.parametrize(
    ("overrides", "name"),
    [
        ({"findings": ["overcrowding", "mould"]}, "findings.1"),
        ({"findings": "overcrowding"}, "findings"),
        ({"findings": ["hygiene", "hygiene"]}, "findings"),
        ({"findings": []}, "findings"),
        ({"outcome": "bad"}, "outcome"),
        ({"inspectedOn": "2026-06-16"}, "inspectedOn"),
        ({"inspectedOn": "10-06-2026"}, "inspectedOn"),
        ({"occupantsFound": -1}, "occupantsFound"),
        ({"housingLocationId": str(uuid4())}, "housingLocationId"),
        ({"housingLocationId": "not-an-id"}, "housingLocationId"),
        ({"inspector": "J. Jansen"}, "inspector"),
    ],
)
def test_invalid_inspection_is_400_naming_the_member(
    shared_api: Api, shared_location: str, overrides: dict[str, Any], name: str
) -> None:
    problem = refused(
        shared_api, INSPECTIONS, an_inspection_body(shared_location, **overrides), 400, shared_api.auth("inspector")
    )
    assert invalid_names(problem) == [name]


def test_a_compliant_inspection_needs_no_findings(api: Api, location: str) -> None:
    record_inspection(api, location, findings=[], outcome="compliant", occupantsFound=2)


@pytest.mark.parametrize(
    "body",
    [
        a_fine(),
        a_fine(amountEur=1250.5),
        {"kind": "warning", "against": "owner", "ownerKvkNumber": "34781256"},
        {"kind": "order_subject_to_penalty", "against": "employer", "amountEur": 500, "deadline": "2026-07-15"},
    ],
)
def test_inspector_imposes_a_sanction(api: Api, inspection: str, body: dict[str, Any]) -> None:
    if body["against"] == "employer":
        employer = api.services.ledger.register_employer(kvk_number="34781256", name="Flexwerk B.V.")
        body = body | {"employerId": str(employer.id)}
    answer = api.client.post(f"{INSPECTIONS}/{inspection}/sanctions", json=body, headers=api.auth("inspector"))

    assert answer.status_code == 201, answer.text
    assert answer.json() == {"position": api.services.ledger.recorder.max_notification_id(), "version": 2}
    assert api.services.ledger.get(Inspection, UUID(inspection)).sanctions == [body["kind"]]


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"kind": "administrative_fine", "against": "owner", "ownerKvkNumber": "34781256"}, ["amountEur"]),
        (a_fine(amountEur="lots"), ["amountEur"]),
        (a_fine(amountEur=0), ["amountEur"]),
        (
            {"kind": "order_subject_to_penalty", "against": "owner", "ownerKvkNumber": "34781256", "amountEur": 500},
            ["deadline"],
        ),
        (a_fine(deadline="2026-06-14"), ["deadline"]),
        (a_fine(deadline=1781481600), ["deadline"]),
        (a_fine(kind="prison"), ["kind"]),
        ({"kind": "warning", "against": "tenant"}, ["against"]),
        (a_fine(reason="x"), ["reason"]),
    ],
)
def test_invalid_sanction_is_400_naming_the_member(
    shared_api: Api, shared_inspection: str, body: dict[str, Any], names: list[str]
) -> None:
    problem = refused(
        shared_api, f"{INSPECTIONS}/{shared_inspection}/sanctions", body, 400, shared_api.auth("inspector")
    )
    assert invalid_names(problem) == names


def test_a_sanction_on_a_compliant_inspection_is_409(api: Api, location: str) -> None:
    compliant = record_inspection(api, location, findings=[], outcome="compliant")
    refused(api, f"{INSPECTIONS}/{compliant}/sanctions", a_fine(), 409, api.auth("inspector"))


def test_a_sanction_on_an_unknown_inspection_is_404(shared_api: Api) -> None:
    refused(shared_api, f"{INSPECTIONS}/{uuid4()}/sanctions", a_fine(), 404, shared_api.auth("inspector"))


def test_a_sanction_with_a_stale_if_match_is_412(api: Api, inspection: str) -> None:
    path = f"{INSPECTIONS}/{inspection}/sanctions"
    first = api.client.post(path, json=a_fine(), headers=api.auth("inspector") | {"If-Match": '"1"'})
    assert first.status_code == 201, first.text

    refused(api, path, a_fine(), 412, api.auth("inspector") | {"If-Match": '"1"'})


# -- who may write -----------------------------------------------------------------

WRITES = {
    "register": (LOCATIONS, ["inspector", "auditor"]),
    "occupancy limit": (f"{LOCATIONS}/{{location}}/occupancy-limits", ["employer", "inspector", "auditor"]),
    "inspection": (INSPECTIONS, ["employer", "registrar", "auditor"]),
    "sanction": (f"{INSPECTIONS}/{{inspection}}/sanctions", ["employer", "registrar", "auditor"]),
}


def a_valid_body(write: str, location: str) -> dict[str, Any]:
    return {
        "register": a_location_body(),
        "occupancy limit": {"maxOccupants": 6, "validFrom": "2026-07-01"},
        "inspection": an_inspection_body(location),
        "sanction": a_fine(),
    }[write]


@pytest.mark.parametrize(("write", "role"), [(write, role) for write, (_, roles) in WRITES.items() for role in roles])
def test_forbidden_roles_are_403(
    shared_api: Api, shared_location: str, shared_inspection: str, write: str, role: str
) -> None:
    path = WRITES[write][0].format(location=shared_location, inspection=shared_inspection)
    refused(shared_api, path, a_valid_body(write, shared_location), 403, shared_api.auth(role, kvk="34781256"))


@pytest.mark.parametrize("write", sorted(WRITES))
def test_without_a_token_is_401(shared_api: Api, shared_location: str, shared_inspection: str, write: str) -> None:
    path = WRITES[write][0].format(location=shared_location, inspection=shared_inspection)
    refused(shared_api, path, a_valid_body(write, shared_location), 401, {})


def test_openapi_shows_the_enumerations(api: Api) -> None:
    schemas = api.client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    assert schemas["HousingKind"]["enum"] == [
        "dwelling",
        "short_stay_facility",
        "hotel_pension",
        "recreational",
        "caravan_site",
        "other",
    ]
    assert schemas["Finding"]["enum"] == [
        "overcrowding",
        "fire_safety",
        "hygiene",
        "sanitary",
        "unregistered_occupants",
        "other",
    ]
    assert schemas["Outcome"]["enum"] == ["compliant", "violations"]
    assert schemas["SanctionKind"]["enum"] == ["warning", "order_subject_to_penalty", "administrative_fine"]
    assert schemas["SanctionTarget"]["enum"] == ["employer", "owner"]
