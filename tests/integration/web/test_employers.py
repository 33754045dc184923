"""Werkgevers (`/werkgevers`, `/werkgevers/{id}`): the list as `GET /employers` answers it (name, KvK number,
paging; no homes), and an employer's page with its workers as `GET /workers?employerId=` shows them to the role
(logged as that route logs them) and the locations housing them a page at a time as `GET
/housing-locations?employerId=` pages them (docs/web.md § Werkgevers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from ledger.audit.processing_log import Activity, Operation
from tests.factories import a_bag_id, a_person, an_address, an_employment
from tests.integration.web.site import sign_in
from tests.integration.web.test_overview import api_get, caught_up, services_of

_EMPLOYER = re.compile(r'data-employer-id="([0-9a-f-]{36})"')
_WORKER = re.compile(r'data-worker-id="([0-9a-f-]{36})"')
_HOME = re.compile(r'data-housing-location-id="([0-9a-f-]{36})"')


@dataclass(frozen=True)
class Firms:
    flex_id: UUID
    bloem_id: UUID
    workers: list[UUID]
    home_id: UUID


@pytest.fixture
def firms(site: TestClient) -> Firms:
    ledger = services_of(site).ledger
    flex = ledger.register_employer(kvk_number="34781256", name="Flexwerk Westfriesland B.V.")
    bloem = ledger.register_employer(kvk_number="90000017", name="Bloembollen Wognum")
    home = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Dorpsstraat"), kind="dwelling", max_occupants=4
    )
    workers = [
        ledger.register_worker(
            employer_id=flex.id,
            person=a_person(family_name=name),
            employment=an_employment(start_date=date(2026, 4, 1)),
            housing_location_id=home.id,
            housing_valid_from=date(2026, 4, 1),
        ).id
        for name in ("Kowalska", "Nowak")
    ]
    caught_up(site)
    return Firms(flex.id, bloem.id, workers, home.id)


def _ids(page: Any, pattern: re.Pattern[str]) -> list[str]:
    return pattern.findall(page.text)


@pytest.mark.parametrize("asked", [{}, {"name": "flexwerk"}, {"kvkNumber": "90000017"}, {"name": "geen"}])
def test_the_list_finds_what_the_api_finds(site: TestClient, firms: Firms, asked: dict[str, str]) -> None:
    sign_in(site, "auditor")

    page = site.get("/werkgevers", params=asked)

    assert page.status_code == 200, page.text
    assert _ids(page, _EMPLOYER) == [item["id"] for item in api_get(site, "/employers", **asked)["items"]]
    # Name, KvK number, active workers: the homes are on an employer's page, not counted in the list.
    assert page.text.count('scope="col"') in (0, 3)


def test_the_list_pages_with_the_apis_cursor(site: TestClient, firms: Firms, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("web.employers.PAGE_SIZE", 1)
    sign_in(site, "registrar")
    api_first = api_get(site, "/employers", limit=1)

    first = site.get("/werkgevers")
    cursor = re.search(r'href="/werkgevers\?[^"]*cursor=([A-Za-z0-9_-]+)', first.text)

    assert cursor and cursor.group(1) == api_first["nextCursor"]
    second = site.get("/werkgevers", params={"cursor": cursor.group(1)})
    assert _ids(second, _EMPLOYER) == [
        i["id"] for i in api_get(site, "/employers", limit=1, cursor=cursor.group(1))["items"]
    ]


@pytest.mark.parametrize(("asked", "field"), [({"kvkNumber": "1234"}, "kvkNumber"), ({"name": "x" * 201}, "name")])
def test_bad_search_input_is_shown_at_its_field(
    site: TestClient, firms: Firms, asked: dict[str, str], field: str
) -> None:
    sign_in(site, "registrar")

    page = site.get("/werkgevers", params=asked)

    assert page.status_code == 400
    assert f'id="{field}-error"' in page.text and f'aria-describedby="{field}-error' in page.text
    assert '<html lang="nl"' in page.text
    assert _ids(page, _EMPLOYER) == []


def test_the_employer_page_shows_its_workers_and_homes_as_the_api_does(site: TestClient, firms: Firms) -> None:
    sign_in(site, "inspector")

    page = site.get(f"/werkgevers/{firms.flex_id}", params={"on": "2026-06-01"})

    assert page.status_code == 200, page.text
    employer = api_get(site, f"/employers/{firms.flex_id}", on="2026-06-01")
    workers = api_get(site, "/workers", employerId=str(firms.flex_id))["items"]
    homes = api_get(site, "/housing-locations", employerId=str(firms.flex_id), on="2026-06-01", limit=50)
    assert employer["name"] in page.text and employer["kvkNumber"] in page.text
    assert _ids(page, _WORKER) == [w["id"] for w in workers]
    assert "Kowalska" in page.text and "Nowak" in page.text
    assert _ids(page, _HOME) == [home["id"] for home in homes["items"]] == [str(firms.home_id)]
    assert 'data-figure="homes_on_page" value="1"' in page.text
    assert f'data-figure="active_workers" value="{employer["workers"]["active"]}"' in page.text


def test_the_employer_page_pages_its_homes_as_the_location_list_does(
    site: TestClient, firms: Firms, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("web.employers.HOMES_PAGE_SIZE", 1)
    ledger = services_of(site).ledger
    other = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Kerkstraat"), kind="dwelling", max_occupants=4
    )
    ledger.register_worker(
        employer_id=firms.flex_id,
        person=a_person(family_name="Wiśniewska"),
        employment=an_employment(start_date=date(2026, 4, 1)),
        housing_location_id=other.id,
        housing_valid_from=date(2026, 4, 1),
    )
    caught_up(site)
    sign_in(site, "registrar")
    asked = {"employerId": str(firms.flex_id), "limit": 1}
    api_first = api_get(site, "/housing-locations", **asked)

    first = site.get(f"/werkgevers/{firms.flex_id}")
    cursor = re.search(rf'href="/werkgevers/{firms.flex_id}\?[^"]*homesCursor=([A-Za-z0-9_-]+)', first.text)

    assert _ids(first, _HOME) == [i["id"] for i in api_first["items"]]
    assert 'data-figure="homes_on_page" value="1"' in first.text and 'id="homes-more"' in first.text
    assert cursor and cursor.group(1) == api_first["nextCursor"]
    second = site.get(f"/werkgevers/{firms.flex_id}", params={"homesCursor": cursor.group(1)})
    api_second = api_get(site, "/housing-locations", **asked, cursor=cursor.group(1))
    assert _ids(second, _HOME) == [i["id"] for i in api_second["items"]]
    assert sorted(_ids(first, _HOME) + _ids(second, _HOME)) == sorted([str(firms.home_id), str(other.id)])
    assert 'id="homes-more"' not in second.text
    # Paging the homes keeps the workers' page, and the other way round.
    monkeypatch.setattr("web.employers.WORKERS_PAGE_SIZE", 1)
    workers_cursor = re.search(r'href="[^"]*[?&]cursor=([A-Za-z0-9_-]+)', site.get(f"/werkgevers/{firms.flex_id}").text)
    assert workers_cursor
    both = {"cursor": workers_cursor.group(1), "homesCursor": cursor.group(1)}
    homes_part, workers_part = site.get(f"/werkgevers/{firms.flex_id}", params=both).text.split('id="workers-title"')
    assert f'href="/werkgevers/{firms.flex_id}?cursor={both["cursor"]}" rel="first"' in homes_part
    assert f'href="/werkgevers/{firms.flex_id}?homesCursor={both["homesCursor"]}" rel="first"' in workers_part
    assert site.get(f"/werkgevers/{firms.flex_id}", params={"homesCursor": "not-a-cursor"}).status_code == 400


def test_the_employer_page_logs_its_workers_as_the_workers_list_does(site: TestClient, firms: Firms) -> None:
    sign_in(site, "registrar")
    log = services_of(site).processing_log
    before = len(log.lines())

    site.get(f"/werkgevers/{firms.flex_id}")

    lines = log.lines()[before:]
    assert {(line.processing_activity, line.operation, line.actor) for line in lines} == {
        (Activity.REGISTRATION.value, Operation.READ.value, "dev-registrar")
    }
    assert {line.subject_id for line in lines} == set(firms.workers)


def test_the_list_names_no_worker_and_writes_no_log(site: TestClient, firms: Firms) -> None:
    sign_in(site, "admin")
    log = services_of(site).processing_log
    before = len(log.lines())

    site.get("/werkgevers")

    assert len(log.lines()) == before


def test_the_employer_page_travels_in_time(site: TestClient, firms: Firms) -> None:
    sign_in(site, "auditor")

    page = site.get(f"/werkgevers/{firms.flex_id}", params={"on": "2026-03-01"})

    assert (
        _ids(page, _HOME)
        == [
            h["id"]
            for h in api_get(site, "/housing-locations", employerId=str(firms.flex_id), on="2026-03-01")["items"]
        ]
        == []
    )
    assert "data-time-travel" in page.text


def test_an_unknown_employer_is_a_page_not_found(site: TestClient, firms: Firms) -> None:
    sign_in(site, "registrar")

    assert site.get("/werkgevers/00000000-0000-4000-8000-000000000000").status_code == 404
