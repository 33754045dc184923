"""Permitted occupancy is the municipality's, and an employer names only itself as owner (issue 13, §4).

An employer's `maxOccupants` is recorded as proposed and never counted; the
limit in force is the registrar's (at registration by a municipal role, or
through `…/occupancy-limits`), else floor(floor area / the floor-area norm in
force that day), else unknown (`null`), raising the alert `limit_not_assessed`.
Workers are written through the ledger directly and read back with
`minPosition`, as in `test_queries`.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest

from ledger.application.service import Ledger
from tests.conftest import Api
from tests.factories import a_bag_id, a_kvk_number, a_person, an_employment

V1 = "/api/v1"
LOCATIONS = f"{V1}/housing-locations"
APRIL = date(2026, 4, 1)


def a_location_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "bagId": a_bag_id(),
        "street": "Noorderstraat",
        "houseNumber": 3,
        "postcode": "1671 CD",
        "city": "Medemblik",
        "kind": "dwelling",
    }
    return {key: value for key, value in (body | overrides).items() if value is not None}


def post_location(api: Api, body: dict[str, Any], role: str, *, kvk: str | None = None) -> httpx.Response:
    return api.client.post(LOCATIONS, json=body, headers=api.auth(role, kvk=kvk))


def registered(api: Api, body: dict[str, Any], role: str, *, kvk: str | None = None) -> UUID:
    answer = post_location(api, body, role, kvk=kvk)
    assert answer.status_code == 201, answer.text
    return UUID(answer.json()["id"])


def get(api: Api, path: str, role: str = "registrar", *, kvk: str | None = None, **params: Any) -> Any:
    """GET a query after every write so far (`minPosition`); the answer's JSON (200 required)."""
    params.setdefault("minPosition", api.services.ledger.recorder.max_notification_id() or 0)
    answer = api.client.get(f"{V1}{path}", params=params, headers=api.auth(role, kvk=kvk))
    assert answer.status_code == 200, answer.text
    return answer.json()


def house(ledger: Ledger, employer_id: UUID, location_id: UUID, count: int) -> None:
    for _ in range(count):
        ledger.register_worker(
            employer_id=employer_id,
            person=a_person(),
            employment=an_employment(),
            housing_location_id=location_id,
            housing_valid_from=APRIL,
        )


def an_employer(api: Api) -> tuple[str, UUID]:
    kvk = a_kvk_number()
    return kvk, api.services.ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.").id


def alerts_of(api: Api, location: UUID, kind: str) -> list[dict[str, Any]]:
    items = get(api, "/alerts", housingLocationId=str(location))["items"]
    return [a for a in items if a["kind"] == kind]


def refused(api: Api, body: dict[str, Any], status: int, role: str, *, kvk: str | None = None) -> dict[str, Any]:
    """POST a location that must be refused with `status`, and check that nothing was stored."""
    before = api.services.ledger.recorder.max_notification_id()
    answer = post_location(api, body, role, kvk=kvk)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert api.services.ledger.recorder.max_notification_id() == before
    problem: dict[str, Any] = answer.json()
    return problem


# -- the limit in force ------------------------------------------------------------------


def test_an_employers_maximum_is_only_proposed_and_the_floor_area_norm_limits_the_location(api: Api) -> None:
    kvk, employer = an_employer(api)
    location = registered(api, a_location_body(maxOccupants=10_000, floorAreaM2=20), "employer", kvk=kvk)
    house(api.services.ledger, employer, location, 2)

    answer = get(api, f"/housing-locations/{location}/occupancy")
    over = alerts_of(api, location, "over_capacity")

    # floor(20 m² / 12 m² a person) = 1: two occupants are one too many, whatever the employer wrote.
    assert (answer["headcount"], answer["maxOccupants"], answer["overCapacity"]) == (2, 1, True)
    assert (answer["limitBasis"], answer["proposedMaxOccupants"]) == ("floor_area_norm", 10_000)
    assert answer["overCapacitySince"] == "2026-04-01"
    assert [(a["subjectId"], a["since"]) for a in over] == [(str(location), "2026-04-01")]
    assert over[0]["detail"].startswith("2 occupants, 1 permitted")


def test_the_proposed_maximum_is_not_shown_to_an_employer(api: Api) -> None:
    kvk, employer = an_employer(api)
    location = registered(api, a_location_body(maxOccupants=8, floorAreaM2=50), "employer", kvk=kvk)
    house(api.services.ledger, employer, location, 1)

    as_employer = get(api, f"/housing-locations/{location}/occupancy", "employer", kvk=kvk)
    as_inspector = get(api, f"/housing-locations/{location}/occupancy", "inspector")

    assert (as_employer["maxOccupants"], as_employer["proposedMaxOccupants"]) == (4, None)
    assert (as_inspector["maxOccupants"], as_inspector["proposedMaxOccupants"]) == (4, 8)


def test_without_floor_area_or_municipal_limit_the_limit_is_unknown_and_not_assessed(api: Api) -> None:
    kvk, employer = an_employer(api)
    location = registered(api, a_location_body(maxOccupants=5), "employer", kvk=kvk)
    house(api.services.ledger, employer, location, 7)

    answer = get(api, f"/housing-locations/{location}/occupancy")
    not_assessed = alerts_of(api, location, "limit_not_assessed")

    assert (answer["headcount"], answer["maxOccupants"], answer["limitBasis"]) == (7, None, None)
    assert (answer["overCapacity"], answer["overCapacitySince"]) == (None, None)
    assert alerts_of(api, location, "over_capacity") == []  # unknown is not "over"
    assert [(a["subjectId"], a["housingLocationId"]) for a in not_assessed] == [(str(location), str(location))]
    # Since it was registered; the events carry the real instant, after the test clock's today: never later.
    assert not_assessed[0]["since"] == "2026-06-15"
    # A location is no data subject: the alert about it writes no processing-log line.
    logged = [line.subject_id for line in api.services.processing_log.lines(actor="test-registrar")]
    assert location not in logged


