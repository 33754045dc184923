"""The edges of `/api/v1`, on both backends: what a request may carry, which methods a path has, what is checked first.

- A query parameter a route does not take is 400 naming it (`unknownParam`,
  as the Haal Centraal APIs answer), and a single-valued one given twice is
  400 naming it (`repeatedParam`): nothing is silently ignored.
- A 405 lists every method of the path in `Allow`; HEAD answers wherever GET
  does, with GET's headers and no body; `GET /workers/_search` is 405 (the
  path is the search's), not a lookup of a worker called `_search`.
- Who is asking is checked before what is asked: without a token every route
  is 401 whatever its `If-Match`, body or query say, and a role the route is
  not for is 403 before any of them is looked at.
- A chunked body over the limit is 413, as one with a Content-Length is.
- A refused token's detail never names a library's exception class.
- The access log pages with `limit` and `cursor` like the other lists.
- The right-of-access export gives each event's position and the address of
  every housing location in the person's history.

Routes are walked, not listed, where a behaviour holds for all of them, so a
route added later is covered the day it is added.
"""

from __future__ import annotations

import base64
import builtins
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import cryptography.exceptions
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.routing import RouteContext

from api.auth import DEVELOPMENT_ISSUER, Role
from ledger.audit.processing_log import Activity, Operation
from tests.conftest import Api
from tests.factories import World, a_bag_id, a_world, an_address, register_worker
from tests.integration.api.test_policy import api_routes, policies_of

V1 = "/api/v1"
KVK = "12345678"
_PATH_PARAMETER = re.compile(r"\{[^}]+\}")
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Fixed ids for path parameters: the answers must not depend on which ones are drawn.
_SOME_ID = "5b3f7e2c-1d4a-4c8e-9a61-0f2d3c4b5a69"


def concrete(path: str) -> str:
    """The path template with an id in each parameter."""
    return _PATH_PARAMETER.sub(_SOME_ID, path)


def v1_routes(api: Api) -> Iterator[RouteContext]:
    """Every operation under /api/v1 (health and the documentation pages are outside the contract's edges)."""
    for context in api_routes(api.client.app):  # type: ignore[arg-type]
        if str(context.path).startswith(f"{V1}/") and getattr(context.original_route, "include_in_schema", False):
            yield context


def method_of(context: RouteContext) -> str:
    return sorted(context.methods or {"GET"})[0]


def names(answer: httpx.Response) -> list[str]:
    """The members a 400 names."""
    return [p["name"] for p in answer.json().get("invalidParams", [])]


def problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, f"{answer.request.method} {answer.request.url}: {answer.text}"
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert body["status"] == status
    return body


# -- query parameters --------------------------------------------------------------------------


def test_every_route_refuses_a_query_parameter_it_does_not_take_naming_it(api: Api) -> None:
    answers = {}
    for context in v1_routes(api):
        method = method_of(context)
        body: dict[str, Any] = {"json": {}} if method in _WRITES else {}
        answer = api.client.request(
            method, concrete(str(context.path)), params={"unexpected": "1"}, headers=api.auth("admin"), **body
        )
        answers[f"{method} {context.path}"] = (answer.status_code, names(answer) if answer.status_code == 400 else [])

    assert answers, "the walk must find the routes"
    assert answers == dict.fromkeys(answers, (400, ["unexpected"]))


def test_unknown_parameters_are_all_named_as_haal_centraal_names_them(api: Api) -> None:
    answer = api.client.get(
        f"{V1}/workers", params={"limit": "5", "colour": "red", "size": "9"}, headers=api.auth("registrar")
    )

    body = problem(answer, 400)
    assert [(p["name"], p["code"]) for p in body["invalidParams"]] == [
        ("colour", "unknownParam"),
        ("size", "unknownParam"),
    ]
    assert "colour" in body["detail"]
    assert "size" in body["detail"]
    assert api.client.get(f"{V1}/workers", params={"limit": "5"}, headers=api.auth("registrar")).status_code == 200


