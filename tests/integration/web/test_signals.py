"""Signalen (`/signalen`): the alerts inbox shows what `GET /alerts` answers for the same filters, labelled, a page
at a time, read-only, and writes the processing log as the API does (docs/web.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient

from ledger.audit.processing_log import Activity
from tests.factories import a_bag_id, a_kvk_number, an_address
from tests.integration.web.site import figures, sign_in
from tests.integration.web.test_overview import api_get, caught_up, hire, services_of
from web import signals


@dataclass(frozen=True)
class Inbox:
    crowded_id: UUID
    employer_id: UUID
    other_employer_id: UUID
    unhoused_id: UUID


@pytest.fixture
def inbox(site: TestClient) -> Inbox:
    ledger = services_of(site).ledger
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    other = ledger.register_employer(kvk_number=a_kvk_number(), name="Zaadteelt Andijk B.V.")
    crowded = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Dorpsstraat"), kind="dwelling", max_occupants=1
    )
    hire(ledger, employer.id, crowded.id, housed_from=date(2025, 9, 1))
    hire(ledger, other.id, crowded.id, housed_from=date(2025, 10, 1))
    unhoused = hire(ledger, employer.id, None)
    hire(ledger, other.id, None)
    caught_up(site)
    return Inbox(crowded.id, employer.id, other.id, unhoused.id)


def _shown(page: httpx.Response) -> list[str]:
    return re.findall(r'data-alert="([a-z_]+\.[0-9a-f-]{36})"', page.text)


def _api_alerts(site: TestClient, **params: str) -> list[str]:
    return [f"{item['kind']}.{item['subjectId']}" for item in api_get(site, "/alerts", **params)["items"]]


def _log(site: TestClient, actor: str) -> list[tuple[str, str, UUID]]:
    lines = services_of(site).processing_log.lines(actor=actor)
    return sorted((line.processing_activity, line.operation, line.subject_id) for line in lines)


def test_the_inbox_shows_the_alerts_the_api_gives_and_logs_as_it_does(site: TestClient, inbox: Inbox) -> None:
    sign_in(site, "registrar")

    page = site.get("/signalen")
    expected = _api_alerts(site)

    assert page.status_code == 200
    assert sorted(_shown(page)) == sorted(expected)
    assert f"over_capacity.{inbox.crowded_id}" in expected
    assert f"no_housing.{inbox.unhoused_id}" in expected
    assert figures(page)["shown"] == len(expected)
    assert "Locatie overbezet" in page.text and "Werknemer zonder huisvesting" in page.text  # kinds in Dutch
    assert "Flexwerk Westfriesland B.V." in page.text  # labelled, as the API labels
    assert "Dorpsstraat" in page.text
    assert f'href="/werknemers/{inbox.unhoused_id}"' in page.text
    workers = [line for line in _log(site, "dev-registrar") if line[0] == Activity.HOUSING_SUPERVISION.value]
    assert workers == _log(site, "test-api")
    assert inbox.unhoused_id in {subject for _, _, subject in workers}
    assert inbox.crowded_id not in {subject for _, _, subject in workers}  # a location is nobody


@pytest.mark.parametrize("by", ["kind", "housingLocationId", "employerId"])
def test_each_filter_gives_what_the_api_gives(site: TestClient, inbox: Inbox, by: str) -> None:
    sign_in(site, "inspector")
    value = {
        "kind": "no_housing",
        "housingLocationId": str(inbox.crowded_id),
        "employerId": str(inbox.other_employer_id),
    }[by]

    page = site.get("/signalen", params={by: value})

    assert page.status_code == 200
    assert sorted(_shown(page)) == sorted(_api_alerts(site, **{by: value}))
    assert _shown(page)
    assert re.search(rf'<option value="{value}" selected>', page.text)


def test_the_filters_offer_the_locations_and_employers_with_alerts_by_name(site: TestClient, inbox: Inbox) -> None:
    sign_in(site, "auditor")

    page = site.get("/signalen").text

    assert re.search(rf'<option value="{inbox.crowded_id}">Dorpsstraat [^<]*</option>', page)
    assert f'<option value="{inbox.other_employer_id}">Zaadteelt Andijk B.V.</option>' in page


def test_the_inbox_pages_in_the_apis_order(site: TestClient, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signals, "PAGE_SIZE", 2)
    sign_in(site, "admin")

    seen: list[str] = []
    path = "/signalen"
    while True:
        page = site.get(path)
        assert page.status_code == 200
        shown = _shown(page)
        assert 0 < len(shown) <= 2
        seen += shown
        following = re.search(r'href="(/signalen\?[^"]*cursor=[^"]*)" rel="next"', page.text)
        if not following:
            break
        path = following.group(1).replace("&amp;", "&")

    expected = _api_alerts(site)
    assert len(expected) > 2
    assert seen == sorted(expected, key=lambda key: (key.split(".")[0], UUID(key.split(".")[1]).hex))


def test_the_inbox_is_read_only(site: TestClient, inbox: Inbox) -> None:
    sign_in(site, "registrar")

    page = site.get("/signalen").text

    forms = re.findall(r'<form method="([a-z]+)" action="([^"]+)"', page)
    assert {action for method, action in forms if method == "post"} == {"/afmelden", "/taal"}
    assert site.post("/signalen").status_code == 405


@pytest.mark.parametrize(
    ("params", "field"),
    [({"kind": "brand"}, "kind"), ({"housingLocationId": "Dorpsstraat 1"}, "housingLocationId")],
)
def test_a_bad_filter_is_shown_at_its_field_and_reads_nothing(
    site: TestClient, inbox: Inbox, params: dict[str, str], field: str
) -> None:
    sign_in(site, "registrar")

    page = site.get("/signalen", params=params)

    assert page.status_code == 400
    assert f'id="{field}-error"' in page.text
    assert f'aria-describedby="{field}-error"' in page.text
    assert _shown(page) == []
    assert _log(site, "dev-registrar") == []


def test_a_cursor_the_page_did_not_give_is_a_400(site: TestClient, inbox: Inbox) -> None:
    sign_in(site, "registrar")

    answer = site.get("/signalen", params={"cursor": "no_housing.nonsense"})

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")


def test_while_travelling_in_time_the_inbox_says_its_alerts_are_todays(site: TestClient, inbox: Inbox) -> None:
    sign_in(site, "inspector")

    page = site.get("/signalen", params={"on": "2026-01-01"})

    assert "data-alerts-today" in page.text
    assert 'name="on" value="2026-01-01"' in page.text  # the filters keep the moment


def test_the_inbox_needs_a_session(site: TestClient, inbox: Inbox) -> None:
    assert site.get("/signalen").status_code == 303
