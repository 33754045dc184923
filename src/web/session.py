"""The pages' session: one cookie, encrypted and signed, holding what the pages need (docs/web.md § Sessions).

The cookie is a Fernet token (`cryptography`: AES-128-CBC and HMAC-SHA256,
with the time it was made): nobody can read or change what it holds. It holds
the principal (subject, roles, employer), when the person signed in and the
session's CSRF token; nothing is written to a database per page view, which on
SQLite would compete with the projection runner for the writer lock. The token's
own time is when the session was last seen: older than the idle timeout, it is
no session; and however often it is used, a session ends the absolute timeout
after sign-in. A person not signed in has an anonymous session too, so that
the sign-in form has a CSRF token.

The key: derived (HKDF) from `LEDGER_WEB_SESSION_SECRET`, required in
production; in development, a random key kept under the data dir (0600).
The later OIDC sign-in only has to produce a `Principal` and call
`signed_in_session`.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from api.auth import Principal, Role
from ledger.settings import Settings

COOKIE = "ledger_sessie"
# `__Host-`: the browser keeps the cookie only if it is Secure, for this host alone and the whole site.
SECURE_PREFIX = "__Host-"
_KEY_INFO = b"westland-ledger web session v1"


@dataclass(frozen=True)
class Session:
    """What a session holds: its CSRF token, when it began and was last seen, and who signed in (if anyone)."""

    csrf: str
    started_at: int
    seen_at: int
    sub: str | None = None
    roles: tuple[str, ...] = ()
    employer_id: str | None = None

    def principal(self) -> Principal | None:
        """Who is signed in, or None."""
        if self.sub is None:
            return None
        roles = frozenset(Role(name) for name in self.roles if name in Role._value2member_map_)
        return Principal(sub=self.sub, roles=roles, employer_id=UUID(self.employer_id) if self.employer_id else None)

    def seen(self, *, now: int) -> Session:
        """The session as seen at `now` (the idle timeout counts from here)."""
        return replace(self, seen_at=now)


def anonymous_session(*, now: int) -> Session:
    """A session without a principal: a CSRF token for the forms a person uses before signing in."""
    return Session(csrf=secrets.token_urlsafe(32), started_at=now, seen_at=now)


def signed_in_session(principal: Principal, *, now: int) -> Session:
    """A new session for `principal`, with a new CSRF token (nothing carries over from before sign-in)."""
    return Session(
        csrf=secrets.token_urlsafe(32),
        started_at=now,
        seen_at=now,
        sub=principal.sub,
        roles=tuple(sorted(role.value for role in principal.roles)),
        employer_id=str(principal.employer_id) if principal.employer_id else None,
    )


class SessionCodec:
    """Writes sessions into cookie values and reads them back, within the timeouts."""

    def __init__(
        self, key: bytes, *, idle_s: int, absolute_s: int, secure: bool, clock: Callable[[], float] = time.time
    ) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self.idle_s = idle_s
        self.absolute_s = absolute_s
        self.secure = secure
        self.cookie_name = f"{SECURE_PREFIX}{COOKIE}" if secure else COOKIE
        self._clock = clock

    @classmethod
    def for_settings(cls, settings: Settings) -> SessionCodec:
        """The codec of the configured secret (or development's own key) and timeouts."""
        return cls(
            session_key(settings),
            idle_s=settings.web_session_idle_minutes * 60,
            absolute_s=settings.web_session_absolute_hours * 3600,
            secure=settings.secure_cookies,
        )

    def now(self) -> int:
        """The time now, in whole seconds (the resolution of the token's own time)."""
        return int(self._clock())

    def encode(self, session: Session) -> str:
        """The cookie value of `session`, made at the time it was last seen."""
        payload = {"c": session.csrf, "t": session.started_at, "s": session.sub, "r": session.roles}
        if session.employer_id:
            payload["e"] = session.employer_id
        data = json.dumps(payload, separators=(",", ":")).encode()
        return self._fernet.encrypt_at_time(data, session.seen_at).decode()

    def decode(self, value: str) -> Session | None:
        """The session in a cookie value; None if it was changed, made with another key, or timed out."""
        now = self.now()
        try:
            token = value.encode("ascii")
            data = self._fernet.decrypt_at_time(token, ttl=self.idle_s, current_time=now)
            seen_at = self._fernet.extract_timestamp(token)
            payload: dict[str, Any] = json.loads(data)
            session = Session(
                csrf=str(payload["c"]),
                started_at=int(payload["t"]),
                seen_at=seen_at,
                sub=payload.get("s"),
                roles=tuple(payload.get("r", ())),
                employer_id=payload.get("e"),
            )
        except (InvalidToken, UnicodeEncodeError, ValueError, KeyError, TypeError):
            return None
        if now - session.started_at > self.absolute_s:
            return None
        return session

    def cookie_options(self) -> dict[str, Any]:
        """How the cookie is set: for the whole site, never to scripts, not sent along from other sites' forms."""
        # No Max-Age: the browser forgets the session when it closes; the timeouts above bound it anyway.
        return {"path": "/", "httponly": True, "samesite": "lax", "secure": self.secure}


def session_key(settings: Settings) -> bytes:
    """32 bytes: derived from the configured secret, or development's own random key under the data dir."""
    if settings.web_session_secret is not None:
        secret = settings.web_session_secret.get_secret_value().encode()
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(secret)
    return _development_key(settings.web_session_key_path)


def _development_key(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
    key = path.read_bytes()
    if len(key) != 32:
        msg = f"{path} is not a session key (32 bytes); remove it and a new one is made"
        raise ValueError(msg)
    return key