def test_parameter_names_are_case_sensitive(api: Api) -> None:
    answer = api.client.get(f"{V1}/workers", params={"Limit": "5"}, headers=api.auth("registrar"))
    assert names(answer) == ["Limit"]


@pytest.mark.parametrize(
    ("path", "query", "role"),
    [
        ("/workers", "limit=1&limit=2", "registrar"),
        ("/workers", "minPosition=0&minPosition=0", "registrar"),
        ("/audit/events", "after=0&after=5", "auditor"),
        (f"/housing-locations/{_SOME_ID}/occupancy", "on=2026-06-01&on=2026-06-02", "registrar"),
    ],
)
def test_a_single_valued_parameter_given_twice_is_400_naming_it(
    shared_api: Api, path: str, query: str, role: str
) -> None:
    answer = shared_api.client.get(f"{V1}{path}?{query}", headers=shared_api.auth(role))

    body = problem(answer, 400)
    name = query.split("=", maxsplit=1)[0]
    assert [(p["name"], p["code"]) for p in body["invalidParams"]] == [(name, "repeatedParam")]
    assert name in body["detail"]


# -- methods -------------------------------------------------------------------------------------


def _methods_by_path(api: Api) -> dict[str, set[str]]:
    """Every method each /api/v1 path template has, HEAD wherever GET is."""
    methods: dict[str, set[str]] = {}
    for context in v1_routes(api):
        methods.setdefault(str(context.path), set()).update(context.methods or ())
    for found in methods.values():
        if "GET" in found:
            found.add("HEAD")
    return methods


def test_a_405_lists_every_method_of_the_path(shared_api: Api) -> None:
    expected = _methods_by_path(shared_api)
    answers = {}
    for path in expected:
        answer = shared_api.client.request("PATCH", concrete(path), headers=shared_api.auth("admin"))
        allowed = {m.strip() for m in answer.headers.get("allow", "").split(",") if m.strip()}
        answers[path] = (answer.status_code, allowed)

    assert "PATCH" not in set().union(*expected.values()), "the probe needs a method no route has"
    assert answers == {path: (405, methods) for path, methods in expected.items()}


def test_the_workers_collection_allows_get_head_and_post(shared_api: Api) -> None:
    answer = shared_api.client.delete(f"{V1}/workers", headers=shared_api.auth("admin"))

    problem(answer, 405)
    assert sorted(m.strip() for m in answer.headers["allow"].split(",")) == ["GET", "HEAD", "POST"]


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
def test_the_search_path_is_the_search_not_a_worker_called_search(shared_api: Api, method: str) -> None:
    answer = shared_api.client.request(method, f"{V1}/workers/_search", headers=shared_api.auth("registrar"))

    assert answer.status_code == 405, answer.text
    assert answer.headers["allow"] == "POST"


@pytest.fixture
def world(api: Api) -> World:
    return a_world(api.services.ledger)


def _comparable(answer: httpx.Response) -> dict[str, str]:
    # Each answer has its own date and trace context.
    return {k: v for k, v in answer.headers.items() if k not in {"date", "traceparent"}}


def test_head_answers_with_the_headers_of_get_and_no_body(api: Api, world: World) -> None:
    worker = register_worker(api.services.ledger, world)
    position = api.services.ledger.recorder.max_notification_id()
    registrar = api.auth("registrar")
    paths = [
        f"{V1}/workers?minPosition={position}",
        f"{V1}/workers/{worker}",
        f"{V1}/housing-locations/{world.location_id}/occupancy",
        f"{V1}/headcounts?groupBy=employer",
        f"{V1}/workers/{_SOME_ID}",  # 404
    ]
    for path in paths:
        got = api.client.get(path, headers=registrar)
        head = api.client.head(path, headers=registrar)

        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert _comparable(head) == _comparable(got), path
    assert "etag" in api.client.head(f"{V1}/workers/{worker}", headers=registrar).headers


def test_head_answers_wherever_get_does(api: Api) -> None:
    answers, expected = {}, {}
    for context in v1_routes(api):
        if "GET" not in (context.methods or ()):
            continue
        path = concrete(str(context.path))
        got = api.client.get(path, headers=api.auth("admin"))
        head = api.client.head(path, headers=api.auth("admin"))
        answers[str(context.path)] = (head.status_code, head.content)
        expected[str(context.path)] = (got.status_code, b"")

    assert answers
    assert answers == expected


