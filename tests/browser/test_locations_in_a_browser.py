"""Locaties and Werkgevers in Debian's chromium on the embedded SQLite with the demo data (issue 19, docs/web.md).

For every staff role that may see them: the list of locations, the search by
postcode + house number, the over-capacity filter, a location's page (its
occupants on a chosen day, the timeline over a period, its inspections and
alerts), the employers' list and an employer's page — each compared with what
the API answers for the same question, checked by axe-core, and saved as a
screenshot. The occupancy-limit form as a registrar: bad input is shown at its
field and nothing is stored (asked of the API), good input is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from api.auth import DevelopmentTokens, Role
from ledger.settings import Settings
from tests.browser.conftest import (
    STAFF,
    WIDEST_ROLE,
    Server,
    Visit,
    axe_violations,
    screenshot,
    screenshot_for,
    serve,
    sign_in,
)

pytestmark = pytest.mark.slow

LIST_PAGE = 25  # web.locations.PAGE_SIZE and web.employers.PAGE_SIZE
WORKERS_PAGE = 50  # web.employers.WORKERS_PAGE_SIZE
HOMES_PAGE = 50  # web.employers.HOMES_PAGE_SIZE


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("browser-locations")
    yield from serve(Settings(data_dir=home / "var", database_url=None), home, demo_workers=60)


def _api(server: Server, path: str, **params: Any) -> Any:
    """What the API answers a registrar for the same question (a development token, as `ledger token` gives)."""
    token = DevelopmentTokens(server.settings).issue(role=Role.REGISTRAR, sub="browser-test-api")
    answer = httpx.get(
        f"{server.url}/api/v1{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _shown(page: Page, selector: str, attribute: str) -> list[str]:
    """The values of `attribute` on the elements `selector` finds, in the page's order."""
    found: list[str] = page.locator(selector).evaluate_all(
        "(elements, name) => elements.map(e => e.getAttribute(name))", attribute
    )
    return found


def _ids(items: list[dict[str, Any]], key: str = "id") -> list[str]:
    return [item[key] for item in items]


def _checked(visit: Visit, axe_source: str, role: str = WIDEST_ROLE) -> None:
    """No console error or CSP violation on the page; axe's check too when `role` is the widest (`WIDEST_ROLE`)."""
    if role == WIDEST_ROLE:
        assert axe_violations(visit.page, axe_source) == []
    assert visit.violations == []


def _crowded(server: Server) -> dict[str, Any]:
    found = _api(server, "/housing-locations", overCapacity="true", limit=1)["items"]
    assert found, "the demo data has a location over capacity"
    crowded: dict[str, Any] = found[0]
    return crowded


# -- Locaties --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_the_locations_list_search_and_filter_for_each_role(
    server: Server, visit: Visit, axe_source: str, role: str
) -> None:
    sign_in(visit, server.url, role)
    page = visit.page
    page.click("nav a[href='/locaties']")
    page.wait_for_url(f"{server.url}/locaties")

    assert page.locator("h1").inner_text() == "Locaties"
    everything = _api(server, "/housing-locations", limit=LIST_PAGE)["items"]
    assert _shown(page, "tr[data-location-id]", "data-location-id") == _ids(everything)
    _checked(visit, axe_source, role)
    screenshot_for(page, f"locaties-{role}", role)

    # The search by postcode and house number, typed as a person types it (lower case, no space).
    wanted = everything[-1]["address"]
    page.fill("#postcode", wanted["postcode"].replace(" ", "").lower())
    page.fill("#houseNumber", str(wanted["houseNumber"]))
    page.click("#location-search button[type=submit]")
    page.wait_for_url("**/locaties?*houseNumber=*")
    found = _api(server, "/housing-locations", postcode=wanted["postcode"], houseNumber=wanted["houseNumber"])
    assert _shown(page, "tr[data-location-id]", "data-location-id") == _ids(found["items"])
    assert everything[-1]["id"] in _ids(found["items"])
    _checked(visit, axe_source, role)
    screenshot_for(page, f"locaties-gezocht-{role}", role)

    # Only the locations over capacity.
    page.click("#location-search a[href='/locaties']")
    page.wait_for_url(f"{server.url}/locaties")
    page.check("#overCapacity")
    page.click("#location-search button[type=submit]")
    page.wait_for_url("**/locaties?*overCapacity=true*")
    over = _api(server, "/housing-locations", overCapacity="true", limit=LIST_PAGE)["items"]
    assert over, "the demo data has locations over capacity"
    assert _shown(page, "tr[data-location-id]", "data-location-id") == _ids(over)
    assert page.locator("#overCapacity").is_checked()
    _checked(visit, axe_source, role)
    screenshot_for(page, f"locaties-overbezet-{role}", role)


