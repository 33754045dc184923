"""Authentication: bearer JWTs from the configured issuer, or development tokens.

Production trusts exactly one OIDC issuer (through the municipality's broker:
eHerkenning for employers, the own identity provider for staff): signature by
a key from its JWKS (cached, refreshed on an unknown `kid` at most once a
minute) or a configured public key, algorithms pinned to asymmetric ones,
`exp`, `iat`, `iss`, `aud` and `sub` required. `jku`, `x5u` and embedded `jwk`
headers are never followed (PyJWT does not fetch keys from a token). The
embedded default signs and checks development tokens with a local Ed25519 key
under `var/` (`ledger token`); a production server refuses them, since they
carry another issuer.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.domain.employer import employer_id_for
from ledger.settings import Settings

DEVELOPMENT_ISSUER = "urn:westland-ledger:development"
_JWKS_REFRESH_INTERVAL_S = 60.0
_JWKS_FETCH_TIMEOUT_S = 5.0


class Role(StrEnum):
    """The roles of the contract's role matrix."""

    EMPLOYER = "employer"
    REGISTRAR = "registrar"
    INSPECTOR = "inspector"
    AUDITOR = "auditor"
    ADMIN = "admin"


_ROLE_PRECEDENCE = (Role.ADMIN, Role.AUDITOR, Role.INSPECTOR, Role.REGISTRAR, Role.EMPLOYER)


class AuthenticationError(Exception):
    """The bearer token is missing or not acceptable (401)."""


class AssuranceTooLow(Exception):
    """A genuine employer token below the assurance level the employer role needs (403)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: subject, roles and, for an employer, which employer."""

    sub: str
    roles: frozenset[Role]
    employer_id: UUID | None = None

    @property
    def role(self) -> Role:
        """The role that best describes the caller (for the processing log)."""
        return next(r for r in _ROLE_PRECEDENCE if r in self.roles)

    def is_only_employer(self) -> bool:
        """Whether the caller sees only its own employer's workers."""
        return self.roles == frozenset({Role.EMPLOYER})


class TokenVerifier(Protocol):
    """Turns a bearer token into a `Principal`, or raises `AuthenticationError`."""

    def verify(self, token: str) -> Principal:
        """Check the token and say who it belongs to."""
        ...


def principal_from_claims(claims: dict[str, Any], settings: Settings, *, assurance: bool = False) -> Principal:
    """Read sub, roles and (for employers) the KvK number from verified claims.

    The KvK number is the represented company's when the token names one (an
    intermediary acting for it), else the `kvk` claim's. With `assurance` (the
    tokens of the configured OIDC issuer) an employer token must also carry an
    assurance level of EH3 or above, or it is refused (`AssuranceTooLow`).
    """
    roles = _ledger_roles(claims.get(settings.oidc_roles_claim, []), settings.oidc_roles_claim)
    if not roles:
        raise AuthenticationError("the token carries none of the ledger's roles")
    employer_id = None
    if Role.EMPLOYER in roles:
        employer_id = employer_id_for(_employer_kvk(claims, settings))
        if assurance:
            _require_eh3(claims, settings)
    return Principal(sub=str(claims["sub"]), roles=roles, employer_id=employer_id)


def _employer_kvk(claims: dict[str, Any], settings: Settings) -> str:
    """The KvK number an employer token acts for: the represented company's, else the signer's own.

    Under an eHerkenning chain authorisation (ketenmachtiging) an intermediary
    (a payroll or HR service) signs in for the employer (the dienstafnemer);
    what it does there is that employer's, so the represented company counts.
    """
    claim = settings.oidc_represented_kvk_claim
    if claims.get(claim) is None:
        claim = settings.oidc_kvk_claim
    kvk = claims.get(claim)
    if not isinstance(kvk, str) or len(kvk) != 8 or not kvk.isdigit():
        raise AuthenticationError(f"an employer token needs the KvK number in claim {claim!r}")
    return kvk


def _require_eh3(claims: dict[str, Any], settings: Settings) -> None:
    """Refuse an employer token below eHerkenning EH3 ("substantieel").

    An employer registers other people's personal data (identity documents,
    birth dates, where they live). A service provider sets the minimum level
    per service by its risks (Forum Standaardisatie, *Handreiking
    betrouwbaarheidsniveaus voor digitale dienstverlening*); the municipality
    set EH3, eIDAS "substantial" (Regulation (EU) 910/2014, art. 8), for this
    one (issue 16, §2; docs/roles.md).
    """
    claim = settings.oidc_acr_claim
    level = claims.get(claim)
    if not isinstance(level, str) or level not in settings.oidc_employer_acr_values:
        found = "names none" if level is None else "is below it"
        raise AssuranceTooLow(
            f"the employer role needs an eHerkenning assurance level of EH3 (substantieel) or higher in claim"
            f" {claim!r}; this token's {found}"
        )