def test_head_without_a_token_is_401_without_a_body(api: Api) -> None:
    answer = api.client.head(f"{V1}/workers")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.content == b""


# -- who is asking, before what is asked -------------------------------------------------------

# Everything a request could be refused for after its token: a malformed If-Match, a body that is not
# JSON, a query parameter no route takes.
_JUNK_HEADERS = {"If-Match": "not-a-version", "Content-Type": "application/json"}
_JUNK_BODY = b"{this is not json"


def _junk_request(api: Api, context: RouteContext, headers: dict[str, str]) -> httpx.Response:
    method = method_of(context)
    content = {"content": _JUNK_BODY} if method in _WRITES else {}
    return api.client.request(
        method, concrete(str(context.path)), params={"unexpected": "1"}, headers=_JUNK_HEADERS | headers, **content
    )


def _protected(api: Api) -> Iterator[tuple[RouteContext, frozenset[Role]]]:
    for context in v1_routes(api):
        policy = next(iter(policies_of(context.dependant)), None)
        if policy is not None:
            yield context, policy.roles


def test_without_a_token_every_route_is_401_whatever_else_the_request_holds(api: Api) -> None:
    answers = {f"{method_of(c)} {c.path}": _junk_request(api, c, {}).status_code for c, _roles in _protected(api)}

    assert answers
    assert answers == dict.fromkeys(answers, 401)


def test_a_role_the_route_is_not_for_is_403_whatever_else_the_request_holds(api: Api) -> None:
    answers = {}
    for context, roles in _protected(api):
        for role in set(Role) - roles:
            answer = _junk_request(api, context, api.auth(role.value, kvk=KVK if role is Role.EMPLOYER else None))
            answers[f"{method_of(context)} {context.path} as {role.value}"] = answer.status_code

    assert answers
    assert answers == dict.fromkeys(answers, 403)


def test_a_malformed_if_match_without_a_token_is_401(api: Api, world: World) -> None:
    answer = api.client.post(
        f"{V1}/housing-locations/{world.location_id}/occupancy-limits",
        json={"maxOccupants": 3, "validFrom": "2026-07-01"},
        headers={"If-Match": "yesterday"},
    )
    problem(answer, 401)


def test_a_body_that_is_not_json_without_a_token_is_401(api: Api) -> None:
    answer = api.client.post(
        f"{V1}/employers", content=b"kvkNumber=12345678", headers={"Content-Type": "application/json"}
    )
    problem(answer, 401)


# -- the body's size ---------------------------------------------------------------------------


def _chunked(*parts: bytes, filler: int = 0) -> Iterator[bytes]:
    """A body sent without Content-Length (Transfer-Encoding: chunked), `filler` KiB of spaces in the middle."""
    yield parts[0]
    for _ in range(filler):
        yield b" " * 1024
    yield from parts[1:]


def test_a_chunked_body_over_the_limit_is_413(api: Api) -> None:
    kib_over = api.settings.api_max_body_bytes // 1024 + 1
    answer = api.client.post(
        f"{V1}/employers",
        content=_chunked(b'{"kvkNumber": "12345678",', b'"name": "Flexwerk B.V."}', filler=kib_over),
        headers=api.auth("registrar") | {"Content-Type": "application/json"},
    )

    body = problem(answer, 413)
    assert str(api.settings.api_max_body_bytes) in body["detail"]


def test_a_chunked_body_within_the_limit_is_read_whole(api: Api) -> None:
    answer = api.client.post(
        f"{V1}/employers",
        content=_chunked(b'{"kvkNumber": "12345678",', b'"name": "Flexwerk B.V."}', filler=8),
        headers=api.auth("registrar") | {"Content-Type": "application/json"},
    )
    assert answer.status_code == 201, answer.text


# -- refused tokens ----------------------------------------------------------------------------

