"""Signing in and out at the identity provider in a browser: real redirects through the in-process provider.

`ledger serve` runs with `LEDGER_OIDC_ISSUER` pointing at the provider the
test starts (tests/oidc_provider.py); chromium follows the redirects to it and
back, as a person's browser would (docs/web.md § Sessions and signing in).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ledger.settings import Settings
from tests.browser.conftest import Visit, _start, _wait_until_ready, axe_violations, screenshot
from tests.e2e.test_serve import free_port
from tests.integration.ledger_process import run_ledger
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, IdentityProvider, running_provider

pytestmark = pytest.mark.slow


@dataclass
class Signing:
    url: str
    provider: IdentityProvider


@pytest.fixture(scope="module")
def signing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signing]:
    home = tmp_path_factory.mktemp("browser-oidc")
    settings = Settings(data_dir=home / "var", database_url=None)
    done = run_ledger(settings, "migrate")
    assert done.returncode == 0, done.stderr
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_provider() as provider:
        environment = {
            "LEDGER_OIDC_ISSUER": provider.issuer,
            "LEDGER_OIDC_JWKS_URL": f"{provider.issuer}/jwks",
            "LEDGER_OIDC_CLIENT_ID": CLIENT_ID,
            "LEDGER_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "LEDGER_WEB_PUBLIC_URL": url,
        }
        log = home / "serve.log"
        process = _start(settings, log, "serve", "--host", "127.0.0.1", "--port", str(port), env=environment)
        try:
            _wait_until_ready(url, [process], [log])
            yield Signing(url, provider)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def test_signing_in_and_out_at_the_identity_provider(signing: Signing, visit: Visit, axe_source: str) -> None:
    signing.provider.person = {"sub": "medewerker-toezicht", "roles": ["inspector"]}
    page = visit.page

    page.goto(f"{signing.url}/")

    page.wait_for_url(f"{signing.url}/")
    assert page.locator("h1").inner_text() == "Overzicht"
    assert page.locator("[data-role=inspector]").count() == 1
    assert signing.provider.token_requests, "the code was exchanged at the provider"

    page.click("form[action='/afmelden'] button[type=submit]")

    page.wait_for_url(f"{signing.url}/afgemeld")
    assert signing.provider.logouts, "signed out at the provider too"
    assert page.locator("h1").inner_text() == "Afgemeld"
    assert axe_violations(page, axe_source) == []
    assert visit.violations == []
    screenshot(page, "afgemeld")


def test_an_employer_is_refused_with_a_clear_page(signing: Signing, visit: Visit, axe_source: str) -> None:
    signing.provider.person = {"sub": "werkgever", "roles": ["employer"], "kvk": "90000017"}
    page = visit.page

    answer = page.goto(f"{signing.url}/")

    assert answer is not None
    assert answer.status == 403
    assert "geen rol voor de medewerkerspagina's" in page.locator("main").inner_text()
    assert axe_violations(page, axe_source) == []
    assert visit.violations == []
    screenshot(page, "aanmelden-geweigerd")