@pytest.mark.parametrize("role", STAFF)
def test_a_locations_page_for_each_role(server: Server, visit: Visit, axe_source: str, role: str) -> None:
    crowded = _crowded(server)
    location = crowded["id"]
    sign_in(visit, server.url, role)
    page = visit.page
    page.goto(f"{server.url}/locaties?overCapacity=true")
    page.click(f"tr[data-location-id='{location}'] a")
    page.wait_for_url(f"{server.url}/locaties/{location}*")

    assert page.locator("h1").inner_text() == crowded["label"]
    occupancy = _api(server, f"/housing-locations/{location}/occupancy")
    assert page.locator("data[data-figure=headcount]").get_attribute("value") == str(occupancy["headcount"])
    assert page.locator("[data-over-capacity]").get_attribute("data-over-capacity") == "true"
    assert _shown(page, "tr[data-occupant-id]", "data-occupant-id") == _ids(occupancy["occupants"], "workerId")
    limits = _api(server, f"/housing-locations/{location}")["limits"]
    assert page.locator("tr[data-limit-valid-from]").count() == len(limits)
    inspections = _api(server, "/inspections", housingLocationId=location, limit=500)["items"]
    assert sorted(_shown(page, "tr[data-inspection-id]", "data-inspection-id")) == sorted(_ids(inspections))
    alerts = _api(server, "/alerts", housingLocationId=location)["items"]
    assert sorted(_shown(page, "li[data-alert-kind]", "data-alert-kind")) == sorted(_ids(alerts, "kind"))
    assert (page.locator("#limit-form").count() == 1) is (role in {"registrar", "admin"})
    _checked(visit, axe_source, role)
    screenshot_for(page, f"locatie-{role}", role)

    # Who lived there on a chosen day: the time-travel control's day (the period form's last day is today).
    today = date.fromisoformat(page.locator("#to").input_value())
    day = (today - timedelta(days=45)).isoformat()
    page.fill("#time-travel input[name=on]", day)
    page.click("#time-travel button[type=submit]")
    page.wait_for_url(f"**/locaties/{location}?on={day}*")
    then = _api(server, f"/housing-locations/{location}/occupancy", on=day)
    assert page.locator("data[data-figure=headcount]").get_attribute("value") == str(then["headcount"])
    assert _shown(page, "tr[data-occupant-id]", "data-occupant-id") == _ids(then["occupants"], "workerId")
    assert page.locator("[data-time-travel]").count() == 1

    # The residents over a period, as a timeline (a column per day for up to 31 days).
    first, last = (today - timedelta(days=20)).isoformat(), today.isoformat()
    page.fill("#from", first)
    page.fill("#to", last)
    page.click("#period button[type=submit]")
    page.wait_for_url(f"**/locaties/{location}?*from={first}*")
    residents = _api(server, f"/housing-locations/{location}/residents", **{"from": first, "to": last})
    shown = _shown(page, "tr[data-resident-id]", "data-resident-id")
    assert sorted(shown) == sorted(_ids(residents["residents"], "workerId"))
    if shown:
        assert page.locator("#timeline tr[data-resident-id]").first.locator("td[data-day]").count() == 21
    _checked(visit, axe_source, role)
    screenshot_for(page, f"locatie-periode-{role}", role)


def test_a_bad_period_is_shown_at_its_field(server: Server, visit: Visit, axe_source: str) -> None:
    location = _crowded(server)["id"]
    sign_in(visit, server.url, "auditor")
    page = visit.page
    page.goto(f"{server.url}/locaties/{location}")

    page.fill("#from", "2026-05-01")
    page.fill("#to", "2026-04-01")
    page.click("#period button[type=submit]")
    page.wait_for_selector("#to-error")

    assert page.locator("#to").get_attribute("aria-describedby") == "to-error"
    assert page.locator("tr[data-resident-id]").count() == 0
    _checked(visit, axe_source)
    screenshot(page, "locatie-onjuiste-periode")


