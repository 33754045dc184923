"""Bearer tokens: what the server accepts, and every token the contract refuses is 401.

The suite runs against the three ways a server can trust tokens: development
tokens (the embedded default), an OIDC issuer with a JWKS URL (served here by
a tiny HTTP server on 127.0.0.1 in a thread, which counts its requests), and
an OIDC issuer with a configured public key file. A refused request stores
nothing: the same registration with a good token afterwards is 201, not 409.
Token checks happen before any storage is touched, so these tests run on
SQLite only; the backends are covered by the other API tests, and by the
roles-claim test at the end, which signs its tokens with the development key.
No refusal's detail names an exception class of the token library or of
Python.
"""

from __future__ import annotations

import base64
import builtins
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm

from api.app import create_app
from api.auth import DEVELOPMENT_ISSUER, DevelopmentTokens, Role
from ledger.bootstrap import open_keystore
from ledger.migrations import upgrade
from ledger.settings import Settings
from tests.conftest import Api

ISSUER = "https://login.medemblik.example/realms/ledger"
AUDIENCE = "westland-ledger"
ENDPOINT = "/api/v1/employers"
DROP = object()  # a claim value meaning "leave this claim out"

_kvk_numbers = iter(range(70_000_000, 80_000_000))


class JwksServer:
    """A JWKS endpoint on 127.0.0.1 that counts how often it is asked."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys = keys
        self.requests = 0
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with owner._lock:
                    owner.requests += 1
                    body = json.dumps({"keys": owner.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/jwks.json"

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def public_jwk(key: ec.EllipticCurvePrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return jwk | {"kid": kid, "use": "sig", "alg": "ES256"}


def public_pem(key: Any) -> bytes:
    pem: bytes = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem


@dataclass
class Issuer:
    """Who signs the tokens a server trusts, and the client of that server."""

    kind: str
    iss: str
    key: Any
    algorithm: str
    client: TestClient
    kid: str | None = None
    jwks: JwksServer | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": self.iss,
            "aud": AUDIENCE,
            "sub": "test-registrar",
            "iat": now,
            "exp": now + timedelta(minutes=10),
            "roles": [Role.REGISTRAR.value],
        }
        claims |= overrides
        return {name: value for name, value in claims.items() if value is not DROP}

    def sign(self, claims: dict[str, Any], *, key: Any = None, **headers: Any) -> str:
        header = ({"kid": self.kid} if self.kid else {}) | headers
        return jwt.encode(claims, key or self.key, algorithm=self.algorithm, headers=header)

    def token(self, **overrides: Any) -> str:
        return self.sign(self.claims(**overrides))


def post(issuer: Issuer, token: str | None, *, url: str = ENDPOINT, kvk: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    body = {"kvkNumber": kvk or str(next(_kvk_numbers)), "name": "Bouwbedrijf Twisk B.V."}
    return issuer.client.post(url, json=body, headers=headers)


def assert_refused_and_nothing_stored(issuer: Issuer, token: str | None, *, url: str = ENDPOINT) -> None:
    kvk = str(next(_kvk_numbers))
    answer = post(issuer, token, url=url, kvk=kvk)
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["www-authenticate"] == "Bearer"
    assert _library_errors_named(answer.json()["detail"]) == []
    assert post(issuer, issuer.token(), kvk=kvk).status_code == 201


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "var", database_url=None)
    keys = open_keystore(settings)
    upgrade(keys.engine, keys.key_engine)
    keys.dispose()
    return settings


def _serve(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.fixture
def development(sqlite_settings: Settings) -> Iterator[Issuer]:
    DevelopmentTokens(sqlite_settings)  # creates the development key
    pem = sqlite_settings.jwt_dev_key_path.read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    with _serve(sqlite_settings) as client:
        yield Issuer("development", DEVELOPMENT_ISSUER, key, "EdDSA", client)


@pytest.fixture
def oidc_jwks(sqlite_settings: Settings) -> Iterator[Issuer]:
    key = ec.generate_private_key(ec.SECP256R1())
    with JwksServer([public_jwk(key, "key-2026-01")]) as jwks:
        settings = sqlite_settings.model_copy(
            update={"oidc_issuer": ISSUER, "oidc_jwks_url": jwks.url, "oidc_audience": AUDIENCE}
        )
        with _serve(settings) as client:
            yield Issuer("jwks", ISSUER, key, "ES256", client, kid="key-2026-01", jwks=jwks)


@pytest.fixture
def oidc_public_key(sqlite_settings: Settings, tmp_path: Path) -> Iterator[Issuer]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "issuer.pem"
    key_file.write_bytes(public_pem(key))
    settings = sqlite_settings.model_copy(
        update={"oidc_issuer": ISSUER, "oidc_public_key_file": key_file, "oidc_audience": AUDIENCE}
    )
    with _serve(settings) as client:
        yield Issuer("public-key-file", ISSUER, key, "RS256", client)


@pytest.fixture(params=["development", "oidc_jwks", "oidc_public_key"])
def issuer(request: pytest.FixtureRequest) -> Issuer:
    chosen: Issuer = request.getfixturevalue(request.param)
    return chosen


# -- what every server accepts ------------------------------------------------


def test_a_good_token_is_accepted(issuer: Issuer) -> None:
    assert post(issuer, issuer.token()).status_code == 201


def test_roles_may_come_as_a_space_separated_string(issuer: Issuer) -> None:
    assert post(issuer, issuer.token(roles="auditor registrar")).status_code == 201


# -- what every server refuses -----------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json_segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, default=lambda d: int(d.timestamp())).encode())


def unsigned_token(issuer: Issuer) -> str:
    header = {"alg": "none", "typ": "JWT"} | ({"kid": issuer.kid} if issuer.kid else {})
    return f"{_json_segment(header)}.{_json_segment(issuer.claims())}."


def hmac_with_the_public_key(issuer: Issuer) -> str:
    """HS256 with the server's own public key (PEM) as the shared secret: the algorithm-confusion attack."""
    header = {"alg": "HS256", "typ": "JWT"} | ({"kid": issuer.kid} if issuer.kid else {})
    signing_input = f"{_json_segment(header)}.{_json_segment(issuer.claims())}"
    signature = hmac.new(public_pem(issuer.key), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def flipped_signature(issuer: Issuer) -> str:
    head, payload, signature = issuer.token().split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return f"{head}.{payload}.{_b64(bytes(raw))}"


REFUSED = {
    "alg none": unsigned_token,
    "HS256 signed with the public key": hmac_with_the_public_key,
    "wrong iss": lambda i: i.token(iss="https://evil.example/"),
    "wrong aud": lambda i: i.token(aud="another-api"),
    "missing exp": lambda i: i.token(exp=DROP),
    "past exp": lambda i: i.token(
        iat=datetime.now(UTC) - timedelta(hours=2), exp=datetime.now(UTC) - timedelta(hours=1)
    ),
    "future nbf": lambda i: i.token(nbf=datetime.now(UTC) + timedelta(hours=1)),
    "flipped signature byte": flipped_signature,
    "missing sub": lambda i: i.token(sub=DROP),
    "missing iat": lambda i: i.token(iat=DROP),
    "none of the ledger's roles": lambda i: i.token(roles=["superuser"]),
    "employer without a KvK number": lambda i: i.token(roles=["employer"]),
    "not a JWT": lambda _i: "not-a-jwt",
    "signed by another key": lambda i: i.sign(i.claims(), key=_another_key_like(i.key)),
}


def _another_key_like(key: Any) -> Any:
    if isinstance(key, rsa.RSAPrivateKey):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_bad_token_is_401_and_stores_nothing(issuer: Issuer, case: str) -> None:
    assert_refused_and_nothing_stored(issuer, REFUSED[case](issuer))


def test_without_a_token_is_401(issuer: Issuer) -> None:
    assert_refused_and_nothing_stored(issuer, None)


def test_a_token_in_the_query_string_is_not_accepted(issuer: Issuer) -> None:
    assert_refused_and_nothing_stored(issuer, None, url=f"{ENDPOINT}?access_token={issuer.token()}")


def test_another_authorization_scheme_is_401(issuer: Issuer) -> None:
    answer = issuer.client.post(
        ENDPOINT, json={"kvkNumber": "12345678", "name": "X"}, headers={"Authorization": f"Basic {issuer.token()}"}
    )
    assert answer.status_code == 401


# -- OIDC only ----------------------------------------------------------------


@pytest.mark.parametrize("oidc", ["oidc_jwks", "oidc_public_key"])
def test_a_development_token_is_refused_by_a_server_with_an_oidc_issuer(
    oidc: str, request: pytest.FixtureRequest, sqlite_settings: Settings
) -> None:
    issuer: Issuer = request.getfixturevalue(oidc)
    development_token = DevelopmentTokens(sqlite_settings).issue(role=Role.ADMIN, sub="dev-admin")
    assert_refused_and_nothing_stored(issuer, development_token)


def test_an_unknown_kid_is_401_and_refreshes_the_keys_at_most_once(oidc_jwks: Issuer) -> None:
    jwks = oidc_jwks.jwks
    assert jwks is not None
    assert post(oidc_jwks, oidc_jwks.token()).status_code == 201
    fetched_for_the_good_token = jwks.requests

    answers = [post(oidc_jwks, oidc_jwks.sign(oidc_jwks.claims(), kid=f"unknown-{n}")) for n in range(5)]

    assert [a.status_code for a in answers] == [401] * 5
    assert jwks.requests - fetched_for_the_good_token <= 1


def test_a_rotated_key_is_picked_up_by_the_refresh(oidc_jwks: Issuer) -> None:
    jwks = oidc_jwks.jwks
    assert jwks is not None
    assert post(oidc_jwks, oidc_jwks.token()).status_code == 201
    new_key = ec.generate_private_key(ec.SECP256R1())
    jwks.keys = [*jwks.keys, public_jwk(new_key, "key-2026-07")]

    rotated = oidc_jwks.sign(oidc_jwks.claims(), key=new_key, kid="key-2026-07")

    assert post(oidc_jwks, rotated).status_code == 201


def test_a_token_without_a_kid_is_401_with_a_jwks(oidc_jwks: Issuer) -> None:
    token = jwt.encode(oidc_jwks.claims(), oidc_jwks.key, algorithm="ES256")
    assert_refused_and_nothing_stored(oidc_jwks, token)


def test_keys_named_in_the_token_header_are_never_followed(oidc_jwks: Issuer) -> None:
    attacker_key = ec.generate_private_key(ec.SECP256R1())
    with JwksServer([public_jwk(attacker_key, "attacker")]) as attacker:
        pointing_elsewhere = oidc_jwks.sign(
            oidc_jwks.claims(), key=attacker_key, kid="attacker", jku=attacker.url, x5u=attacker.url
        )
        embedding_its_key = oidc_jwks.sign(
            oidc_jwks.claims(), key=attacker_key, jwk=public_jwk(attacker_key, oidc_jwks.kid or "")
        )

        assert_refused_and_nothing_stored(oidc_jwks, pointing_elsewhere)
        assert_refused_and_nothing_stored(oidc_jwks, embedding_its_key)
        assert attacker.requests == 0


def test_an_issuer_whose_jwks_has_no_usable_key_gets_401_not_500(sqlite_settings: Settings) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    with JwksServer([{"kty": "unknown", "kid": "k1"}]) as jwks:
        settings = sqlite_settings.model_copy(update={"oidc_issuer": ISSUER, "oidc_jwks_url": jwks.url})
        with _serve(settings) as client:
            issuer = Issuer("jwks", ISSUER, key, "ES256", client, kid="k1", jwks=jwks)
            assert post(issuer, issuer.token()).status_code == 401


def test_an_unreachable_jwks_gets_401_not_500(sqlite_settings: Settings) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    with JwksServer([]) as gone:
        url = gone.url  # a loopback port that no longer answers once the server is closed
    settings = sqlite_settings.model_copy(update={"oidc_issuer": ISSUER, "oidc_jwks_url": url})
    with _serve(settings) as client:
        issuer = Issuer("jwks", ISSUER, key, "ES256", client, kid="k1")
        assert post(issuer, issuer.token()).status_code == 401


# -- the roles claim, on both backends ----------------------------------------

MALFORMED_ROLES: dict[str, Any] = {
    "a number": 5,
    "a boolean": True,
    "null": None,
    "an object": {"registrar": True},
    "a list with a number": ["registrar", 5],
    "a list with null": ["registrar", None],
    "a nested list": [["registrar"]],
    "a list with an object": [{"role": "registrar"}],
}
# What a detail must never name: the token library's exception classes, or Python's.
LIBRARY_ERRORS = {
    name
    for module in (jwt.exceptions, builtins)
    for name, value in vars(module).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}


def _library_errors_named(detail: str) -> list[str]:
    return sorted(name for name in LIBRARY_ERRORS if name in detail)


def test_a_roles_claim_of_another_shape_is_401_and_stores_nothing(api: Api) -> None:
    key = serialization.load_pem_private_key(api.settings.jwt_dev_key_path.read_bytes(), password=None)
    now = datetime.now(UTC)

    def signed(roles: Any) -> str:
        claims = {
            "iss": DEVELOPMENT_ISSUER,
            "aud": api.settings.oidc_audience,
            "sub": "test-registrar",
            "iat": now,
            "exp": now + timedelta(minutes=10),
            api.settings.oidc_roles_claim: roles,
        }
        return jwt.encode(claims, key, algorithm="EdDSA")

    answers = {}
    for case, roles in MALFORMED_ROLES.items():
        body = {"kvkNumber": str(next(_kvk_numbers)), "name": "Bouwbedrijf Twisk B.V."}
        refused = api.client.post(ENDPOINT, json=body, headers={"Authorization": f"Bearer {signed(roles)}"})
        detail = refused.json().get("detail", "") if refused.headers.get("content-type", "").endswith("json") else ""
        stored_after = api.client.post(ENDPOINT, json=body, headers=api.auth("registrar")).status_code
        answers[case] = (
            refused.status_code,
            refused.headers.get("content-type"),
            refused.headers.get("www-authenticate"),
            _library_errors_named(detail),
            stored_after,
        )

    assert answers == {case: (401, "application/problem+json", "Bearer", [], 201) for case in MALFORMED_ROLES}


# -- eHerkenning: an employer's assurance level, and the company an intermediary represents --------------------

# The assurance levels at EH3 ("substantieel") or above: eHerkenning's own and eIDAS's (the defaults of
# LEDGER_OIDC_EMPLOYER_ACR_VALUES).
AT_EH3_OR_ABOVE = [
    "urn:etoegang:core:assurance-class:loa3",
    "urn:etoegang:core:assurance-class:loa4",
    "http://eidas.europa.eu/LoA/substantial",
    "http://eidas.europa.eu/LoA/high",
]
BELOW_EH3: dict[str, Any] = {
    "EH2+": "urn:etoegang:core:assurance-class:loa2plus",
    "EH2": "urn:etoegang:core:assurance-class:loa2",
    "eIDAS low": "http://eidas.europa.eu/LoA/low",
    "no acr claim": DROP,
    "a number": 3,
    "a list": ["urn:etoegang:core:assurance-class:loa3"],
}
WORKERS = "/api/v1/workers"


def an_employers_token(issuer: Issuer, kvk: str, **claims: Any) -> str:
    return issuer.token(sub="employee-of-the-employer", roles=["employer"], kvk=kvk, **claims)


def read_workers(issuer: Issuer, token: str, path: str = WORKERS) -> Any:
    return issuer.client.get(path, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("acr", AT_EH3_OR_ABOVE)
@pytest.mark.parametrize("oidc", ["oidc_jwks", "oidc_public_key"])
def test_an_employer_token_at_eh3_or_above_is_accepted(oidc: str, acr: str, request: pytest.FixtureRequest) -> None:
    issuer: Issuer = request.getfixturevalue(oidc)
    answer = read_workers(issuer, an_employers_token(issuer, str(next(_kvk_numbers)), acr=acr))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("case", list(BELOW_EH3))
@pytest.mark.parametrize("oidc", ["oidc_jwks", "oidc_public_key"])
def test_an_employer_token_below_eh3_is_403_saying_so(oidc: str, case: str, request: pytest.FixtureRequest) -> None:
    issuer: Issuer = request.getfixturevalue(oidc)
    answer = read_workers(issuer, an_employers_token(issuer, str(next(_kvk_numbers)), acr=BELOW_EH3[case]))

    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    detail = answer.json()["detail"]
    assert "EH3" in detail
    assert "'acr'" in detail  # the claim it looked in
    assert _library_errors_named(detail) == []


def test_an_employer_token_below_eh3_writes_nothing(oidc_public_key: Issuer) -> None:
    kvk = str(next(_kvk_numbers))
    assert post(oidc_public_key, oidc_public_key.token(), kvk=kvk).status_code == 201
    location = {
        "bagId": "0420010000654321",
        "street": "Dorpsstraat",
        "houseNumber": 7,
        "postcode": "1671 AB",
        "city": "Medemblik",
        "kind": "dwelling",
        "ownerKvkNumber": kvk,
    }
    low = an_employers_token(oidc_public_key, kvk, acr=BELOW_EH3["EH2+"])
    high = an_employers_token(oidc_public_key, kvk, acr=AT_EH3_OR_ABOVE[0])

    refused = oidc_public_key.client.post(
        "/api/v1/housing-locations", json=location, headers={"Authorization": f"Bearer {low}"}
    )
    accepted = oidc_public_key.client.post(
        "/api/v1/housing-locations", json=location, headers={"Authorization": f"Bearer {high}"}
    )

    assert (refused.status_code, accepted.status_code) == (403, 201)


def test_the_assurance_claim_and_the_accepted_levels_are_settings(sqlite_settings: Settings, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "issuer.pem"
    key_file.write_bytes(public_pem(key))
    settings = sqlite_settings.model_copy(
        update={
            "oidc_issuer": ISSUER,
            "oidc_public_key_file": key_file,
            "oidc_audience": AUDIENCE,
            "oidc_acr_claim": "assurance",
            "oidc_employer_acr_values": ("substantial-or-better",),
        }
    )
    with _serve(settings) as client:
        issuer = Issuer("public-key-file", ISSUER, key, "RS256", client)
        kvk = str(next(_kvk_numbers))
        configured = read_workers(issuer, an_employers_token(issuer, kvk, assurance="substantial-or-better"))
        default_claim = read_workers(issuer, an_employers_token(issuer, kvk, acr=AT_EH3_OR_ABOVE[0]))

    assert (configured.status_code, default_claim.status_code) == (200, 403)
    assert "'assurance'" in default_claim.json()["detail"]


def test_staff_and_development_tokens_need_no_assurance_claim(oidc_public_key: Issuer, development: Issuer) -> None:
    # Staff sign in with the municipality's own identity provider, not eHerkenning; development
    # tokens stay as they are (no issuer configured).
    staff = read_workers(oidc_public_key, oidc_public_key.token(roles=["inspector"]))
    employer = read_workers(development, an_employers_token(development, str(next(_kvk_numbers))))
    assert (staff.status_code, employer.status_code) == (200, 200)


def test_an_intermediary_acts_for_the_company_it_represents(oidc_public_key: Issuer) -> None:
    issuer = oidc_public_key
    registrar = {"Authorization": f"Bearer {issuer.token()}"}
    represented, intermediary = str(next(_kvk_numbers)), str(next(_kvk_numbers))
    employer = issuer.client.post(
        ENDPOINT, json={"kvkNumber": represented, "name": "Kas en Teelt B.V."}, headers=registrar
    )
    assert employer.status_code == 201, employer.text
    worker = issuer.client.post(WORKERS, json=_a_worker_without_housing(employer.json()["id"]), headers=registrar)
    assert worker.status_code == 201, worker.text
    worker_path = f"{WORKERS}/{worker.json()['id']}?minPosition={worker.json()['position']}"
    eh3 = AT_EH3_OR_ABOVE[0]

    acting_for = an_employers_token(issuer, intermediary, represented_kvk=represented, acr=eh3)
    on_its_own = an_employers_token(issuer, intermediary, acr=eh3)
    malformed = an_employers_token(issuer, intermediary, represented_kvk="1234", acr=eh3)

    assert read_workers(issuer, acting_for, worker_path).status_code == 200
    assert [w["id"] for w in read_workers(issuer, acting_for).json()["items"]] == [worker.json()["id"]]
    assert read_workers(issuer, on_its_own, worker_path).status_code == 404
    assert read_workers(issuer, malformed).status_code == 401


def _a_worker_without_housing(employer_id: str) -> dict[str, Any]:
    return {
        "employerId": employer_id,
        "person": {
            "familyName": "Kowalska",
            "givenNames": "Anna Maria",
            "birthDate": "1994-03-14",
            "nationality": "POL",
            "idDocument": {
                "type": "passport",
                "number": f"EA{next(_kvk_numbers) % 10_000_000:07d}",
                "expiresOn": "2030-05-01",
            },
        },
        "employment": {
            "startDate": "2026-04-01",
            "workAddress": {"street": "Handelsweg", "houseNumber": 3, "postcode": "1687 AA", "city": "Wognum"},
        },
    }
