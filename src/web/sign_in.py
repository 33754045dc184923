"""Signing in at the OIDC issuer and signing out there (docs/web.md § Sessions and signing in).

With `LEDGER_OIDC_ISSUER` set the development picker is gone: `/aanmelden`
sends the person to the identity provider (`begin`), keeping the attempt's
state, nonce and PKCE verifier in the encrypted session cookie; the provider
sends them back to `/aanmelden/terug`, where the code is exchanged and the ID
token checked (`web.oidc`). The roles are read from the token's claims as the
API reads them (`api.auth.principal_from_claims`, `LEDGER_OIDC_ROLES_CLAIM`);
only the staff roles count, and a person with none of them — an employer, say —
is refused with a page saying so. An attempt is good once: whatever its
outcome, the callback leaves the session without it.
"""

from __future__ import annotations

from dataclasses import replace

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from api.auth import AuthenticationError, Principal, principal_from_claims
from api.policy import public
from web.access import STAFF_PAGES
from web.errors import error_page
from web.oidc import CALLBACK_PATH, SIGNED_OUT_PATH, OidcClient, ProviderUnavailable, SignInRefused
from web.session import SessionCodec, SignInAttempt, anonymous_session, signed_in_session
from web.templating import render, session_of

log = structlog.get_logger()
router = APIRouter(include_in_schema=False, dependencies=[Depends(public)])


def oidc_of(request: Request) -> OidcClient | None:
    """The pages' OIDC client, when an issuer is configured."""
    client: OidcClient | None = request.app.state.oidc
    return client


def begin(request: Request, client: OidcClient, next_path: str) -> Response:
    """Send the person to the provider, the attempt kept in their session."""
    try:
        location, attempt = client.begin(next_path)
    except ProviderUnavailable as error:
        log.warning("oidc_provider_unavailable", detail=str(error))
        return error_page(request, 503, reason="provider_unavailable")
    request.state.session = replace(session_of(request), attempt=attempt)
    return RedirectResponse(location, status_code=303)


@router.get(CALLBACK_PATH)
def come_back(request: Request) -> Response:
    """The provider's answer: signed in and on to where the person was going, or a page saying why not."""
    client = oidc_of(request)
    if client is None:
        return error_page(request, 404)
    attempt = session_of(request).attempt
    codec: SessionCodec = request.app.state.session_codec
    request.state.session = anonymous_session(now=codec.now())  # the attempt is good once
    try:
        if attempt is None:
            raise SignInRefused("sign_in_expired", "no sign-in was begun in this session")
        principal = _signed_in_as(client, attempt, request)
    except SignInRefused as refusal:
        # Why, for whoever runs the service; the person sees the code's message in their language (web.refusals).
        log.warning("staff_sign_in_refused", code=refusal.code, detail=str(refusal))
        return error_page(request, 400 if refusal.code == "sign_in_expired" else 403, reason=refusal.code)
    except ProviderUnavailable as error:
        log.warning("oidc_provider_unavailable", detail=str(error))
        return error_page(request, 503, reason="provider_unavailable")
    request.state.session = signed_in_session(principal, now=codec.now())
    log.info("staff_signed_in", role=principal.role.value)
    return RedirectResponse(attempt.next_path, status_code=303)


def _signed_in_as(client: OidcClient, attempt: SignInAttempt, request: Request) -> Principal:
    """The staff member the provider's answer signs in; `SignInRefused` when it does not hold or names no staff."""
    params = request.query_params
    if "error" in params:
        # RFC 6749 § 4.1.2.1: the provider's error code is a fixed vocabulary, safe to log.
        raise SignInRefused("sign_in_refused", f"the provider answered {params['error'][:64]!r}")
    claims = client.finish(attempt, state=params.get("state", ""), code=params.get("code", ""))
    try:
        found = principal_from_claims(claims, client.settings)
    except AuthenticationError as error:
        raise SignInRefused("no_staff_role", str(error)) from None
    # Only the staff roles count here: an employer's role opens no page (docs/web.md).
    staff = found.roles & STAFF_PAGES.roles
    if not staff:
        raise SignInRefused("no_staff_role", "the token names no staff role")
    return Principal(sub=found.sub, roles=staff)


@router.get(SIGNED_OUT_PATH)
def signed_out(request: Request) -> Response:
    """After signing out (the provider sends the person here): a page with the way back in."""
    return render(request, "signed_out.html")


def sign_out_location(request: Request) -> str:
    """Where signing out goes: the provider's end-session endpoint with an issuer, else the sign-in page."""
    client = oidc_of(request)
    return client.sign_out_location() if client is not None else "/aanmelden"