def test_the_registrar_changes_the_limit_in_the_form(server: Server, visit: Visit, axe_source: str) -> None:
    crowded = _crowded(server)
    location = crowded["id"]
    before = _api(server, f"/housing-locations/{location}")["limits"]
    sign_in(visit, server.url, "registrar")
    page = visit.page
    page.goto(f"{server.url}/locaties/{location}")
    today = date.fromisoformat(page.locator("#to").input_value())

    # Bad input: shown at its field, in Dutch, with what was typed; nothing is stored.
    page.fill("#maxOccupants", "veel")
    page.fill("#validFrom", today.isoformat())
    page.fill("#reason", "Omgevingsvergunning 2026-207")
    page.click("#limit-form button[type=submit]")
    page.wait_for_selector("#maxOccupants-error")
    assert page.locator("#maxOccupants-error").inner_text() == "Vul een heel getal in, bijvoorbeeld 12."
    assert (page.locator("#maxOccupants").get_attribute("aria-describedby") or "").split()[0] == "maxOccupants-error"
    assert page.locator("#maxOccupants").input_value() == "veel"
    assert page.locator("#reason").input_value() == "Omgevingsvergunning 2026-207"
    assert _api(server, f"/housing-locations/{location}")["limits"] == before
    _checked(visit, axe_source)
    screenshot(page, "locatie-maximum-onjuist")

    # A refusal of the domain: a limit valid from years ahead, at its own field.
    page.fill("#maxOccupants", "6")
    page.fill("#validFrom", (today + timedelta(days=3 * 365)).isoformat())
    page.click("#limit-form button[type=submit]")
    page.wait_for_selector("#validFrom-error")
    assert page.locator("#validFrom").get_attribute("aria-describedby") == "validFrom-error"
    assert page.locator("#maxOccupants-error").count() == 0
    assert _api(server, f"/housing-locations/{location}")["limits"] == before
    _checked(visit, axe_source)

    # Good input: stored, and the page shows it after the redirect.
    page.fill("#validFrom", today.isoformat())
    page.click("#limit-form button[type=submit]")
    page.wait_for_url(f"{server.url}/locaties/{location}?minPosition=*")
    after = _api(server, f"/housing-locations/{location}")["limits"]
    assert len(after) == len(before) + 1
    assert (after[-1]["maxOccupants"], after[-1]["reason"]) == (6, "Omgevingsvergunning 2026-207")
    assert page.locator("[role=status]").count() == 1
    assert page.locator("tr[data-limit-valid-from]").count() == len(after)
    assert "Omgevingsvergunning 2026-207" in page.locator("#limits").inner_text()
    _checked(visit, axe_source)
    screenshot(page, "locatie-maximum-vastgelegd")


# -- Werkgevers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_the_employers_list_and_an_employers_page_for_each_role(
    server: Server, visit: Visit, axe_source: str, role: str
) -> None:
    sign_in(visit, server.url, role)
    page = visit.page
    page.click("nav a[href='/werkgevers']")
    page.wait_for_url(f"{server.url}/werkgevers")

    assert page.locator("h1").inner_text() == "Werkgevers"
    listed = _api(server, "/employers", limit=LIST_PAGE)["items"]
    assert _shown(page, "tr[data-employer-id]", "data-employer-id") == _ids(listed)
    _checked(visit, axe_source, role)
    screenshot_for(page, f"werkgevers-{role}", role)

    # The search by a part of the name, as the API's `name`.
    busiest = max(listed, key=lambda item: item["workers"]["active"])
    part = busiest["name"].split()[0][1:5].lower()
    page.fill("#name", part)
    page.click("#employer-search button[type=submit]")
    page.wait_for_url("**/werkgevers?name=*")
    found = _api(server, "/employers", name=part, limit=LIST_PAGE)["items"]
    assert _shown(page, "tr[data-employer-id]", "data-employer-id") == _ids(found)
    assert busiest["id"] in _ids(found)

    page.click(f"tr[data-employer-id='{busiest['id']}'] a")
    page.wait_for_url(f"{server.url}/werkgevers/{busiest['id']}*")
    employer = _api(server, f"/employers/{busiest['id']}")
    assert page.locator("h1").inner_text() == employer["name"]
    assert page.locator("data[data-figure=active_workers]").get_attribute("value") == str(employer["workers"]["active"])
    assert page.locator("data[data-figure=total_workers]").get_attribute("value") == str(employer["workers"]["total"])
    # Its homes a page at a time, as `GET /housing-locations?employerId=` pages them.
    homes = _api(server, "/housing-locations", employerId=busiest["id"], limit=HOMES_PAGE)["items"]
    assert _shown(page, "li[data-housing-location-id]", "data-housing-location-id") == _ids(homes)
    workers = _api(server, "/workers", employerId=busiest["id"], limit=WORKERS_PAGE)["items"]
    assert workers, "the busiest employer of the demo data has workers"
    assert _shown(page, "tr[data-worker-id]", "data-worker-id") == _ids(workers)
    _checked(visit, axe_source, role)
    screenshot_for(page, f"werkgever-{role}", role)

    # From the employer to a location housing its workers.
    if homes:
        home = homes[0]
        page.click(f"li[data-housing-location-id='{home['id']}'] a")
        page.wait_for_url(f"{server.url}/locaties/{home['id']}*")
        assert page.locator("h1").inner_text() == home["label"]


def test_bad_employer_search_input_is_shown_at_its_field(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "inspector")
    page = visit.page
    page.goto(f"{server.url}/werkgevers")

    page.fill("#kvkNumber", "1234")
    page.keyboard.press("Enter")
    page.wait_for_selector("#kvkNumber-error")

    assert (page.locator("#kvkNumber").get_attribute("aria-describedby") or "").split() == [
        "kvkNumber-error",
        "kvkNumber-hint",
    ]
    assert page.locator("tr[data-employer-id]").count() == 0
    _checked(visit, axe_source)
    screenshot(page, "werkgevers-onjuiste-invoer")