def _ledger_roles(claimed: object, claim: str) -> frozenset[Role]:
    """The ledger's roles among those claimed: a list of role names, or one space-separated string of them.

    Anything else (a number, an object, null, a list holding anything but
    strings) is refused whole rather than read in part: an object's keys or a
    list's strings beside a number would otherwise pass for roles.
    """
    if isinstance(claimed, str):
        names = claimed.split()
    elif isinstance(claimed, list) and all(isinstance(name, str) for name in claimed):
        names = claimed
    else:
        raise AuthenticationError(f"the {claim!r} claim must be a list of role names or a space-separated string")
    return frozenset(Role(name) for name in names if name in _ROLE_NAMES)


_ROLE_NAMES = frozenset(role.value for role in Role)

# Why PyJWT refused a token, in words: a detail never names the library's exception classes.
_REFUSALS: dict[type[jwt.PyJWTError], str] = {
    jwt.ExpiredSignatureError: "expired",
    jwt.ImmatureSignatureError: "not valid yet",
    jwt.InvalidAudienceError: "meant for another audience",
    jwt.InvalidIssuerError: "from another issuer",
    jwt.InvalidIssuedAtError: "its issue time is not valid",
    jwt.InvalidAlgorithmError: "its algorithm is not accepted",
    jwt.InvalidSignatureError: "its signature does not verify",
    jwt.DecodeError: "malformed",
}


def _refusal(error: jwt.PyJWTError) -> str:
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"invalid token: the {error.claim!r} claim is missing"
    reason = next((_REFUSALS[kind] for kind in type(error).__mro__ if kind in _REFUSALS), "not acceptable")
    return f"invalid token: {reason}"


def _decode(token: str, key: Any, algorithms: list[str], settings: Settings, issuer: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=algorithms,
            audience=settings.oidc_audience,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=30,
        )
    except jwt.PyJWTError as e:
        raise AuthenticationError(_refusal(e)) from None
    return claims


class DevelopmentTokens:
    """Signs and checks tokens with a local Ed25519 key (never in production)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._key = _load_or_create_key(settings.jwt_dev_key_path)

    def issue(self, *, role: Role, sub: str, kvk: str | None = None, ttl_s: int = 8 * 3600) -> str:
        """A token the development server accepts."""
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": DEVELOPMENT_ISSUER,
            "aud": self.settings.oidc_audience,
            "sub": sub,
            "iat": now,
            "exp": now + timedelta(seconds=ttl_s),
            self.settings.oidc_roles_claim: [role.value],
        }
        if kvk is not None:
            claims[self.settings.oidc_kvk_claim] = kvk
        return jwt.encode(claims, self._key, algorithm="EdDSA")

    def verify(self, token: str) -> Principal:
        claims = _decode(token, self._key.public_key(), ["EdDSA"], self.settings, DEVELOPMENT_ISSUER)
        return principal_from_claims(claims, self.settings)


def _load_or_create_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise AuthenticationError(f"{path} is not an Ed25519 key")
    return key


class OidcTokens:
    """Checks tokens of the one configured OIDC issuer."""

    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_issuer is not None
        self.settings = settings
        self.issuer = settings.oidc_issuer
        self._static_key = (
            serialization.load_pem_public_key(settings.oidc_public_key_file.read_bytes())
            if settings.oidc_public_key_file
            else None
        )
        self._jwks = (
            # Fetches happen under the lock below, so a hanging issuer must not hold every request for long.
            jwt.PyJWKClient(settings.oidc_jwks_url, cache_keys=True, timeout=_JWKS_FETCH_TIMEOUT_S)
            if settings.oidc_jwks_url
            else None
        )
        self._last_refresh = 0.0
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        key = self._static_key if self._static_key is not None else self._jwks_key(token)
        claims = _decode(token, key, list(self.settings.oidc_algorithms), self.settings, self.issuer)
        return principal_from_claims(claims, self.settings, assurance=True)

    def _jwks_key(self, token: str) -> Any:
        assert self._jwks is not None
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise AuthenticationError("malformed token") from None
        if not kid:
            raise AuthenticationError("the token names no key (kid)")
        with self._lock:
            keys = self._signing_keys(refresh=False)
            # An unknown kid may be a rotated key: refresh, but not more than once a minute.
            if kid not in keys and time.monotonic() - self._last_refresh >= _JWKS_REFRESH_INTERVAL_S:
                self._last_refresh = time.monotonic()
                keys = self._signing_keys(refresh=True)
        if kid not in keys:
            raise AuthenticationError("unknown signing key")
        return keys[kid]

    def _signing_keys(self, *, refresh: bool) -> dict[str, Any]:
        assert self._jwks is not None
        try:
            return {k.key_id: k.key for k in self._jwks.get_signing_keys(refresh=refresh) if k.key_id}
        except jwt.PyJWTError:
            # Unreachable, or a set without a usable key (PyJWKSetError is no PyJWKClientError).
            raise AuthenticationError("the issuer's keys cannot be fetched") from None


def token_verifier(settings: Settings) -> TokenVerifier:
    """The configured issuer in production, development tokens otherwise."""
    if settings.oidc_issuer:
        return OidcTokens(settings)
    return DevelopmentTokens(settings)
