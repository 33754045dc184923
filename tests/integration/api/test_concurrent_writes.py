"""Two writers on one worker over HTTP: with If-Match the overtaken one is 412, without it both are stored.

The competitor writes after the command's own load (`skip=1` lets the route's
scope check, which loads the worker first, pass untouched).
"""

from __future__ import annotations

from uuid import UUID

import pytest

from tests.conftest import Api
from tests.factories import a_world, register_worker
from tests.integration.test_concurrency import CompetingWriter


@pytest.fixture
def worker(api: Api) -> UUID:
    ledger = api.services.ledger
    return register_worker(ledger, a_world(ledger))


def test_a_write_overtaken_after_its_if_match_was_checked_is_412(api: Api, worker: UUID) -> None:
    with CompetingWriter(api.services.ledger, times=1, skip=1):
        response = api.client.post(
            f"/api/v1/workers/{worker}/departures",
            json={"departedOn": "2026-06-10"},
            headers={**api.auth("registrar"), "If-Match": '"1"'},
        )

    assert response.status_code == 412, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_a_write_without_if_match_overtaken_once_is_stored_after_the_competitor(api: Api, worker: UUID) -> None:
    with CompetingWriter(api.services.ledger, times=1, skip=1):
        response = api.client.post(
            f"/api/v1/workers/{worker}/departures", json={"departedOn": "2026-06-10"}, headers=api.auth("registrar")
        )

    assert response.status_code == 201, response.text
    assert response.json()["version"] == 3  # registration, the competitor's change, the departure