# What a detail must never name: an exception class of the token library, of the cryptography library, or Python's.
LIBRARY_ERRORS = {
    name
    for module in (jwt.exceptions, cryptography.exceptions, builtins)
    for name, value in vars(module).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}


def _segment(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _odd_tokens(api: Api) -> dict[str, str]:
    """Tokens that are wrong in ways a client's bug or an attacker produces, beyond the forged ones of test_auth."""
    key = serialization.load_pem_private_key(api.settings.jwt_dev_key_path.read_bytes(), password=None)
    now = datetime.now(UTC)

    def signed(**claims: object) -> str:
        base: dict[str, object] = {
            "iss": DEVELOPMENT_ISSUER,
            "aud": api.settings.oidc_audience,
            "sub": "test-registrar",
            "iat": now,
            "exp": now + timedelta(minutes=10),
            "roles": ["registrar"],
        }
        return jwt.encode(base | claims, key, algorithm="EdDSA")

    head, payload, signature = api.token("registrar").split(".")
    return {
        "a header that is not JSON": f"bm90IGpzb24.{payload}.{signature}",
        "a header that is a list": f"{_segment(['EdDSA'])}.{payload}.{signature}",
        "an algorithm that is a number": f"{_segment({'alg': 5})}.{payload}.{signature}",
        "an algorithm nobody knows": f"{_segment({'alg': 'XX512'})}.{payload}.{signature}",
        "a kid that is an object": f"{_segment({'alg': 'EdDSA', 'kid': {'k': 1}})}.{payload}.{signature}",
        "a critical header extension": f"{_segment({'alg': 'EdDSA', 'crit': ['exp']})}.{payload}.{signature}",
        "a payload that is a list": f"{head}.{_segment([1, 2])}.{signature}",
        "two segments": f"{head}.{payload}",
        "four segments": f"{head}.{payload}.{signature}.{signature}",
        "padding in a segment": f"{head}.{payload}===.{signature}",
        "a signature that is not base64": f"{head}.{payload}.%%%%",
        "an expiry that is text": signed(exp="tomorrow"),
        "a not-before that is text": signed(nbf="soon"),
        "an issue time that is text": signed(iat="today"),
        "an audience that is a number": signed(aud=5),
        "an audience list with a number": signed(aud=[5]),
        "a KvK number that is a number": signed(roles=["employer"], kvk=12345678),
    }


def test_a_refused_token_is_401_without_naming_a_library_class(api: Api) -> None:
    answers = {}
    for case, token in _odd_tokens(api).items():
        answer = api.client.get(f"{V1}/workers", headers={"Authorization": f"Bearer {token}"})
        detail = str(answer.json().get("detail", "")) if answer.status_code == 401 else answer.text
        answers[case] = (answer.status_code, sorted(n for n in LIBRARY_ERRORS if n in detail))

    assert answers == dict.fromkeys(answers, (401, []))


# -- the access log pages ----------------------------------------------------------------------


def _log_lines(api: Api, count: int, actor: str = "clerk-1") -> list[UUID]:
    """`count` processing-log lines of `actor`, appended in one statement (they share one instant)."""
    subjects = [UUID(int=n + 1) for n in range(count)]
    api.services.processing_log.append(
        actor=actor,
        role="registrar",
        activity=Activity.REGISTRATION,
        subjects=subjects,
        operation=Operation.READ,
        outcome="OK",
        trace_id="0" * 32,
    )
    return subjects


def _access_log(api: Api, **params: Any) -> dict[str, Any]:
    answer = api.client.get(f"{V1}/audit/access-log", params=params, headers=api.auth("auditor", sub="auditor-1"))
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_the_access_log_pages_with_limit_and_cursor(api: Api) -> None:
    subjects = _log_lines(api, 7)

    pages, cursor = [], None
    while True:
        page = _access_log(api, actor="clerk-1", limit=3, **({"cursor": cursor} if cursor else {}))
        pages.append([UUID(line["subjectId"]) for line in page["items"]])
        cursor = page["nextCursor"]
        if cursor is None:
            break

    assert [len(p) for p in pages] == [3, 3, 1]
    assert [subject for page in pages for subject in page] == subjects


def test_the_access_log_says_there_is_more_instead_of_stopping(api: Api) -> None:
    subjects = _log_lines(api, 1001)

    first = _access_log(api, actor="clerk-1")
    largest = _access_log(api, actor="clerk-1", limit=5000)
    rest = _access_log(api, actor="clerk-1", limit=5000, cursor=largest["nextCursor"])

    assert len(first["items"]) == 100
    assert first["nextCursor"] is not None
    assert len(largest["items"]) == 1000
    assert [UUID(line["subjectId"]) for line in largest["items"] + rest["items"]] == subjects
    assert rest["nextCursor"] is None


@pytest.mark.parametrize("cursor", ["bm90IG91cnM", "", "%%%", "d29ya2Vycy52MTqqqqqqqqqqqqqqqqqqqqqqqqqq"])
def test_a_cursor_the_access_log_did_not_give_out_is_400_naming_it(shared_api: Api, cursor: str) -> None:
    answer = shared_api.client.get(
        f"{V1}/audit/access-log", params={"cursor": cursor}, headers=shared_api.auth("auditor")
    )
    problem(answer, 400)
    assert names(answer) == ["cursor"]


# -- the right-of-access export ----------------------------------------------------------------


def test_the_export_gives_each_event_its_position_in_the_log(api: Api, world: World) -> None:
    ledger = api.services.ledger
    worker = register_worker(ledger, world)
    register_worker(ledger, world)  # someone else's events in between
    last = ledger.change_housing(worker, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))

    export = api.client.get(
        f"{V1}/workers/{worker}/export", params={"minPosition": last.position}, headers=api.auth("registrar")
    )
    feed = api.client.get(f"{V1}/audit/events", params={"limit": 500}, headers=api.auth("auditor"))

    assert export.status_code == 200, export.text
    exported = [(e["position"], e["type"]) for e in export.json()["events"]]
    logged = [(e["position"], e["type"]) for e in feed.json()["items"] if e["aggregateId"] == str(worker)]
    assert exported == logged
    assert [t for _, t in exported] == ["Worker.Registered", "Worker.HousingAddressChanged"]
    assert exported[-1][0] == last.position


