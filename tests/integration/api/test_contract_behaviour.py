"""The server does what the OpenAPI document says, on both backends (docs/openapi.md).

The document's promises themselves are checked in tests/contract; these are
the answers that rely on them: an integral number where the schema says
`integer` is taken (JSON Schema counts `59884.0` as an integer), a cursor is
exactly the opaque string the document describes, and `If-Match` is exactly
the entity tag its pattern admits.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Api
from tests.factories import World, a_bag_id, a_world, register_worker

V1 = "/api/v1"


def a_location_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "bagId": a_bag_id(),
        "street": "Noorderstraat",
        "houseNumber": 3,
        "postcode": "1671 CD",
        "city": "Medemblik",
        "kind": "dwelling",
    }
    return body | overrides


def invalid_names(answer: Any) -> list[str]:
    return [param["name"] for param in answer.json().get("invalidParams", [])]


def declared(api: Api, path: str, method: str, name: str) -> dict[str, Any]:
    """The schema of a parameter as the served document declares it."""
    document = api.client.get(f"{V1}/openapi.json").json()
    parameters = document["paths"][path][method]["parameters"]
    schema: dict[str, Any] = next(p for p in parameters if p["name"].lower() == name.lower())["schema"]
    return schema


# -- integers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [{"houseNumber": 59884.0}, {"maxOccupants": 4.0, "floorAreaM2": 80.0}, {"houseNumber": 1e2}],
    ids=["house number", "maximum and floor area", "exponent"],
)
def test_an_integral_number_is_an_integer(api: Api, overrides: dict[str, Any]) -> None:
    answer = api.client.post(
        f"{V1}/housing-locations", json=a_location_body(**overrides), headers=api.auth("registrar")
    )

    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    ("value", "code"),
    [(12.5, "int_type"), (True, "int_type"), ("12", "int_type"), (None, "int_type")],
    ids=["fraction", "boolean", "string", "null"],
)
def test_what_is_not_an_integer_is_still_refused(api: Api, value: Any, code: str) -> None:
    answer = api.client.post(
        f"{V1}/housing-locations", json=a_location_body(houseNumber=value), headers=api.auth("registrar")
    )

    assert answer.status_code == 400
    assert [(p["name"], p["code"]) for p in answer.json()["invalidParams"]] == [("houseNumber", code)]


def test_an_integral_occupancy_limit_and_head_count_are_taken(api: Api) -> None:
    location = api.client.post(f"{V1}/housing-locations", json=a_location_body(), headers=api.auth("registrar"))
    location_id = location.json()["id"]

    limit = api.client.post(
        f"{V1}/housing-locations/{location_id}/occupancy-limits",
        json={"maxOccupants": 6.0, "validFrom": "2026-07-01"},
        headers=api.auth("registrar"),
    )
    inspection = api.client.post(
        f"{V1}/inspections",
        json={
            "housingLocationId": location_id,
            "inspectedOn": "2026-06-10",
            "occupantsFound": 9.0,
            "findings": [],
            "outcome": "compliant",
        },
        headers=api.auth("inspector"),
    )

    assert (limit.status_code, inspection.status_code) == (201, 201), (limit.text, inspection.text)


# -- the cursor ---------------------------------------------------------------------------------


@pytest.fixture
def world(api: Api) -> World:
    world = a_world(api.services.ledger)
    for _ in range(3):
        register_worker(api.services.ledger, world)
    return world


def _first_page(api: Api) -> dict[str, Any]:
    head = api.services.ledger.recorder.max_notification_id()
    answer = api.client.get(f"{V1}/workers", params={"limit": 1, "minPosition": head}, headers=api.auth("admin"))
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_the_cursors_the_server_gives_out_match_the_declared_pattern(api: Api, world: World) -> None:
    pattern = declared(api, "/workers", "get", "cursor")["pattern"]

    cursor = _first_page(api)["nextCursor"]

    assert re.fullmatch(pattern.removeprefix("^").removesuffix("$"), cursor)
    second = api.client.get(f"{V1}/workers", params={"limit": 1, "cursor": cursor}, headers=api.auth("admin"))
    assert second.status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda cursor: cursor[:5] + "!" + cursor[5:],
        lambda cursor: cursor + "==",
        lambda cursor: cursor[:10] + "\n" + cursor[10:],
        lambda cursor: cursor[:-1] + "+",
    ],
    ids=["junk inside", "padding", "newline", "standard base64"],
)
def test_a_cursor_outside_the_declared_pattern_is_400(api: Api, world: World, tamper: Any) -> None:
    pattern = declared(api, "/workers", "get", "cursor")["pattern"]
    cursor = tamper(_first_page(api)["nextCursor"])
    assert not re.search(pattern.replace("$", r"\Z"), cursor)

    answer = api.client.get(f"{V1}/workers", params={"cursor": cursor}, headers=api.auth("admin"))

    assert answer.status_code == 400
    assert invalid_names(answer) == ["cursor"]


# -- If-Match -------------------------------------------------------------------------------------


def _depart(api: Api, worker: str, if_match: str) -> Any:
    return api.client.post(
        f"{V1}/workers/{worker}/departures",
        json={"departedOn": "2026-06-10"},
        headers={**api.auth("registrar"), "If-Match": if_match},
    )


@pytest.mark.parametrize("if_match", ['"1"', 'W/"1"', "1"])
def test_if_match_in_the_declared_forms_is_taken(api: Api, world: World, if_match: str) -> None:
    worker = register_worker(api.services.ledger, world)
    pattern = declared(api, "/workers/{workerId}/departures", "post", "If-Match")["pattern"]
    assert re.search(pattern.replace("$", r"\Z"), if_match)

    answer = _depart(api, str(worker), if_match)

    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("if_match", ['"1', '"""1"""', 'W/1"', '"1"x', '"+1"', '"1.0"'])
def test_if_match_outside_the_declared_pattern_is_400(api: Api, world: World, if_match: str) -> None:
    worker = register_worker(api.services.ledger, world)
    pattern = declared(api, "/workers/{workerId}/departures", "post", "If-Match")["pattern"]
    assert not re.search(pattern.replace("$", r"\Z"), if_match)

    answer = _depart(api, str(worker), if_match)

    assert answer.status_code == 400, answer.text
