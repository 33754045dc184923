"""The overview (`/`): today's numbers, a year of month-start headcounts, capacity use, and the locations that
need attention first, each figure equal to the API's answer to the same question (docs/web.md).

The figures are `<data data-figure="NAME" value="N">` elements, so the test reads
what a person sees. With `on` and `asKnownAt` the page answers as the API does
for the same moment.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient

import web.overview
from api.auth import DevelopmentTokens, Role
from api.services import Services
from ledger.application.service import Ledger
from ledger.settings import Settings
from tests.factories import a_bag_id, a_kvk_number, a_person, an_address, an_employment
from tests.integration.api.test_queries import recorded_at
from tests.integration.web.site import figures, sign_in, site_client

V1 = "/api/v1"


def services_of(site: TestClient) -> Services:
    services: Services = site.app.state.services  # type: ignore[attr-defined]
    return services


def caught_up(site: TestClient) -> None:
    """Wait until the views hold every write so far (the pages read the views as they are)."""
    services = services_of(site)
    services.wait_for(services.ledger.recorder.max_notification_id())


def api_get(site: TestClient, path: str, **params: Any) -> Any:
    services = services_of(site)
    token = DevelopmentTokens(services.settings).issue(role=Role.REGISTRAR, sub="test-api")
    answer: httpx.Response = site.get(f"{V1}{path}", params=params, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def api_all(site: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged list."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = api_get(site, path, limit=500, **params, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        cursor = page.get("nextCursor")
        if not cursor:
            return items


def hire(ledger: Ledger, employer_id: UUID, location_id: UUID | None, *, housed_from: date = date(2026, 4, 1)) -> Any:
    """A worker employed (and, with a location, housed) from `housed_from`."""
    return ledger.register_worker(
        employer_id=employer_id,
        person=a_person(),
        employment=an_employment(start_date=housed_from),
        housing_location_id=location_id,
        housing_valid_from=housed_from if location_id else None,
    )


@dataclass(frozen=True)
class Place:
    crowded_id: UUID
    roomy_id: UUID
    first_write_at: Any
    last_write_at: Any


@pytest.fixture
def place(site: TestClient) -> Place:
    ledger = services_of(site).ledger
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    crowded = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(street="Dorpsstraat"),
        kind="dwelling",
        max_occupants=1,
        floor_area_m2=80,
    )
    roomy = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Kerkstraat"), kind="other", max_occupants=10
    )
    first = hire(ledger, employer.id, crowded.id, housed_from=date(2025, 9, 1))
    hire(ledger, employer.id, roomy.id, housed_from=date(2026, 2, 1))
    hire(ledger, employer.id, None)
    last = hire(ledger, employer.id, crowded.id, housed_from=date(2026, 5, 1))
    caught_up(site)
    return Place(crowded.id, roomy.id, recorded_at(ledger, first), recorded_at(ledger, last))


def _api_figures(site: TestClient, **moment: str) -> dict[str, int]:
    locations = api_all(site, "/housing-locations", **moment)
    assessed = [item for item in locations if item["maxOccupants"] is not None]
    alerts = Counter(alert["kind"] for alert in api_all(site, "/alerts", **moment))
    return {
        "workers_registered": len(api_all(site, "/workers", status="active")),
        "workers_housed": api_get(site, "/headcounts", groupBy="housingLocation", **moment)["total"],
        "locations": len(locations),
        "locations_over_capacity": len(api_all(site, "/housing-locations", overCapacity="true", **moment)),
        "places_permitted": sum(item["maxOccupants"] for item in assessed),
        "places_taken": sum(item["headcount"] for item in assessed),
        "alerts": sum(alerts.values()),
        **{f"alerts_{kind}": count for kind, count in alerts.items()},
    }


def test_the_overview_shows_the_figures_the_api_gives(site: TestClient, place: Place) -> None:
    sign_in(site, "registrar")

    shown = figures(site.get("/"))
    expected = _api_figures(site)

    assert {name: shown.get(name) for name in expected} == expected
    assert expected["workers_housed"] == 3
    assert expected["locations_over_capacity"] == 1
    assert shown.get("alerts_over_capacity") == 1


def test_the_overview_answers_on_a_day_as_known_at_an_instant(site: TestClient, place: Place) -> None:
    sign_in(site, "inspector")
    moment = {"on": "2026-03-01", "asKnownAt": place.last_write_at.isoformat()}
    before_the_last = {"on": "2026-06-01", "asKnownAt": (place.last_write_at - timedelta(microseconds=1)).isoformat()}

    for asked in (moment, before_the_last):
        shown = figures(site.get("/", params=asked))
        expected = _api_figures(site, **asked)
        shown_names = {name for name in shown if name.startswith("alerts")} | set(expected)
        time_travelling = {k: v for k, v in expected.items() if k != "workers_registered"}  # the register: today's
        assert {name: shown.get(name) for name in shown_names - {"workers_registered"}} == {
            name: time_travelling.get(name) for name in shown_names - {"workers_registered"}
        }, asked
    assert figures(site.get("/", params=before_the_last))["locations_over_capacity"] == 0
    assert "alerts_over_capacity" not in figures(site.get("/", params=before_the_last))  # the alerts travel too
    assert figures(site.get("/"))["alerts_over_capacity"] == 1


def test_the_time_travel_control_keeps_what_was_asked(site: TestClient, place: Place) -> None:
    sign_in(site, "auditor")

    page = site.get("/", params={"on": "2026-03-01"})

    assert 'name="on" value="2026-03-01"' in page.text
    assert "/overzicht/bewoners-per-maand.svg?on=2026-03-01" in page.text


def test_a_year_of_month_start_headcounts_as_a_table_and_a_chart(site: TestClient, place: Place) -> None:
    sign_in(site, "registrar")
    page = site.get("/", params={"on": "2026-06-15"})

    shown = figures(page)
    months = {name: value for name, value in shown.items() if name.startswith("month_")}
    assert list(months) == [f"month_{year}-{month:02d}" for year, month in _last_twelve(2026, 6)]
    for name, value in months.items():
        first_day = name.removeprefix("month_") + "-01"
        assert value == api_get(site, "/headcounts", groupBy="housingLocation", on=first_day)["total"], name
    assert months["month_2025-08"] == 0
    assert months["month_2025-10"] == 1
    assert months["month_2026-06"] == 3

    chart = site.get("/overzicht/bewoners-per-maand.svg", params={"on": "2026-06-15"})
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.text.lstrip().startswith(("<svg", "<?xml"))
    assert "<img" in page.text and 'src="/overzicht/bewoners-per-maand.svg?on=2026-06-15"' in page.text


def _last_twelve(year: int, month: int) -> list[tuple[int, int]]:
    months = []
    for _ in range(12):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def test_the_locations_that_need_attention_come_first(site: TestClient, place: Place) -> None:
    sign_in(site, "admin")
    page = site.get("/").text

    attention = page[page.index('id="attention"') :]
    assert "Dorpsstraat" in attention
    assert "Kerkstraat" not in attention.split("</table>")[0]


def test_the_chart_needs_a_session(site: TestClient) -> None:
    assert site.get("/overzicht/bewoners-per-maand.svg").status_code == 303


def test_the_overview_names_no_person_and_writes_no_processing_log(site: TestClient, place: Place) -> None:
    sign_in(site, "registrar")
    log = services_of(site).processing_log

    before = len(log.lines())
    site.get("/")

    assert len(log.lines()) == before


def test_the_figures_as_known_now_are_kept_until_a_view_moves(
    site: TestClient, place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(site, "registrar")
    computed = _counting(monkeypatch)

    first = figures(site.get("/"))
    assert figures(site.get("/")) == first
    expected = _api_figures(site)
    assert {name: first.get(name) for name in expected} == expected
    # The live block and the chart answer from the kept figures too.
    assert site.get("/overzicht/cijfers").status_code == 200
    assert site.get("/overzicht/bewoners-per-maand.svg").status_code == 200
    assert computed == ["overview_figures"]  # the views stood still: computed once

    # A moment asked for is computed each time.
    figures(site.get("/", params={"asKnownAt": place.last_write_at.isoformat()}))
    assert computed == ["overview_figures"] * 2


def test_after_an_event_the_page_shows_the_figures_last_counted_and_when_while_it_counts_the_new_ones(
    site: TestClient, place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(site, "registrar")
    first_page = site.get("/")
    first = figures(first_page)
    assert 'id="counted-at"' not in first_page.text
    computed = _counting(monkeypatch)
    ledger = services_of(site).ledger
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Tuinbouw Opmeer B.V.")
    hire(ledger, employer.id, place.roomy_id)
    caught_up(site)

    page = site.get("/")

    assert figures(page) == first  # the chart's table and the ranking too: all of one counting
    note = _counted_at(page)
    assert re.search(r"Deze cijfers zijn geteld om \d{2}:\d{2}:\d{2}\.", note) and "worden nu geteld" in note, note
    # Its live block polls from the position the figures were counted at: its next poll brings the new ones.
    assert _live_position(page) == _live_position(first_page)
    fresh = site.get(_live_url(page), headers={"HX-Request": "true"})
    assert fresh.status_code == 200
    assert figures(fresh)["workers_housed"] == first["workers_housed"] + 1
    assert computed == ["overview_figures"]  # the background's counting, which the poll waited for

    site.app.state.figure_memo.settle(30)  # type: ignore[attr-defined]
    after = site.get("/")
    assert 'id="counted-at"' not in after.text
    assert figures(after)["workers_housed"] == first["workers_housed"] + 1
    expected = _api_figures(site)
    assert {name: figures(after).get(name) for name in expected} == expected
    assert computed == ["overview_figures"]


def test_with_no_time_behind_allowed_the_first_page_after_an_event_counts_before_it_answers(migrated: Settings) -> None:
    with site_client(migrated.model_copy(update={"web_figures_behind_seconds": 0})) as site:
        sign_in(site, "registrar")
        ledger = services_of(site).ledger
        employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Tuinbouw Opmeer B.V.")
        location = ledger.register_housing_location(
            bag_id=a_bag_id(), address=an_address(street="Kerkstraat"), kind="other", max_occupants=10
        )
        caught_up(site)
        first = figures(site.get("/"))
        hire(ledger, employer.id, location.id)
        caught_up(site)

        page = site.get("/")

        assert 'id="counted-at"' not in page.text
        assert figures(page)["workers_housed"] == first["workers_housed"] + 1


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The overview's countings from now on, by name."""
    computed: list[str] = []
    original = web.overview.overview_figures

    def counted(*args: Any) -> Any:
        computed.append("overview_figures")
        return original(*args)

    monkeypatch.setattr(web.overview, "overview_figures", counted)
    return computed


def _counted_at(page: httpx.Response) -> str:
    found = re.search(r'<p[^>]*id="counted-at"[^>]*>(.*?)</p>', page.text, re.S)
    assert found, page.text[:3000]
    return found.group(1)


def _live_position(page: httpx.Response) -> str:
    found = re.search(r'id="overview-numbers" data-live-position="(\d+)"', page.text)
    assert found, page.text[:3000]
    return found.group(1)


def _live_url(page: httpx.Response) -> str:
    found = re.search(r'id="overview-numbers" [^>]*hx-get="([^"]+)"', page.text)
    assert found, page.text[:3000]
    return html.unescape(found.group(1))
