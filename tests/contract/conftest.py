"""The app as the contract tests see it: served in-process, without its lifespan.

The OpenAPI document and the interactive docs need no database, so these tests
build the app on default (development) settings and never open a ledger; the
behaviour behind the document is tested on both backends under
tests/integration/api.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.settings import Settings

OPENAPI_PATH = "/api/v1/openapi.json"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client of the app on development settings; requests run without the lifespan (no database)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("contract") / "var")
    yield TestClient(create_app(settings))


@pytest.fixture(scope="module")
def served_document(client: TestClient) -> dict[str, Any]:
    """The OpenAPI document as `GET /api/v1/openapi.json` serves it."""
    answer = client.get(OPENAPI_PATH)
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document
