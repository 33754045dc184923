"""The pages' OpenID Connect client: the authorization code flow with PKCE at `LEDGER_OIDC_ISSUER`.

Authlib speaks the protocol (the authorization request with its S256 code
challenge, RFC 7636; the token request with the client's secret as HTTP Basic,
RFC 6749 § 2.3.1). The ID token is checked as OpenID Connect Core 1.0 § 3.1.3.7
asks — signature by a key of the provider's JWKS, `iss` the configured issuer,
`aud` this client, `exp`, `iat`, and the `nonce` of this attempt — with PyJWT,
the library and the algorithms the API checks its tokens with. The provider's
endpoints come from its discovery document (OpenID Connect Discovery 1.0),
fetched when first needed, so the pages start while the provider is down.
Redirect URIs are made from `LEDGER_WEB_PUBLIC_URL`: behind a TLS proxy the
process sees plain http, and the provider compares the URI exactly.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import jwt
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client

from ledger.settings import Settings
from web.session import SignInAttempt

CALLBACK_PATH = "/aanmelden/terug"
SIGNED_OUT_PATH = "/afgemeld"
_TIMEOUT_S = 10.0
_LEEWAY_S = 30  # clocks differ a little between the provider and this machine, as the API allows


class ProviderUnavailable(Exception):
    """The identity provider cannot be reached, or answered nonsense (503)."""


class SignInRefused(Exception):
    """The provider's answer does not hold: the person is not signed in. `code` names why (web.refusals)."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        super().__init__(detail)


@dataclass(frozen=True)
class Endpoints:
    """What the discovery document says, of what the pages use."""

    authorization: str
    token: str
    jwks: str
    end_session: str | None


class OidcClient:
    """Sends a person to the provider, takes them back, and says whose ID token it was."""

    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret
        self.settings = settings
        self.issuer = settings.oidc_issuer
        self.client_id = settings.oidc_client_id
        self._secret = settings.oidc_client_secret.get_secret_value()
        self.redirect_uri = settings.web_public_base + CALLBACK_PATH
        self.post_logout_uri = settings.web_post_logout_url or settings.web_public_base + SIGNED_OUT_PATH
        self._algorithms = list(settings.oidc_algorithms)
        self._endpoints: Endpoints | None = None
        self._keys: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()

    def endpoints(self) -> Endpoints:
        """The provider's endpoints, from its discovery document (fetched once, then kept)."""
        with self._lock:
            if self._endpoints is None:
                self._endpoints = self._discover()
                self._keys = jwt.PyJWKClient(self._endpoints.jwks, cache_keys=True, timeout=_TIMEOUT_S)
            return self._endpoints

    def _discover(self) -> Endpoints:
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            answer = httpx.get(url, timeout=_TIMEOUT_S)
            answer.raise_for_status()
            document: dict[str, Any] = answer.json()
            # Discovery § 4.3: the document's issuer must be the one asked, or its tokens would be trusted wrongly.
            if document.get("issuer") != self.issuer:
                raise ProviderUnavailable(f"the discovery document names another issuer: {document.get('issuer')}")
            return Endpoints(
                authorization=str(document["authorization_endpoint"]),
                token=str(document["token_endpoint"]),
                jwks=str(document["jwks_uri"]),
                end_session=document.get("end_session_endpoint"),
            )
        except (httpx.HTTPError, ValueError, KeyError) as error:
            raise ProviderUnavailable(f"no discovery document at {url}: {type(error).__name__}") from None

    def _oauth(self) -> OAuth2Client:
        return OAuth2Client(
            client_id=self.client_id,
            client_secret=self._secret,
            scope="openid",
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106  # a method's name, not a secret
            timeout=_TIMEOUT_S,
        )

    def begin(self, next_path: str) -> tuple[str, SignInAttempt]:
        """Where to send the person (the authorization request), and the attempt to keep in their session."""
        endpoints = self.endpoints()
        # 48 characters of 62: well over the 43 RFC 7636 § 4.1 asks of a verifier, and ~285 bits for state and nonce.
        attempt = SignInAttempt(
            state=generate_token(48), nonce=generate_token(48), verifier=generate_token(64), next_path=next_path
        )
        with self._oauth() as oauth:
            url, _ = oauth.create_authorization_url(
                endpoints.authorization, state=attempt.state, code_verifier=attempt.verifier, nonce=attempt.nonce
            )
        return str(url), attempt

    def finish(self, attempt: SignInAttempt, *, state: str, code: str) -> dict[str, Any]:
        """The checked claims of the ID token the provider gives for `code`; `SignInRefused` if anything fails."""
        if not hmac.compare_digest(state.encode(), attempt.state.encode()):
            raise SignInRefused("sign_in_expired", "the state is not this session's")
        endpoints = self.endpoints()
        try:
            with self._oauth() as oauth:
                token = oauth.fetch_token(
                    endpoints.token,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=attempt.verifier,
                    redirect_uri=self.redirect_uri,
                )
        except httpx.TransportError as error:
            raise ProviderUnavailable(f"the token endpoint cannot be reached: {type(error).__name__}") from None
        except (OAuthError, httpx.HTTPStatusError, ValueError) as error:  # the provider said no, or nonsense
            raise SignInRefused("sign_in_failed", f"the provider refused the code: {error}") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused("sign_in_failed", "the provider answered no ID token")
        return self._checked(id_token, nonce=attempt.nonce)

    def _checked(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        assert self._keys is not None
        try:
            key = self._keys.get_signing_key_from_jwt(id_token).key
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=self._algorithms,
                audience=self.client_id,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
                leeway=_LEEWAY_S,
            )
        except jwt.PyJWKClientConnectionError:
            raise ProviderUnavailable("the provider's keys cannot be fetched") from None
        except jwt.PyJWTError as error:
            raise SignInRefused("sign_in_invalid", f"the ID token does not hold: {type(error).__name__}") from None
        # Core § 3.1.3.7 item 8: with several audiences the token must name this client as its authorized party.
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise SignInRefused("sign_in_invalid", "the ID token is for several parties and names no azp of ours")
        if not hmac.compare_digest(str(claims["nonce"]).encode(), nonce.encode()):
            raise SignInRefused("sign_in_invalid", "the ID token's nonce is not this attempt's")
        return claims

    def form_origins(self) -> tuple[str, ...]:
        """The origins a page's form may lead to (sign-out): the issuer's, the end-session endpoint's, after it."""
        known = self._endpoints.end_session if self._endpoints is not None else None
        addresses = (self.issuer, self.post_logout_uri, *((known,) if known else ()))
        return tuple(dict.fromkeys(_origin(address) for address in addresses))

    def sign_out_location(self) -> str:
        """Where signing out sends the person: the provider's end-session endpoint if it has one, else back here.

        RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 § 2) with
        `client_id` rather than `id_token_hint`: the ID token is not kept in the
        session cookie, which must stay small.
        """
        try:
            end_session = self.endpoints().end_session
        except ProviderUnavailable:
            end_session = None  # signing out here must not wait for the provider
        if not end_session:
            return self.post_logout_uri
        query = urlencode({"client_id": self.client_id, "post_logout_redirect_uri": self.post_logout_uri})
        return f"{end_session}{'&' if '?' in end_session else '?'}{query}"


def _origin(address: str) -> str:
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc}"
