"""Signing in to the staff pages at the OIDC issuer: authorization code with PKCE (docs/web.md § Sessions).

An identity provider runs in-process on real HTTP (tests/oidc_provider.py):
the pages fetch its discovery document, its keys and its tokens for real; the
browser's hops (to the provider and back) are taken here by hand, so each can
be looked at, and once end to end against a real uvicorn.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr

from ledger.settings import Settings
from tests.integration.web.site import csp, csrf_token, site_client
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, IdentityProvider, running_provider
from web.app import create_app

PUBLIC = "https://ledger.medemblik.example"  # behind the TLS proxy; the process itself sees http
STAFF = ["registrar", "inspector", "auditor", "admin"]


def with_issuer(settings: Settings, provider: IdentityProvider, *, public: str = PUBLIC) -> Settings:
    """`settings` signing the pages in at `provider`."""
    return settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_jwks_url": f"{provider.issuer}/jwks",
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr(CLIENT_SECRET),
            "web_public_url": public,
        }
    )


@pytest.fixture
def provider() -> Iterator[IdentityProvider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def site(migrated: Settings, provider: IdentityProvider) -> Iterator[TestClient]:
    with site_client(with_issuer(migrated, provider)) as client:
        yield client


def to_provider(site: TestClient, next_path: str = "/") -> str:
    """Start signing in: the address at the provider the pages send the browser to."""
    start = site.get("/aanmelden", params={"volgende": next_path})
    assert start.status_code == 303, start.text
    return start.headers["location"]


def back_from_provider(site: TestClient, authorize_url: str) -> httpx.Response:
    """The provider's answer followed back to the pages (the callback's answer)."""
    at_provider = httpx.get(authorize_url, follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["location"])
    assert f"{back.scheme}://{back.netloc}" == PUBLIC
    return site.get(f"{back.path}?{back.query}")


def signed_in(site: TestClient) -> bool:
    return site.get("/").status_code == 200


def test_a_page_sends_the_person_to_the_provider_with_pkce_state_and_nonce(
    site: TestClient, provider: IdentityProvider
) -> None:
    first = site.get("/")
    assert first.status_code == 303

    authorize = urlsplit(to_provider(site))
    asked = parse_qs(authorize.query)

    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{provider.issuer}/authorize"
    assert asked["client_id"] == [CLIENT_ID]
    assert asked["response_type"] == ["code"]
    assert "openid" in asked["scope"][0].split()
    assert asked["code_challenge_method"] == ["S256"]
    assert len(asked["code_challenge"][0]) >= 43
    assert len(asked["state"][0]) >= 32
    assert len(asked["nonce"][0]) >= 32
    # The public base URL, not what the process sees behind the proxy.
    assert asked["redirect_uri"] == [f"{PUBLIC}/aanmelden/terug"]
    # What the attempt must remember is in the encrypted cookie, not readable in it.
    cookie = next(iter(site.cookies.values()))
    assert asked["state"][0] not in cookie
    assert asked["nonce"][0] not in cookie


@pytest.mark.parametrize("role", STAFF)
def test_signing_in_at_the_provider_opens_the_page_asked_for_with_the_role_of_the_claims(
    site: TestClient, provider: IdentityProvider, role: str
) -> None:
    provider.person = {"sub": f"medewerker-{role}", "roles": [role]}

    answer = back_from_provider(site, to_provider(site, "/?on=2026-06-01"))

    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/?on=2026-06-01"
    overview = site.get("/")
    assert overview.status_code == 200
    assert f'data-role="{role}"' in overview.text
    exchanged = provider.token_requests[-1]
    assert exchanged["grant_type"] == "authorization_code"
    assert exchanged["redirect_uri"] == f"{PUBLIC}/aanmelden/terug"
    assert len(exchanged["code_verifier"]) >= 43
    assert "client_secret" not in exchanged  # sent as HTTP Basic, never in the form


def test_with_an_issuer_the_picker_is_gone(site: TestClient) -> None:
    assert 'value="registrar"' not in site.get("/aanmelden").text
    refused = site.post("/aanmelden", data={"csrf_token": "x", "role": "admin", "volgende": "/"})
    assert refused.status_code == 403
    assert not signed_in(site)


def test_a_callback_with_another_state_is_refused(site: TestClient) -> None:
    authorize = to_provider(site)
    at_provider = httpx.get(authorize, follow_redirects=False)
    back = urlsplit(at_provider.headers["location"])
    code = parse_qs(back.query)["code"][0]

    answer = site.get("/aanmelden/terug", params={"code": code, "state": "not-the-state"})

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert not signed_in(site)


def test_a_callback_without_a_sign_in_begun_here_is_refused(migrated: Settings, provider: IdentityProvider) -> None:
    with site_client(with_issuer(migrated, provider)) as victim, site_client(with_issuer(migrated, provider)) as other:
        # Another browser's code and state (login CSRF): this browser began no sign-in.
        authorize = to_provider(other)
        back = urlsplit(httpx.get(authorize, follow_redirects=False).headers["location"])
        answer = victim.get(f"{back.path}?{back.query}")
        assert answer.status_code == 400
        assert not signed_in(victim)


def test_a_callback_is_good_once(site: TestClient, provider: IdentityProvider) -> None:
    at_provider = httpx.get(to_provider(site), follow_redirects=False)
    back = urlsplit(at_provider.headers["location"])
    assert site.get(f"{back.path}?{back.query}").status_code == 303
    site.post("/afmelden", data={"csrf_token": csrf_token(site.get("/"))})

    assert site.get(f"{back.path}?{back.query}").status_code == 400
    assert not signed_in(site)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param({"nonce": "another-nonce"}, id="wrong-nonce"),
        pytest.param({"nonce": None}, id="no-nonce"),
        pytest.param({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000}, id="expired"),
        pytest.param({"aud": "another-client"}, id="wrong-audience"),
        pytest.param({"iss": "https://another-issuer.example"}, id="wrong-issuer"),
        pytest.param({"_foreign_key": True}, id="foreign-signature"),
    ],
)
def test_an_id_token_that_does_not_hold_is_refused(
    site: TestClient, provider: IdentityProvider, spoil: dict[str, object]
) -> None:
    provider.spoil = spoil

    answer = back_from_provider(site, to_provider(site))

    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert not signed_in(site)


@pytest.mark.parametrize(
    "person",
    [
        pytest.param({"sub": "zonder-rol"}, id="no-roles"),
        pytest.param({"sub": "zonder-rol", "roles": ["gebruiker"]}, id="no-ledger-role"),
        pytest.param({"sub": "werkgever", "roles": ["employer"], "kvk": "90000017"}, id="employer"),
    ],
)
def test_a_person_without_a_staff_role_is_refused_with_a_clear_page(
    site: TestClient, provider: IdentityProvider, person: dict[str, object]
) -> None:
    provider.person = person
    site.cookies.set("taal", "en")

    answer = back_from_provider(site, to_provider(site))

    assert answer.status_code == 403
    assert "no role for the staff pages" in answer.text
    assert not signed_in(site)


def test_the_provider_refusing_is_a_page_not_a_session(site: TestClient) -> None:
    to_provider(site)
    answer = site.get("/aanmelden/terug", params={"error": "access_denied", "state": "whatever"})
    assert answer.status_code in {400, 403}
    assert answer.headers["content-type"].startswith("text/html")
    assert not signed_in(site)


def test_signing_out_ends_the_session_at_the_provider_too(site: TestClient, provider: IdentityProvider) -> None:
    back_from_provider(site, to_provider(site))
    assert signed_in(site)

    answer = site.post("/afmelden", data={"csrf_token": csrf_token(site.get("/"))})

    assert answer.status_code == 303
    logout = urlsplit(answer.headers["location"])
    assert f"{logout.scheme}://{logout.netloc}{logout.path}" == f"{provider.issuer}/logout"
    asked = parse_qs(logout.query)
    assert asked["client_id"] == [CLIENT_ID]
    assert asked["post_logout_redirect_uri"] == [f"{PUBLIC}/afgemeld"]
    assert not signed_in(site)
    assert site.get("/afgemeld").status_code == 200


def test_without_an_end_session_endpoint_sign_out_goes_to_the_post_logout_address(
    migrated: Settings, provider: IdentityProvider
) -> None:
    provider.with_end_session = False
    settings = with_issuer(migrated, provider).model_copy(update={"web_post_logout_url": "https://www.medemblik.nl/"})
    with site_client(settings) as site:
        back_from_provider(site, to_provider(site))

        answer = site.post("/afmelden", data={"csrf_token": csrf_token(site.get("/"))})

        assert answer.status_code == 303
        assert answer.headers["location"] == "https://www.medemblik.nl/"
        assert not signed_in(site)


def test_the_whole_flow_with_real_redirects_against_uvicorn(migrated: Settings, provider: IdentityProvider) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # listening before uvicorn runs: the first request waits in the backlog
    public = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = with_issuer(migrated, provider, public=public).model_copy(update={"api_run_projections": True})
    # log_config=None: uvicorn's own logging config would add handlers that print tracebacks with their
    # values to every later test in this process (tests/unit/test_logs.py caught it), as `ledger serve` does not.
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", log_config=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=public, follow_redirects=True, timeout=30) as browser:
            overview = browser.get("/")
            assert overview.status_code == 200, overview.text
            assert str(overview.url) == f"{public}/"
            assert [hop.status_code for hop in overview.history] == [303, 303, 302, 303]
            assert 'data-role="registrar"' in overview.text

            signed_out = browser.post("/afmelden", data={"csrf_token": csrf_token(overview)})
            assert signed_out.status_code == 200
            assert str(signed_out.url) == f"{public}/afgemeld"
            assert provider.logouts
            assert browser.get("/", follow_redirects=False).status_code == 303
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def test_the_pages_forms_may_lead_to_the_provider_and_nowhere_else(
    site: TestClient, provider: IdentityProvider
) -> None:
    back_from_provider(site, to_provider(site))
    # Sign-out is a form whose answer goes on to the provider: the browser holds that redirect to `form-action`.
    form_action = csp(site.get("/"))["form-action"]
    assert form_action == ["'self'", provider.issuer, PUBLIC]
