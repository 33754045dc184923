"""POST /api/v1/employers."""

from __future__ import annotations

import pytest

from tests.conftest import Api


def test_registrar_registers_an_employer(api: Api) -> None:
    answer = api.client.post(
        "/api/v1/employers", json={"kvkNumber": "34781256", "name": "Flexwerk B.V."}, headers=api.auth("registrar")
    )
    assert answer.status_code == 201, answer.text
    assert set(answer.json()) == {"id", "position"}
    assert answer.headers["api-version"]


def test_duplicate_kvk_number_is_409(api: Api) -> None:
    body = {"kvkNumber": "34781256", "name": "Flexwerk B.V."}
    api.client.post("/api/v1/employers", json=body, headers=api.auth("admin"))
    answer = api.client.post("/api/v1/employers", json=body, headers=api.auth("admin"))
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_duplicate_kvk_number_is_409_naming_the_registered_employer(api: Api) -> None:
    body = {"kvkNumber": "34781256", "name": "Flexwerk B.V."}
    first = api.client.post("/api/v1/employers", json=body, headers=api.auth("registrar"))
    again = api.client.post(
        "/api/v1/employers", json=body | {"name": "Flexwerk Holland B.V."}, headers=api.auth("admin")
    )

    assert again.status_code == 409
    assert again.json()["existingId"] == first.json()["id"]
    assert first.json()["id"] in again.json()["detail"]


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"kvkNumber": "1234", "name": "X"}, "kvkNumber"),
        ({"kvkNumber": "12345678", "name": " "}, "name"),
        ({"name": "X"}, "kvkNumber"),
        ({"kvkNumber": "12345678", "name": "X", "extra": 1}, "extra"),
    ],
)
def test_invalid_employer_is_400_naming_the_member(api: Api, body: dict[str, object], name: str) -> None:
    answer = api.client.post("/api/v1/employers", json=body, headers=api.auth("registrar"))
    assert answer.status_code == 400
    assert [p["name"] for p in answer.json()["invalidParams"]] == [name]


@pytest.mark.parametrize("role", ["employer", "inspector", "auditor"])
def test_other_roles_may_not_register_employers(api: Api, role: str) -> None:
    answer = api.client.post(
        "/api/v1/employers", json={"kvkNumber": "12345678", "name": "X"}, headers=api.auth(role, kvk="12345678")
    )
    assert answer.status_code == 403


def test_without_a_token_is_401(api: Api) -> None:
    assert api.client.post("/api/v1/employers", json={"kvkNumber": "12345678", "name": "X"}).status_code == 401


def test_trailing_slash_is_404_not_a_redirect(api: Api) -> None:
    answer = api.client.post("/api/v1/employers/", json={}, headers=api.auth("registrar"), follow_redirects=False)
    assert answer.status_code == 404


def test_idempotent_retry_answers_as_the_first_and_other_body_is_409(api: Api) -> None:
    headers = {**api.auth("registrar"), "Idempotency-Key": "abc-1"}
    first = api.client.post("/api/v1/employers", json={"kvkNumber": "11112222", "name": "A"}, headers=headers)
    again = api.client.post("/api/v1/employers", json={"kvkNumber": "11112222", "name": "A"}, headers=headers)
    other = api.client.post("/api/v1/employers", json={"kvkNumber": "33334444", "name": "B"}, headers=headers)
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 409)
    assert again.json() == first.json()


def test_body_over_the_limit_is_413(api: Api) -> None:
    answer = api.client.post(
        "/api/v1/employers", content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=api.auth("registrar")
    )
    assert answer.status_code == 413


def test_openapi_is_public_with_cors(api: Api) -> None:
    answer = api.client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
