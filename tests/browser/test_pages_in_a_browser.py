"""The staff pages in Debian's chromium on the embedded SQLite with the demo data: every page for every staff
role, axe-core's WCAG 2.1 AA rules, the security policy, the language switch and a screenshot per page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.settings import Settings
from tests.browser.conftest import STAFF, Server, Visit, axe_violations, screenshot, serve, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("browser-sqlite")
    yield from serve(Settings(data_dir=home / "var", database_url=None), home, demo_workers=60)


def test_the_sign_in_page(server: Server, visit: Visit, axe_source: str) -> None:
    visit.page.goto(f"{server.url}/")

    assert visit.page.url.startswith(f"{server.url}/aanmelden")
    assert visit.page.locator("html").get_attribute("lang") == "nl"
    assert axe_violations(visit.page, axe_source) == []
    assert visit.violations == []
    screenshot(visit.page, "aanmelden")


@pytest.mark.parametrize("role", STAFF)
def test_the_overview_for_each_role(server: Server, visit: Visit, axe_source: str, role: str) -> None:
    sign_in(visit, server.url, role)
    page = visit.page

    assert page.locator("h1").inner_text() == "Overzicht"
    assert int(page.locator("data[data-figure=workers_housed]").get_attribute("value") or "-1") > 0
    chart = page.locator("img[src^='/overzicht/bewoners-per-maand.svg']")
    assert chart.evaluate("image => image.complete && image.naturalWidth > 0")
    assert page.locator("table#months tbody tr").count() == 12
    assert axe_violations(page, axe_source) == []
    assert visit.violations == []
    screenshot(page, f"overzicht-{role}")


def test_the_time_travel_control(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "inspector")
    page = visit.page

    page.fill("input[name=on]", "2026-01-01")
    page.click("#time-travel button[type=submit]")
    page.wait_for_url("**/?on=2026-01-01*")

    assert page.locator("input[name=on]").input_value() == "2026-01-01"
    assert page.locator("[data-time-travel]").count() == 1
    assert axe_violations(page, axe_source) == []
    screenshot(page, "overzicht-op-datum")


def test_bad_time_travel_input_is_shown_at_its_field(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "registrar")
    page = visit.page

    page.goto(f"{server.url}/?asKnownAt=gisteren")

    error = page.locator("#asKnownAt-error")
    assert error.is_visible()
    assert page.locator("input[name=asKnownAt]").get_attribute("aria-describedby") == "asKnownAt-error"
    assert axe_violations(page, axe_source) == []
    screenshot(page, "overzicht-onjuiste-invoer")


def test_the_language_switch(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "admin")
    page = visit.page

    page.click("form[action='/taal'] button[value=en]")
    page.wait_for_load_state()

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Overview"
    assert axe_violations(page, axe_source) == []
    screenshot(page, "overview-english")


def test_signing_out(server: Server, visit: Visit) -> None:
    sign_in(visit, server.url, "auditor")
    visit.page.click("form[action='/afmelden'] button")
    visit.page.wait_for_url(f"{server.url}/aanmelden")

    visit.page.goto(f"{server.url}/")
    assert visit.page.url.startswith(f"{server.url}/aanmelden")


def test_the_error_page(server: Server, visit: Visit, axe_source: str) -> None:
    answer = visit.page.goto(f"{server.url}/bestaat-niet")

    assert answer is not None and answer.status == 404
    assert axe_violations(visit.page, axe_source) == []
    assert visit.violations == []
    screenshot(visit.page, "niet-gevonden")


def test_keyboard_focus_is_visible(server: Server, visit: Visit) -> None:
    visit.page.goto(f"{server.url}/aanmelden")
    visit.page.keyboard.press("Tab")

    outline = visit.page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' || s.boxShadow !== 'none'; }"
    )
    assert outline


def test_screenshots_land_in_the_ignored_artifacts_folder() -> None:
    from tests.browser.conftest import ARTIFACTS  # noqa: PLC0415

    assert ARTIFACTS.parts[-2:] == ("artifacts", "browser")
    assert Path(ARTIFACTS.parent.parent / ".gitignore").read_text().count("artifacts/") == 1
