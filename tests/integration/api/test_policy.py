"""Deny by default, and the contract's role matrix, checked on every route the app has.

The tests walk the app's routes rather than listing them, so a route added
later is covered the day it is added. FastAPI (0.165) keeps an included
router as one entry of `app.routes`; `iter_route_contexts` unfolds those into
each route with its full path and its effective dependencies.

The walks run on the whole site (`web.app.create_app`: the API and the staff
pages), so a page is held to the same rule; a page is entered with the session
cookie, not a bearer token, and without one sends the person to sign in.

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
from fastapi.testclient import TestClient

from api.auth import Principal, Role
from api.policy import Policy
from ledger.settings import Settings
from tests.conftest import Api
from web.app import create_app
from web.session import SessionCodec, signed_in_session

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


# The contract's role matrix (docs/roles.md), written out here rather than read from `api.policy`: the test
# states what each role may do, so a policy changed by mistake fails it. E employer, R registrar,
# I inspector, A auditor, M admin.
EVERYONE = "ERIAM"
MATRIX = {
    "POST /api/v1/employers": "RM",
    "GET /api/v1/employers": EVERYONE,
    "GET /api/v1/employers/{id}": EVERYONE,
    "GET /api/v1/housing-locations": EVERYONE,
    "GET /api/v1/housing-locations/{id}": EVERYONE,
    "POST /api/v1/housing-locations": "ERM",
    "POST /api/v1/housing-locations/{id}/occupancy-limits": "RM",
    "GET /api/v1/housing-locations/{id}/occupancy": EVERYONE,
    "GET /api/v1/housing-locations/{id}/residents": EVERYONE,
    "POST /api/v1/workers": "ERM",
    "POST /api/v1/workers/{workerId}/address-changes": "ERM",
    "POST /api/v1/workers/{workerId}/contract-ends": "ERM",
    "POST /api/v1/workers/{workerId}/departures": "ERM",
    "POST /api/v1/workers/{workerId}/population-registrations": "RM",
    "POST /api/v1/workers/{workerId}/population-deregistrations": "RM",
    "POST /api/v1/workers/{workerId}/population-declarations": "ERM",
    "POST /api/v1/workers/{workerId}/temporary-protections": "ERM",
    "POST /api/v1/workers/{workerId}/confirmations": "ERM",
    "POST /api/v1/workers/{workerId}/transfers": "RM",
    "POST /api/v1/workers/{workerId}/legal-holds": "IM",
    "DELETE /api/v1/workers/{workerId}/legal-holds/{caseReference}": "IM",
    "POST /api/v1/workers/{workerId}/erasure": "M",
    "GET /api/v1/workers": EVERYONE,
    "POST /api/v1/workers/_search": EVERYONE,
    "GET /api/v1/workers/{workerId}": EVERYONE,
    "GET /api/v1/workers/{workerId}/residence-history": EVERYONE,
    "POST /api/v1/inspections": "IM",
    "POST /api/v1/inspections/{id}/sanctions": "IM",
    "POST /api/v1/inspections/{id}/legal-holds": "IM",
    "DELETE /api/v1/inspections/{id}/legal-holds/{caseReference}": "IM",
    # Reading inspections back is the municipality's (issue 18): never an employer's.
    "GET /api/v1/inspections": "RIAM",
    "GET /api/v1/inspections/{id}": "RIAM",
    "GET /api/v1/headcounts": EVERYONE,
    # Reports are the municipality's figures of everyone's workers (issue 18).
    "GET /api/v1/reports/headcounts": "RIAM",
    "GET /api/v1/reports/flows": "RIAM",
    "GET /api/v1/reports/capacity": "RIAM",
    "GET /api/v1/reports/inspections": "RIAM",
    "GET /api/v1/reports/alerts": "RIAM",
    "GET /api/v1/alerts": EVERYONE,
    "GET /api/v1/audit/access-log": "AM",
    "GET /api/v1/audit/verification": "AM",
    "GET /api/v1/audit/events": "AM",
    "GET /api/v1/retention/due": "M",
    "GET /api/v1/workers/{workerId}/export": "RM",
    # The staff pages (docs/web.md, docs/roles.md): the municipality's staff; employers never reach them.
    "GET /": "RIAM",
    "GET /overzicht/bewoners-per-maand.svg": "RIAM",
    # The live blocks' fragments (docs/web.md § Live figures): as their pages.
    "GET /overzicht/cijfers": "RIAM",
    "GET /locaties/{id}/cijfers": "RIAM",
    "GET /signalen/cijfers": "RIAM",
    "GET /werknemers": "RIAM",
    "POST /werknemers": "RIAM",
    "GET /werknemers/{worker_id}": "RIAM",
    "GET /signalen": "RIAM",
    # Inspecties: the municipality reads them (as GET /api/v1/inspections); the forms are enforcement's.
    "GET /inspecties": "RIAM",
    "GET /inspecties/{id}": "RIAM",
    "GET /inspecties/nieuw": "IM",
    "POST /inspecties/nieuw": "IM",
    "GET /inspecties/{id}/sanctie": "IM",
    "POST /inspecties/{id}/sanctie": "IM",
    # Audit: whoever the API's audit routes admit.
    "GET /audit": "AM",
    "POST /audit": "AM",
    "GET /audit/controle": "AM",
    "GET /audit/gebeurtenissen": "AM",
    "GET /audit/toegang": "AM",
    "GET /locaties": "RIAM",
    "GET /locaties/{id}": "RIAM",
    # The occupancy-limit form: as POST /api/v1/housing-locations/{id}/occupancy-limits.
    "POST /locaties/{id}/maximum": "RM",
    "GET /werkgevers": "RIAM",
    "GET /werkgevers/{id}": "RIAM",
    # Rapportages: as GET /api/v1/reports/… (the municipality's figures).
    "GET /rapportages": "RIAM",
    "GET /rapportages/grafiek.svg": "RIAM",
    "GET /rapportages/bestand.csv": "RIAM",
    "GET /rapportages/bestand.xlsx": "RIAM",
}
LETTER = {Role.EMPLOYER: "E", Role.REGISTRAR: "R", Role.INSPECTOR: "I", Role.AUDITOR: "A", Role.ADMIN: "M"}


def test_each_role_gets_403_exactly_where_the_matrix_says_no(api: Api) -> None:
    mismatches = []
    unlisted = []
    checked = set()
    for context in api_routes(api.client.app):  # type: ignore[arg-type]
        if next(iter(policies_of(context.dependant)), None) is None:
            continue  # public: test_public_routes_need_no_token
        route = describe(context)
        if route not in MATRIX:
            unlisted.append(route)
            continue
        checked.add(route)
        for role in Role:
            status = _request(api, context, api.auth(role.value, kvk=KVK if role is Role.EMPLOYER else None))
            if (status == 403) != (LETTER[role] not in MATRIX[route]):
                mismatches.append(f"{route} as {role.value}: {status}, the matrix says {MATRIX[route]}")

    assert unlisted == [], "a route the matrix does not list: say here who may call it"
    assert checked == {route for route in MATRIX if " /api/" in route}, "a route of the matrix the app does not have"
    assert mismatches == []


def _page_routes(app: FastAPI) -> Iterator[RouteContext]:
    for context in api_routes(app):
        if not str(context.path).startswith("/api/") and next(iter(policies_of(context.dependant)), None) is not None:
            yield context


def test_each_role_reaches_exactly_the_pages_the_matrix_says(api: Api) -> None:
    site = create_app(api.settings)
    codec = SessionCodec.for_settings(api.settings)
    pages = {describe(context) for context in _page_routes(site)}
    assert pages == {route for route in MATRIX if " /api/" not in route}, "a page the matrix does not list"
    with TestClient(site, follow_redirects=False, client=("127.0.0.1", 50000)) as client:
        mismatches = []
        for route in sorted(pages):
            method, path = route.split(" ", 1)
            assert client.request(method, path).status_code == 303, f"{route} without a session must send to sign-in"
            for role in Role:
                principal = Principal(sub=f"test-{role.value}", roles=frozenset({role}))
                session = signed_in_session(principal, now=codec.now())
                client.cookies.set(codec.cookie_name, codec.encode(session))
                # A form carries the session's CSRF token: only the role may then make it 403.
                form = {"csrf_token": session.csrf} if method == "POST" else None
                status = client.request(method, path, data=form).status_code
                client.cookies.clear()
                if (status == 403) != (LETTER[role] not in MATRIX[route]):
                    mismatches.append(f"{route} as {role.value}: {status}, the matrix says {MATRIX[route]}")
    assert mismatches == []


def test_every_protected_route_is_401_without_a_token(api: Api) -> None:
    answers = {
        describe(context): _request(api, context, {})
        for context in api_routes(api.client.app)  # type: ignore[arg-type]
        if next(iter(policies_of(context.dependant)), None) is not None and str(context.path).startswith("/api/")
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
