"""The site on each backend, for the page tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ledger.settings import Settings
from tests.integration.web.site import site_client


@pytest.fixture
def site(migrated: Settings) -> Iterator[TestClient]:
    """The whole site (API and pages) on a migrated database of each backend, as a loopback client sees it."""
    with site_client(migrated) as client:
        yield client