def test_the_export_gives_the_address_of_every_housing_location_in_the_history(api: Api, world: World) -> None:
    ledger = api.services.ledger
    canal_house = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(street="Oosterhaven", house_number=7, house_letter="A", postcode="1671 HK"),
        kind="dwelling",
        max_occupants=4,
    ).id
    farm = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(
            street="Zuiderweg", house_number=101, house_number_addition="2", postcode="1687 AB", city="Wognum"
        ),
        kind="short_stay_facility",
        max_occupants=8,
    ).id
    worker = register_worker(ledger, world)  # housed at the world's first location from 2026-04-01
    ledger.change_housing(worker, housing_location_id=canal_house, valid_from=date(2026, 5, 1))
    ledger.change_housing(worker, housing_location_id=farm, valid_from=date(2026, 6, 1))
    last = ledger.change_housing(worker, housing_location_id=canal_house, valid_from=date(2026, 6, 10))

    export = api.client.get(
        f"{V1}/workers/{worker}/export", params={"minPosition": last.position}, headers=api.auth("admin")
    )

    assert export.status_code == 200, export.text
    listed = export.json()["housingLocations"]
    assert [item["housingLocationId"] for item in listed] == [str(world.location_id), str(canal_house), str(farm)]
    addresses = {item["housingLocationId"]: item["address"] for item in listed}
    assert addresses[str(canal_house)] == {
        "street": "Oosterhaven",
        "houseNumber": 7,
        "houseLetter": "A",
        "houseNumberAddition": None,
        "postcode": "1671HK",
        "city": "Medemblik",
    }
    assert addresses[str(farm)] == {
        "street": "Zuiderweg",
        "houseNumber": 101,
        "houseLetter": None,
        "houseNumberAddition": "2",
        "postcode": "1687AB",
        "city": "Wognum",
    }
    assert set(addresses[str(world.location_id)]) == set(addresses[str(farm)])
