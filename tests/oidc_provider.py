"""An OpenID Connect identity provider the tests start in-process: real HTTP on a free loopback port.

It serves what the pages' sign-in uses (docs/web.md § Sessions and signing in):
the discovery document, its JWKS, an authorize endpoint that signs the next
person in at once and redirects back with a code, a token endpoint that checks
the client's secret and the PKCE verifier (S256, RFC 7636) and answers an
RS256 ID token, and an end-session endpoint (RP-initiated logout). A test sets
who signs in next (`person`) and can spoil the next ID token (`spoil`) to see
the pages refuse it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "ledger-pages"
CLIENT_SECRET = "a-client-secret-the-provider-checks"  # the test provider's own


@dataclass
class IdentityProvider:
    """The provider's state: who signs in next, the codes handed out, what was asked of it."""

    issuer: str = ""
    person: dict[str, Any] = field(default_factory=lambda: {"sub": "medewerker-1", "roles": ["registrar"]})
    spoil: dict[str, Any] = field(default_factory=dict)  # claims to overwrite (None: leave out) in the next token
    with_end_session: bool = True
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    logouts: list[dict[str, str]] = field(default_factory=list)
    _codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    _key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    kid: str = "test-key-1"

    def app(self) -> Starlette:
        """The provider's endpoints."""
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/logout", self.logout),
            ]
        )

    async def discovery(self, _request: Request) -> Response:
        document = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }
        if self.with_end_session:
            document["end_session_endpoint"] = f"{self.issuer}/logout"
        return JSONResponse(document)

    async def jwks(self, _request: Request) -> Response:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return JSONResponse({"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]})

    async def authorize(self, request: Request) -> Response:
        asked = dict(request.query_params)
        self.authorize_requests.append(asked)
        if asked.get("client_id") != CLIENT_ID or asked.get("response_type") != "code":
            return PlainTextResponse("unknown client or response type", status_code=400)
        if asked.get("code_challenge_method") != "S256" or not asked.get("code_challenge"):
            return PlainTextResponse("PKCE (S256) required", status_code=400)
        code = secrets.token_urlsafe(16)
        self._codes[code] = {**asked, "person": dict(self.person)}
        answer = urlencode({"code": code, "state": asked.get("state", "")})
        return RedirectResponse(f"{asked['redirect_uri']}?{answer}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        if _client_of(request, form) != (CLIENT_ID, CLIENT_SECRET):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self._codes.pop(form.get("code", ""), None)  # a code is good once
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["code_challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE verifier"}, status_code=400)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant["person"], nonce=grant.get("nonce")),
            }
        )

    def id_token(self, person: dict[str, Any], *, nonce: str | None) -> str:
        """An ID token for `person`, spoiled as the test asked (once)."""
        now = int(time.time())
        claims: dict[str, Any] = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **person}
        if nonce is not None:
            claims["nonce"] = nonce
        for name, value in self.spoil.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key: Any = self._key
        if self.spoil.get("_foreign_key"):
            claims.pop("_foreign_key")
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.spoil = {}
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    async def logout(self, request: Request) -> Response:
        asked = dict(request.query_params)
        self.logouts.append(asked)
        target = asked.get("post_logout_redirect_uri")
        if target:
            return RedirectResponse(target, status_code=302)
        return PlainTextResponse("signed out")


def _client_of(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """The client's id and secret: HTTP Basic (client_secret_basic) or in the form (client_secret_post)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        from urllib.parse import unquote  # noqa: PLC0415  # RFC 6749 § 2.3.1: form-encoded before Basic

        return unquote(user), unquote(password)
    return form.get("client_id", ""), form.get("client_secret", "")


@contextmanager
def running_provider() -> Iterator[IdentityProvider]:
    """The provider serving on a free loopback port for the block."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    # Listening before uvicorn starts: a request made at once waits in the backlog, so nobody needs to wait here.
    sock.listen(64)
    provider = IdentityProvider()
    provider.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # log_config=None: uvicorn's own logging config would add handlers that print tracebacks with their
    # values to every later test in this process (tests/unit/test_logs.py caught it), as `ledger serve` does not.
    server = uvicorn.Server(uvicorn.Config(provider.app(), log_level="warning", lifespan="off", log_config=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="test-oidc-provider", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
