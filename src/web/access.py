"""Who may see a page: the session on every page request, the pages' policy, and CSRF on every form.

`Sessions` (pure ASGI, pages only — the API never sets a cookie) reads the
session cookie into `request.state.session` (an anonymous session when there
is none or it timed out) and writes it back when a route replaced it (sign-in,
sign-out) or when it was last written a minute ago or more (the idle timeout
counts from then; a page view otherwise changes nothing). `page_user(POLICY)`
is the pages' `allow(POLICY)`: no principal sends the person to sign in (303),
a role the policy does not admit is 403; like the API's dependency it carries
its policy, so the deny-by-default test sees every page. `live_user(POLICY)` is
the same check for a live block's fragment, which a timer asks for, not a
person: its request is marked unattended, and an unattended request does not
restart the session's idle clock (OWASP Session Management Cheat Sheet: an idle
timeout counts the person's activity, and a page left open must not keep its
session alive for ever). `checked_form` reads
a form and refuses it (403) unless it carries the session's CSRF token — the
synchronizer-token pattern (OWASP CSRF Prevention Cheat Sheet): the token lives
in the encrypted session, so no second cookie is needed.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import Principal, Role
from api.policy import Policy
from web.session import Session, SessionCodec, anonymous_session
from web.templating import here, session_of

# The municipality's staff (docs/roles.md, docs/web.md): employers never reach these pages.
STAFF_PAGES = Policy("staff pages", frozenset({Role.REGISTRAR, Role.INSPECTOR, Role.AUDITOR, Role.ADMIN}))
# Paths that are not pages: the API and the platform's probes.
_NOT_PAGES = ("/api/", "/healthz", "/readyz", "/metrics")
# The pages' files carry no session: a cache that keeps them (they are public) must not keep a cookie too.
_WITHOUT_SESSION = ("/assets/",)
# A session read is written back (its idle clock restarted) at most once a minute.
REFRESH_S = 60
# The request state's mark of a request a timer made (a live block's poll), not a person.
UNATTENDED = "unattended"


def is_page_path(path: str) -> bool:
    """Whether a path is the staff pages' (everything but the API and the probes)."""
    return not path.startswith(_NOT_PAGES)


class SignInRequired(Exception):
    """A page needs a signed-in person: they are sent to sign in, and back to `next_path` after."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path
        super().__init__(next_path)


class CsrfRefused(Exception):
    """A form without the session's CSRF token (403, nothing done)."""


class Sessions:
    """The session of each page request, read from its cookie and written back when it changed."""

    def __init__(self, app: ASGIApp, codec: SessionCodec) -> None:
        self.app = app
        self.codec = codec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page_path(scope["path"]) or scope["path"].startswith(_WITHOUT_SESSION):
            await self.app(scope, receive, send)
            return
        now = self.codec.now()
        raw = Request(scope).cookies.get(self.codec.cookie_name)
        found = self.codec.decode(raw) if raw else None
        state = scope.setdefault("state", {})
        state["session"] = found or anonymous_session(now=now)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current: Session = state["session"]
                attended = not state.get(UNATTENDED, False)
                if current is not found or (attended and now - current.seen_at >= REFRESH_S):
                    message["headers"] = [*message.get("headers", []), self._set_cookie(current.seen(now=now))]
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _set_cookie(self, session: Session) -> tuple[bytes, bytes]:
        holder = Response()
        holder.set_cookie(self.codec.cookie_name, self.codec.encode(session), **self.codec.cookie_options())
        return next((name, value) for name, value in holder.raw_headers if name == b"set-cookie")


def page_user(policy: Policy) -> Callable[[Request], Principal]:
    """A dependency admitting a signed-in person with one of the policy's roles (sign-in first; 403 otherwise)."""

    def signed_in(request: Request) -> Principal:
        principal = session_of(request).principal()
        if principal is None:
            raise SignInRequired(here(request))
        if not principal.roles & policy.roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"not allowed: {policy.name}")
        request.state.principal = principal  # as the API's: the processing log names who read
        return principal

    signed_in.policy = policy  # type: ignore[attr-defined]  # read by the deny-by-default test
    return signed_in


def live_user(policy: Policy) -> Callable[[Request], Principal]:
    """`page_user(policy)` for a live block's fragment: the request is marked unattended first (a timer's poll)."""
    admit = page_user(policy)

    def signed_in_unattended(request: Request) -> Principal:
        setattr(request.state, UNATTENDED, True)
        return admit(request)

    signed_in_unattended.policy = policy  # type: ignore[attr-defined]  # read by the deny-by-default test
    return signed_in_unattended


def is_unattended(request: Request) -> bool:
    """Whether a timer made the request (a live block's poll), not a person."""
    return bool(getattr(request.state, UNATTENDED, False))


async def checked_form(request: Request) -> FormData:
    """The form sent, if it carries the session's CSRF token; `CsrfRefused` otherwise (before anything is done)."""
    form = await request.form()
    token = form.get("csrf_token")
    expected = session_of(request).csrf
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), expected.encode()):
        raise CsrfRefused
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]
