"""A smoke walk in the browser on PostgreSQL, with `ledger project` beside `ledger serve` as in production."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.settings import Settings
from tests.browser.conftest import Server, Visit, axe_violations, screenshot, serve, sign_in
from tests.conftest import PostgresDatabase

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database = PostgresDatabase()
    database.create()
    home = tmp_path_factory.mktemp("browser-postgres")
    try:
        yield from serve(Settings(data_dir=home / "var", database_url=database.url), home, demo_workers=30)
    finally:
        database.discard()


def test_the_overview_on_postgresql(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "registrar")

    assert int(visit.page.locator("data[data-figure=locations]").get_attribute("value") or "0") > 0
    assert axe_violations(visit.page, axe_source) == []
    assert visit.violations == []
    screenshot(visit.page, "overzicht-postgresql")


def test_the_worker_pages_and_the_inbox_on_postgresql(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "inspector")
    page = visit.page

    page.goto(f"{server.url}/signalen")
    assert page.locator("table#alerts tbody tr").count() > 0
    assert axe_violations(page, axe_source) == []
    worker_link = page.locator("table#alerts a[href^='/werknemers/']").first
    worker_link.click()
    page.wait_for_url(f"{server.url}/werknemers/*")
    assert page.locator("[data-field=familyName]").inner_text() != ""
    family_name = page.locator("[data-field=familyName]").inner_text()

    page.goto(f"{server.url}/werknemers")
    page.fill("#familyName", family_name)
    page.click("#worker-search button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("table#found tbody tr").count() >= 1
    assert axe_violations(page, axe_source) == []
    assert visit.violations == []
    screenshot(page, "werknemers-postgresql")
