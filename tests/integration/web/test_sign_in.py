"""Signing in to the staff pages in development, the session cookie, CSRF and signing out (docs/web.md).

Without `LEDGER_OIDC_ISSUER`, in development, a sign-in page lets a person on
this machine pick a role; the picker is refused to any other client and
outside development, as today's development tokens need the key file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledger.settings import Settings
from tests.integration.web.site import ELSEWHERE, csrf_token, sign_in, site_client

STAFF = ["registrar", "inspector", "auditor", "admin"]


def test_the_picker_offers_each_staff_role_by_its_id_and_no_employer(site: TestClient) -> None:
    page = site.get("/aanmelden")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for role in STAFF:
        assert f'value="{role}"' in page.text
    assert 'value="employer"' not in page.text


@pytest.mark.parametrize("role", STAFF)
def test_a_role_picked_signs_in_and_the_overview_opens(site: TestClient, role: str) -> None:
    answer = sign_in(site, role)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    overview = site.get("/")
    assert overview.status_code == 200
    assert f'data-role="{role}"' in overview.text


def test_without_a_session_a_page_sends_the_person_to_sign_in(site: TestClient) -> None:
    answer = site.get("/", params={"on": "2026-06-01"})

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/aanmelden?volgende=")
    assert answer.headers["location"].endswith("%2F%3Fon%3D2026-06-01")


def test_after_sign_in_the_person_goes_back_where_they_were_going(site: TestClient) -> None:
    answer = sign_in(site, "registrar", next_path="/?on=2026-06-01")
    assert answer.headers["location"] == "/?on=2026-06-01"


@pytest.mark.parametrize("elsewhere", ["https://example.org/", "//example.org/", "/\\example.org", "aanmelden"])
def test_sign_in_never_sends_the_person_to_another_site(site: TestClient, elsewhere: str) -> None:
    assert sign_in(site, "registrar", next_path=elsewhere).headers["location"] == "/"


def test_the_session_cookie_is_http_only_same_site_and_encrypted(site: TestClient) -> None:
    answer = sign_in(site, "inspector")

    cookie = answer.headers["set-cookie"]
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # development over plain http on the loopback address
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    assert "inspector" not in value
    assert "dev-" not in value


def test_a_tampered_session_cookie_is_no_session(site: TestClient) -> None:
    sign_in(site, "registrar")
    name, value = next(iter(site.cookies.items()))
    site.cookies.set(name, value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))

    assert site.get("/").status_code == 303


def test_an_unknown_role_is_refused_at_the_field(site: TestClient) -> None:
    page = site.get("/aanmelden")
    answer = site.post("/aanmelden", data={"csrf_token": csrf_token(page), "role": "employer", "volgende": "/"})

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert 'aria-invalid="true"' in answer.text
    assert site.get("/").status_code == 303


def test_the_picker_is_refused_to_a_client_on_another_machine(migrated: Settings) -> None:
    with site_client(migrated, client=ELSEWHERE) as client:
        page = client.get("/aanmelden")
        assert page.status_code == 403
        assert page.headers["content-type"].startswith("text/html")
        assert 'value="registrar"' not in page.text

        # Not even with a token taken from a page another client was shown.
        answer = client.post("/aanmelden", data={"csrf_token": "x", "role": "admin", "volgende": "/"})
        assert answer.status_code == 403
        assert client.get("/").status_code == 303


def test_the_picker_is_refused_outside_development(tmp_path: Path) -> None:
    key = tmp_path / "issuer.pem"
    key.write_text("not read before a token arrives")
    settings = Settings(
        data_dir=tmp_path / "var",
        env="production",
        keyring_file=tmp_path / "keyring",
        oidc_issuer="https://id.medemblik.example",
        oidc_public_key_file=key,
        web_session_secret="s" * 64,
    )
    from web.account import picker_allowed  # noqa: PLC0415

    assert not picker_allowed(settings, "127.0.0.1")
    assert not picker_allowed(settings.model_copy(update={"env": "development"}), "127.0.0.1")
    assert picker_allowed(Settings(data_dir=tmp_path / "dev"), "127.0.0.1")
    assert picker_allowed(Settings(data_dir=tmp_path / "dev"), "::1")
    assert not picker_allowed(Settings(data_dir=tmp_path / "dev"), "192.0.2.10")


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(site: TestClient) -> None:
    answer = site.post("/aanmelden", data={"role": "admin", "volgende": "/"})
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert site.get("/").status_code == 303

    sign_in(site, "registrar")
    refused = site.post("/afmelden", data={"csrf_token": "not-the-token"})
    assert refused.status_code == 403
    assert site.get("/").status_code == 200  # still signed in


def test_signing_out_ends_the_session(site: TestClient) -> None:
    sign_in(site, "auditor")
    overview = site.get("/")

    answer = site.post("/afmelden", data={"csrf_token": csrf_token(overview)})

    assert answer.status_code == 303
    assert answer.headers["location"] == "/aanmelden"
    assert site.get("/").status_code == 303


def test_signing_in_gives_a_new_csrf_token(site: TestClient) -> None:
    before = csrf_token(site.get("/aanmelden"))
    sign_in(site, "registrar")
    assert csrf_token(site.get("/")) != before
