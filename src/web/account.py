"""Signing in (in development: picking a role), signing out, and the language switch.

In development with no `LEDGER_OIDC_ISSUER` (when the API accepts development
tokens, `api.auth.token_verifier`) a person on this machine — a loopback
client — signs in by picking a staff role; each choice's value is the role's
id. Anywhere else the picker is refused (403): it must not be weaker than the
development tokens, which need the key file under `var/`. Employers are not
among the roles: they never reach these pages. The OIDC sign-in (authorization
code with PKCE) will take the picker's place: it only has to produce a
`Principal` and store it with `signed_in_session`.

Every form here carries the session's CSRF token (`web.access.checked_form`).
After signing in or switching the language the person goes back where they
were, on this site only (`safe_next`).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import Principal, Role
from api.deps import ServicesDep
from api.policy import public
from ledger.settings import Settings
from web.access import STAFF_PAGES, CheckedForm
from web.errors import error_page
from web.i18n import LANGUAGE_COOKIE, LANGUAGES
from web.session import SessionCodec, anonymous_session, signed_in_session
from web.templating import render

router = APIRouter(include_in_schema=False)

Public = Annotated[None, Depends(public)]
# The roles offered, in the order of docs/roles.md.
PICKABLE = [role for role in (Role.REGISTRAR, Role.INSPECTOR, Role.AUDITOR, Role.ADMIN) if role in STAFF_PAGES.roles]
_ONE_YEAR_S = 365 * 24 * 3600


def picker_allowed(settings: Settings, client_host: str | None) -> bool:
    """Whether a person at `client_host` may sign in by picking a role: development, no issuer, loopback."""
    if settings.env != "development" or settings.oidc_issuer is not None or client_host is None:
        return False
    try:
        return ipaddress.ip_address(client_host).is_loopback
    except ValueError:
        return False  # a name, not an address: not known to be this machine


def safe_next(value: object) -> str:
    """Where to go after a form: a path on this site, else the overview (never another host)."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(character in value for character in "\r\n\\") or ":" in value.split("?", 1)[0]:
        return "/"
    return value


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _picker(request: Request, next_path: str, *, error: str | None = None, status: int = 200) -> Response:
    roles = [role.value for role in PICKABLE]
    return render(request, "sign_in.html", {"roles": roles, "next_path": next_path, "error": error}, status=status)


@router.get("/aanmelden")
def sign_in_page(request: Request, services: ServicesDep, _: Public) -> Response:
    """The sign-in page: in development, on this machine, the role picker."""
    if not picker_allowed(services.settings, _client(request)):
        return error_page(request, 403, reason="picker")
    return _picker(request, safe_next(request.query_params.get("volgende", "/")))


@router.post("/aanmelden")
def sign_in(request: Request, services: ServicesDep, form: CheckedForm, _: Public) -> Response:
    """Sign in with the role picked; back to where the person was going."""
    if not picker_allowed(services.settings, _client(request)):
        return error_page(request, 403, reason="picker")
    next_path = safe_next(form.get("volgende"))
    picked = form.get("role")
    if picked not in {role.value for role in PICKABLE}:
        return _picker(request, next_path, error="unknown_role", status=400)
    role = Role(str(picked))
    codec: SessionCodec = request.app.state.session_codec
    request.state.session = signed_in_session(
        Principal(sub=f"dev-{role.value}", roles=frozenset({role})), now=codec.now()
    )
    return RedirectResponse(next_path, status_code=303)


@router.post("/afmelden")
def sign_out(request: Request, _form: CheckedForm, _: Public) -> Response:
    """End the session; the sign-in page next."""
    codec: SessionCodec = request.app.state.session_codec
    request.state.session = anonymous_session(now=codec.now())
    return RedirectResponse("/aanmelden", status_code=303)


@router.post("/taal")
def switch_language(request: Request, services: ServicesDep, form: CheckedForm, _: Public) -> Response:
    """Keep the language chosen in a cookie; back to the same page."""
    language = form.get("taal")
    if language not in LANGUAGES:
        return error_page(request, 400, reason="unknown_language")
    answer = RedirectResponse(safe_next(form.get("volgende")), status_code=303)
    answer.set_cookie(
        LANGUAGE_COOKIE,
        str(language),
        max_age=_ONE_YEAR_S,
        path="/",
        httponly=True,
        samesite="lax",
        secure=services.settings.secure_cookies,
    )
    return answer