def test_a_registrar_registering_without_a_maximum_leaves_the_limit_to_the_floor_area(api: Api) -> None:
    location = registered(api, a_location_body(floorAreaM2=37), "registrar")

    answer = get(api, f"/housing-locations/{location}/occupancy")

    assert (answer["maxOccupants"], answer["limitBasis"], answer["proposedMaxOccupants"]) == (
        3,
        "floor_area_norm",
        None,
    )


def test_the_registrars_maximum_at_registration_is_the_limit(api: Api) -> None:
    location = registered(api, a_location_body(maxOccupants=4, floorAreaM2=20), "registrar")

    answer = get(api, f"/housing-locations/{location}/occupancy")

    assert (answer["maxOccupants"], answer["limitBasis"], answer["proposedMaxOccupants"]) == (4, "municipality", None)
    assert alerts_of(api, location, "limit_not_assessed") == []


def test_the_registrars_occupancy_limit_makes_its_number_the_limit(api: Api) -> None:
    kvk, employer = an_employer(api)
    location = registered(api, a_location_body(maxOccupants=10_000, floorAreaM2=20), "employer", kvk=kvk)
    house(api.services.ledger, employer, location, 2)
    limit = {"maxOccupants": 3, "validFrom": "2026-06-01", "reason": "inspection 2026-31"}
    changed = api.client.post(f"{LOCATIONS}/{location}/occupancy-limits", json=limit, headers=api.auth("registrar"))
    assert changed.status_code == 201, changed.text

    june = get(api, f"/housing-locations/{location}/occupancy")
    may = get(api, f"/housing-locations/{location}/occupancy", on="2026-05-15")

    assert (june["maxOccupants"], june["limitBasis"], june["overCapacity"]) == (3, "municipality", False)
    assert (may["maxOccupants"], may["limitBasis"], may["overCapacity"]) == (1, "floor_area_norm", True)
    assert alerts_of(api, location, "over_capacity") == []


def test_a_limit_set_for_an_unassessed_location_clears_limit_not_assessed(api: Api) -> None:
    kvk, _ = an_employer(api)
    location = registered(api, a_location_body(maxOccupants=5), "employer", kvk=kvk)
    assert len(alerts_of(api, location, "limit_not_assessed")) == 1

    limit = {"maxOccupants": 2, "validFrom": "2026-06-15"}
    changed = api.client.post(f"{LOCATIONS}/{location}/occupancy-limits", json=limit, headers=api.auth("admin"))
    assert changed.status_code == 201, changed.text

    assert alerts_of(api, location, "limit_not_assessed") == []
    assert get(api, f"/housing-locations/{location}/occupancy")["maxOccupants"] == 2


# -- registering a BAG id twice -------------------------------------------------------------


def test_the_registrars_registration_of_a_known_bag_id_is_409_naming_the_existing_location(api: Api) -> None:
    kvk, _ = an_employer(api)
    body = a_location_body(maxOccupants=10_000, floorAreaM2=20)
    existing = registered(api, body, "employer", kvk=kvk)

    problem = refused(api, body | {"maxOccupants": 1}, 409, "registrar")

    assert problem["existingId"] == str(existing)
    assert str(existing) in problem["detail"]


def test_the_problem_document_declares_the_existing_id(api: Api) -> None:
    schema = api.client.get(f"{V1}/openapi.json").json()["components"]["schemas"]["Problem"]
    assert schema["properties"]["existingId"] == {
        "type": "string",
        "format": "uuid",
        "description": schema["properties"]["existingId"]["description"],
    }


# -- the owner ----------------------------------------------------------------------------------


def test_an_employer_naming_another_company_as_owner_is_400_naming_owner_kvk_number(api: Api) -> None:
    kvk, _ = an_employer(api)
    body = a_location_body(maxOccupants=4, ownerKvkNumber=a_kvk_number())

    problem = refused(api, body, 400, "employer", kvk=kvk)

    assert [(p["name"], p["code"]) for p in problem["invalidParams"]] == [("ownerKvkNumber", "not_own_kvk_number")]


@pytest.mark.parametrize("owner", ["own", None])
def test_an_employer_may_name_itself_as_owner_or_no_owner(api: Api, owner: str | None) -> None:
    kvk, _ = an_employer(api)
    body = a_location_body(maxOccupants=4, ownerKvkNumber=kvk if owner else None)

    assert post_location(api, body, "employer", kvk=kvk).status_code == 201


@pytest.mark.parametrize("role", ["registrar", "admin"])
def test_a_municipal_role_may_name_any_owner(api: Api, role: str) -> None:
    body = a_location_body(maxOccupants=4, ownerKvkNumber=a_kvk_number())

    assert post_location(api, body, role).status_code == 201


# -- the documented shape -----------------------------------------------------------------------


def test_openapi_says_the_maximum_may_be_left_out_and_read_as_null(api: Api) -> None:
    schemas = api.client.get(f"{V1}/openapi.json").json()["components"]["schemas"]

    create, read = schemas["HousingLocationCreate"], schemas["OccupancyPublic"]

    assert "maxOccupants" not in create["required"]
    # A nullable scalar is written `type: [T, "null"]` (api.openapi).
    assert read["properties"]["maxOccupants"]["type"] == ["integer", "null"]
    assert read["properties"]["overCapacity"]["type"] == ["boolean", "null"]
    assert {"limitBasis", "proposedMaxOccupants"} <= set(read["required"])
