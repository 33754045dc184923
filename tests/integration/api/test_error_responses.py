"""Every error answer of the API is a problem (RFC 9457) with the headers every answer carries, on both backends.

One request per kind of error the API gives — 400, 401, 403, 404 (an unknown
id on a known route, and a path no route matches), 405, 409, 412, 413, 500 and
503 (a read waiting for a position the views have not reached; readiness) —
and each answer must be `application/problem+json` with `type`, `title`,
`status`, `detail` and `instance`, and carry `API-Version`, the security
headers and the trace context. The API answers no 406, 415 or 422: a body that
is not JSON is invalid input (400), and is checked as such. The 500 comes from
a ledger method made to fail; nothing else is faked. Every answer carries its
Content-Length, the ones the middleware gives as well (one builder renders
every problem).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from api import readiness
from api.app import create_app
from api.middleware import API_VERSION, SECURITY_HEADERS
from ledger.settings import Settings
from tests.conftest import Api, fixed_clock

KVK = "34781256"
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance"}


def _what_is_wrong(answer: httpx.Response, status: int, path: str) -> list[str]:
    """How the answer falls short of a problem with the API's headers (nothing: it does not)."""
    wrong = []
    if answer.status_code != status:
        wrong.append(f"status {answer.status_code}, expected {status}: {answer.text[:200]}")
    if answer.headers.get("content-type") != "application/problem+json":
        wrong.append(f"content-type {answer.headers.get('content-type')}")
    else:
        body: dict[str, Any] = answer.json()
        if missing := PROBLEM_MEMBERS - body.keys():
            wrong.append(f"members missing: {sorted(missing)}")
        elif (body["status"], body["instance"]) != (status, path) or not body["title"] or not body["detail"]:
            wrong.append(f"members: {body}")
    # Every answer is framed alike, those the middleware gives (413, 500) too: one builder renders them all.
    if answer.headers.get("content-length") != str(len(answer.content)):
        wrong.append(f"content-length {answer.headers.get('content-length')} for a body of {len(answer.content)}")
    if answer.headers.get("api-version") != API_VERSION:
        wrong.append("no API-Version")
    wrong += [f"no {n.decode()}" for n, v in SECURITY_HEADERS if answer.headers.get(n.decode()) != v.decode()]
    if "traceparent" not in answer.headers:
        wrong.append("no traceparent")
    return wrong


def _location(api: Api) -> str:
    body = {
        "bagId": "0420010000004711",
        "street": "Dorpsstraat",
        "houseNumber": 12,
        "postcode": "1671 AB",
        "city": "Medemblik",
        "kind": "dwelling",
        "maxOccupants": 6,
    }
    answer = api.client.post("/api/v1/housing-locations", json=body, headers=api.auth("registrar"))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_every_error_answer_is_a_problem_with_the_api_headers(
    api: Api, monkeypatch: pytest.MonkeyPatch, migrated: Settings
) -> None:
    registrar, employer = api.auth("registrar"), api.auth("employer", kvk=KVK)
    client = api.client
    employers = "/api/v1/employers"
    an_employer = {"kvkNumber": KVK, "name": "Flexwerk B.V."}
    assert client.post(employers, json=an_employer, headers=registrar).status_code == 201
    limits = f"/api/v1/housing-locations/{_location(api)}/occupancy-limits"
    unknown_worker = f"/api/v1/workers/{uuid4()}"

    def failing(**_command: Any) -> None:
        raise RuntimeError("a failing dependency")

    def unexpected_failure() -> httpx.Response:
        monkeypatch.setattr(api.services.ledger, "register_employer", failing)
        return client.post(employers, json=an_employer | {"kvkNumber": "56781234"}, headers=registrar)

    limit = {"maxOccupants": 4, "validFrom": "2026-07-01"}
    too_large = b"{" + b" " * migrated.api_max_body_bytes + b"}"
    json_type = {"content-type": "application/json"}
    kinds: dict[str, tuple[int, str, Callable[[], httpx.Response]]] = {
        "invalid input": (400, employers, lambda: client.post(employers, json={"kvkNumber": "x"}, headers=registrar)),
        "not JSON": (
            400,
            employers,
            lambda: client.post(employers, content=b"kvk=1", headers=registrar | {"content-type": "text/plain"}),
        ),
        "no token": (401, employers, lambda: client.post(employers, json=an_employer)),
        "role not allowed": (403, employers, lambda: client.post(employers, json=an_employer, headers=employer)),
        "unknown id": (404, unknown_worker, lambda: client.get(unknown_worker, headers=registrar)),
        "no such path": (404, "/api/v1/nothing", lambda: client.get("/api/v1/nothing", headers=registrar)),
        "method not allowed": (405, employers, lambda: client.delete(employers, headers=registrar)),
        "conflict": (409, employers, lambda: client.post(employers, json=an_employer, headers=registrar)),
        "stale If-Match": (
            412,
            limits,
            lambda: client.post(limits, json=limit, headers=registrar | {"If-Match": '"99"'}),
        ),
        "body too large": (413, employers, lambda: client.post(employers, content=too_large, headers=json_type)),
        "unexpected failure": (500, employers, unexpected_failure),  # the last: the ledger fails from here on
    }

    wrong = {kind: w for kind, (status, path, ask) in kinds.items() if (w := _what_is_wrong(ask(), status, path))}

    assert wrong == {}


def test_a_read_the_views_cannot_answer_in_time_and_readiness_are_problems(
    migrated: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No projection runner in this process, and no waiting: the views stay behind every write.
    settings = migrated.model_copy(update={"api_run_projections": False, "api_min_position_wait_s": 0})
    with TestClient(create_app(settings, clock=fixed_clock), raise_server_exceptions=False) as client:
        api = Api(client, settings)
        written = client.post(
            "/api/v1/employers", json={"kvkNumber": KVK, "name": "Flexwerk B.V."}, headers=api.auth("registrar")
        )
        position = written.json()["position"]
        lagging = client.get("/api/v1/workers", params={"minPosition": position}, headers=api.auth("registrar"))
        # The schema is found behind the code's migrations: not ready.
        monkeypatch.setattr(readiness, "current_revision", lambda _engine: "0001")
        not_ready = client.get("/readyz")

    assert _what_is_wrong(lagging, 503, "/api/v1/workers") == []
    assert "retry-after" in lagging.headers
    assert _what_is_wrong(not_ready, 503, "/readyz") == []
    assert not_ready.json()["checks"]["migrations"] == "behind"
