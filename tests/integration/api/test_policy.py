"""Deny by default, and the contract's role matrix, checked on every route the app has.

The tests walk the app's routes rather than listing them, so a route added
later is covered the day it is added. FastAPI (0.165) keeps an included
router as one entry of `app.routes`; `iter_route_contexts` unfolds those into
each route with its full path and its effective dependencies.

The route class of /api/v1 (`api.routing.ApiRoute`) checks the token and the
role before it reads anything of the request, so a caller whose role is not
allowed gets 403 whatever it sends: the matrix test sends an empty JSON object
and random ids, and a permitted role then gets 400 or 404 (or 200), never 403.
(test_edges sends malformed If-Match headers, bodies that are not JSON and
unknown query parameters too.)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from api.app import create_app
from api.auth import Role
from api.policy import Policy
from ledger.settings import Settings
from tests.conftest import Api

# The documentation FastAPI serves itself: public by design, and not APIRoutes.
DOCUMENTATION_PATHS = {"/api/v1/openapi.json", "/api/v1/docs", "/docs/oauth2-redirect"}
_UNSET = object()
_PATH_PARAMETER = re.compile(r"\{[^}]+\}")
KVK = "12345678"


def api_routes(app: FastAPI) -> Iterator[RouteContext]:
    """Every APIRoute of the app, with its full path and effective dependencies."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def policies_of(dependant: Dependant) -> list[Policy | None]:
    """The policies of a dependency tree: `allow(POLICY)` carries its policy, `public` carries None."""
    found: list[Policy | None] = []
    for dependency in dependant.dependencies:
        policy = getattr(dependency.call, "policy", _UNSET)
        if policy is not _UNSET:
            found.append(policy)
        found.extend(policies_of(dependency))
    return found


def describe(context: RouteContext) -> str:
    return f"{','.join(sorted(context.methods or ()))} {context.path}"


def test_every_route_has_exactly_one_explicit_policy(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "var"))
    routes = list(api_routes(app))

    without = [describe(c) for c in routes if not policies_of(c.dependant)]
    ambiguous = [describe(c) for c in routes if len(set(policies_of(c.dependant))) > 1]

    assert any(c.path == "/api/v1/employers" for c in routes), "the walk must find the app's routes"
    assert without == []
    assert ambiguous == []


def test_the_only_routes_outside_the_policy_are_the_documentation(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "var"))
    others = {c.path for c in iter_route_contexts(app.routes) if not isinstance(c.original_route, APIRoute)}
    assert others <= DOCUMENTATION_PATHS


def _request(api: Api, context: RouteContext, headers: dict[str, str]) -> int:
    path = _PATH_PARAMETER.sub(lambda _m: str(uuid.uuid4()), str(context.path))
    method = sorted(context.methods or {"GET"})[0]
    body: dict[str, Any] = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
    status: int = api.client.request(method, path, headers=headers, **body).status_code
    return status


def test_each_role_gets_403_exactly_where_the_matrix_says_no(api: Api) -> None:
    mismatches = []
    checked = 0
    for context in api_routes(api.client.app):  # type: ignore[arg-type]
        policy = next(iter(policies_of(context.dependant)), None)
        if policy is None:
            continue
        for role in Role:
            status = _request(api, context, api.auth(role.value, kvk=KVK if role is Role.EMPLOYER else None))
            checked += 1
            if (status == 403) != (role not in policy.roles):
                mismatches.append(f"{describe(context)} as {role.value}: {status} (policy {policy.name!r})")

    assert checked > 0
    assert mismatches == []


def test_every_protected_route_is_401_without_a_token(api: Api) -> None:
    answers = {
        describe(context): _request(api, context, {})
        for context in api_routes(api.client.app)  # type: ignore[arg-type]
        if next(iter(policies_of(context.dependant)), None) is not None
    }
    assert {route: status for route, status in answers.items() if status != 401} == {}


def test_public_routes_need_no_token(api: Api) -> None:
    answers = {
        describe(context): _request(api, context, {})
        for context in api_routes(api.client.app)  # type: ignore[arg-type]
        if policies_of(context.dependant) == [None]
    }
    assert "GET /healthz" in answers
    assert {route: status for route, status in answers.items() if status in {401, 403}} == {}
