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
