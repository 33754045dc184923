"""Apps built in one process share their routers' analysed inclusions (`api.inclusion`), and nothing else."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers import ROUTERS
from ledger.settings import Settings
from tests.conftest import Api, fixed_clock
from web.app import create_app as create_pages


def _shared(first: FastAPI, second: FastAPI) -> list[object]:
    return [route for route in second.router.routes if any(route is kept for kept in first.router.routes)]


def test_a_second_app_gets_the_first_apps_inclusions(migrated: Settings) -> None:
    first, second = create_app(migrated, clock=fixed_clock), create_app(migrated, clock=fixed_clock)

    # One inclusion per router of /api/v1 (and its docs' router where they are served), and health's.
    assert len(_shared(first, second)) == len(ROUTERS) + migrated.serves_api_docs + 1


def test_the_pages_share_theirs_too(migrated: Settings) -> None:
    first, second = create_pages(migrated, clock=fixed_clock), create_pages(migrated, clock=fixed_clock)

    assert len(_shared(first, second)) > len(ROUTERS) + 1


@pytest.fixture
def other_api(tmp_path: Path, migrated_sqlite_files: list[Path]) -> Iterator[Api]:
    """A second app in this process, on a database of its own."""
    settings = Settings(data_dir=tmp_path / "other", database_url=None, api_run_projections=True)
    settings.prepare_data_dir()
    for template in migrated_sqlite_files:
        shutil.copyfile(template, settings.data_dir / template.name)
    with TestClient(create_app(settings, clock=fixed_clock), raise_server_exceptions=False) as client:
        yield Api(client, settings)


def test_each_app_answers_from_its_own_ledger(api: Api, other_api: Api) -> None:
    body = {"kvkNumber": "34781256", "name": "Flexwerk B.V."}
    written = api.client.post("/api/v1/employers", json=body, headers=api.auth("registrar"))
    assert written.status_code == 201, written.text
    position = written.json()["position"]

    def names(on: Api, **params: object) -> list[str]:
        answer = on.client.get("/api/v1/employers", params=params, headers=on.auth("registrar"))
        assert answer.status_code == 200, answer.text
        return [employer["name"] for employer in answer.json()["items"]]

    assert names(api, minPosition=position) == ["Flexwerk B.V."]
    assert names(other_api) == []
    # The other app writes to its own ledger: the same KvK number is free there.
    again = other_api.client.post("/api/v1/employers", json=body, headers=other_api.auth("registrar"))
    assert again.status_code == 201, again.text
