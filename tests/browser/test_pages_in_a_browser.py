"""The staff pages in Debian's chromium on the embedded SQLite with the demo data: every page for every staff
role, axe-core's WCAG 2.1 AA rules, the security policy, the language switch and a screenshot per page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from api.auth import DevelopmentTokens, Role
from ledger.settings import Settings
from tests.browser.conftest import (
    STAFF,
    Server,
    Visit,
    accessible_for,
    axe_violations,
    screenshot,
    screenshot_for,
    serve,
    sign_in,
)

pytestmark = pytest.mark.slow

REFRESH_S = 1


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("browser-sqlite")
    # The live blocks poll every second here (10 by default), so a refresh is seen soon.
    yield from serve(
        Settings(data_dir=home / "var", database_url=None),
        home,
        demo_workers=60,
        env={"LEDGER_WEB_REFRESH_SECONDS": str(REFRESH_S)},
    )


def test_the_sign_in_page(server: Server, visit: Visit, axe_source: str) -> None:
    visit.page.goto(f"{server.url}/")

    assert visit.page.url.startswith(f"{server.url}/aanmelden")
    assert visit.page.locator("html").get_attribute("lang") == "nl"
    assert axe_violations(visit.page, axe_source) == []
    assert visit.violations == []
    screenshot(visit.page, "aanmelden")


@pytest.mark.parametrize("role", STAFF)
def test_the_overview_for_each_role(server: Server, visit: Visit, axe_source: str, role: str) -> None:
    sign_in(visit, server.url, role)
    page = visit.page

    assert page.locator("h1").inner_text() == "Overzicht"
    assert int(page.locator("data[data-figure=workers_housed]").get_attribute("value") or "-1") > 0
    chart = page.locator("img[src^='/overzicht/bewoners-per-maand.svg']")
    assert chart.evaluate("image => image.complete && image.naturalWidth > 0")
    assert page.locator("table#months tbody tr").count() == 12
    accessible_for(page, axe_source, role)
    assert visit.violations == []
    screenshot_for(page, f"overzicht-{role}", role)


def test_the_overview_refreshes_its_figures_without_a_reload(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "registrar")
    page = visit.page
    locations = page.locator("#overview-numbers data[data-figure=locations]")
    before = int(locations.get_attribute("value") or "-1")
    page.evaluate("() => { window.sameDocument = true; }")  # a reload would forget it

    token = DevelopmentTokens(server.settings).issue(role=Role.REGISTRAR, sub="browser-test-api")
    recorded = httpx.post(
        f"{server.url}/api/v1/housing-locations",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "bagId": "0420019999000001",
            "street": "Nieuwstraat",
            "houseNumber": 7,
            "postcode": "1671 BB",
            "city": "Medemblik",
            "kind": "dwelling",
            "maxOccupants": 4,
        },
        timeout=30,
    )
    assert recorded.status_code == 201, recorded.text

    # Waits on the page itself (the block's next poll), not a sleep: several polls' worth, then fails.
    expect(locations).to_have_attribute("value", str(before + 1), timeout=REFRESH_S * 15_000)
    assert page.evaluate("() => window.sameDocument === true")
    assert axe_violations(page, axe_source) == []
    assert visit.violations == []
    screenshot(page, "overzicht-ververst")


def test_the_time_travel_control(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "inspector")
    page = visit.page

    page.fill("input[name=on]", "2026-01-01")
    page.click("#time-travel button[type=submit]")
    page.wait_for_url("**/?on=2026-01-01*")

    assert page.locator("input[name=on]").input_value() == "2026-01-01"
    assert page.locator("[data-time-travel]").count() == 1
    assert axe_violations(page, axe_source) == []
    screenshot(page, "overzicht-op-datum")


def test_bad_time_travel_input_is_shown_at_its_field(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "registrar")
    page = visit.page

    page.goto(f"{server.url}/?asKnownAt=gisteren")

    error = page.locator("#asKnownAt-error")
    assert error.is_visible()
    assert page.locator("input[name=asKnownAt]").get_attribute("aria-describedby") == "asKnownAt-error"
    assert axe_violations(page, axe_source) == []
    screenshot(page, "overzicht-onjuiste-invoer")


def test_the_language_switch(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "admin")
    page = visit.page

    page.click("form[action='/taal'] button[value=en]")
    page.wait_for_load_state()

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Overview"
    assert axe_violations(page, axe_source) == []
    screenshot(page, "overview-english")


def test_signing_out(server: Server, visit: Visit) -> None:
    sign_in(visit, server.url, "auditor")
    visit.page.click("form[action='/afmelden'] button")
    visit.page.wait_for_url(f"{server.url}/aanmelden")

    visit.page.goto(f"{server.url}/")
    assert visit.page.url.startswith(f"{server.url}/aanmelden")


def test_the_error_page(server: Server, visit: Visit, axe_source: str) -> None:
    answer = visit.page.goto(f"{server.url}/bestaat-niet")

    assert answer is not None and answer.status == 404
    assert axe_violations(visit.page, axe_source) == []
    assert visit.violations == []
    screenshot(visit.page, "niet-gevonden")


def test_keyboard_focus_is_visible(server: Server, visit: Visit) -> None:
    visit.page.goto(f"{server.url}/aanmelden")
    visit.page.keyboard.press("Tab")

    outline = visit.page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' || s.boxShadow !== 'none'; }"
    )
    assert outline


def test_screenshots_land_in_the_ignored_artifacts_folder() -> None:
    from tests.browser.conftest import ARTIFACTS  # noqa: PLC0415

    assert ARTIFACTS.parts[-2:] == ("artifacts", "browser")
    assert Path(ARTIFACTS.parent.parent / ".gitignore").read_text().count("artifacts/") == 1


# Werknemers (issue 19): the search and a worker's page, compared with the API's answers for the same question.


def _registrar_api(server: Server, method: str, path: str, **kwargs: Any) -> Any:
    """What the API answers a registrar (a development token, as `ledger token` gives one)."""
    token = DevelopmentTokens(server.settings).issue(role=Role.REGISTRAR, sub="browser-test-api")
    answer = httpx.request(
        method, f"{server.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30, **kwargs
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _a_demo_worker(server: Server) -> dict[str, Any]:
    found: dict[str, Any] = _registrar_api(server, "GET", "/workers", params={"status": "active", "limit": 1})["items"][
        0
    ]
    return found


@pytest.mark.parametrize("role", STAFF)
def test_the_worker_search_and_a_workers_page_for_each_role(
    server: Server, visit: Visit, axe_source: str, role: str
) -> None:
    worker = _a_demo_worker(server)
    person = worker["person"]
    sign_in(visit, server.url, role)
    page = visit.page

    page.click("nav a[href='/werknemers']")
    page.wait_for_url(f"{server.url}/werknemers")
    assert page.locator("h1").inner_text() == "Werknemers"
    accessible_for(page, axe_source, role)
    page.fill("#familyName", person["familyName"])
    page.fill("#birthDate", person["birthDate"])
    page.click("#worker-search button[type=submit]")
    page.wait_for_load_state()

    assert page.url == f"{server.url}/werknemers"  # what was typed is in no URL
    expected = _registrar_api(
        server, "POST", "/workers/_search", json={"familyName": person["familyName"], "birthDate": person["birthDate"]}
    )
    rows = page.locator("table#found tbody tr")
    assert [rows.nth(i).get_attribute("data-worker") for i in range(rows.count())] == [
        item["id"] for item in expected["items"]
    ]
    accessible_for(page, axe_source, role)
    screenshot_for(page, f"werknemers-{role}", role)

    page.click(f"tr[data-worker='{worker['id']}'] a")
    page.wait_for_url(f"{server.url}/werknemers/{worker['id']}")
    assert page.locator("[data-field=familyName]").inner_text() == person["familyName"]
    assert page.locator("[data-field=employer]").inner_text() == worker["employerName"]
    history = _registrar_api(server, "GET", f"/workers/{worker['id']}/residence-history")
    assert page.locator("table#residence tbody tr").count() == len(history["intervals"])
    accessible_for(page, axe_source, role)
    assert visit.violations == []
    screenshot_for(page, f"werknemer-{role}", role)


def test_bad_worker_search_input_is_shown_at_its_field(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "registrar")
    page = visit.page
    page.goto(f"{server.url}/werknemers")

    page.select_option("#documentType", "passport")
    page.fill("#nationality", "POL")
    page.keyboard.press("Enter")  # the form works from the keyboard
    page.wait_for_load_state()

    error = page.locator("#documentNumber-error")
    assert error.inner_text() == "Vul dit veld in."
    assert page.locator("#documentNumber").get_attribute("aria-describedby") == "documentNumber-error"
    assert page.locator("#nationality").input_value() == "POL"
    assert page.locator("table#found").count() == 0  # nothing read
    assert axe_violations(page, axe_source) == []
    screenshot(page, "werknemers-onjuiste-invoer")


# Signalen (issue 19): the alerts inbox, filtered as a person does it, compared with the API's answer.


@pytest.mark.parametrize("role", STAFF)
def test_the_alerts_inbox_for_each_role(server: Server, visit: Visit, axe_source: str, role: str) -> None:
    sign_in(visit, server.url, role)
    page = visit.page

    page.click("nav a[href='/signalen']")
    page.wait_for_url(f"{server.url}/signalen")
    assert page.locator("h1").inner_text() == "Signalen"
    accessible_for(page, axe_source, role)
    screenshot_for(page, f"signalen-{role}", role)

    kind = _registrar_api(server, "GET", "/alerts")["items"][0]["kind"]
    page.select_option("#kind", kind)
    page.click("#alert-filters button[type=submit]")
    page.wait_for_url(f"**/signalen?kind={kind}*")

    expected = _registrar_api(server, "GET", "/alerts", params={"kind": kind})["items"]
    rows = page.locator("table#alerts tbody tr")
    shown = {rows.nth(i).get_attribute("data-alert") for i in range(rows.count())}
    # The same alerts, in the API's order: the first page of them.
    assert shown == {f"{item['kind']}.{item['subjectId']}" for item in expected[:50]}
    assert rows.count() == min(len(expected), 50)
    assert page.locator("#kind").input_value() == kind
    accessible_for(page, axe_source, role)
    assert visit.violations == []


def test_the_alerts_inbox_by_a_locations_address_typed(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "inspector")
    page = visit.page
    location_id = next(
        item["housingLocationId"]
        for item in _registrar_api(server, "GET", "/alerts")["items"]
        if item["housingLocationId"] is not None
    )
    address = _registrar_api(server, "GET", f"/housing-locations/{location_id}")["address"]

    page.goto(f"{server.url}/signalen")
    page.fill("#postcode", address["postcode"])
    page.fill("#huisnummer", str(address["houseNumber"]))
    page.click("#alert-filters button[type=submit]")
    page.wait_for_url("**/signalen?*huisnummer=*")

    expected = _registrar_api(server, "GET", "/alerts", params={"housingLocationId": location_id})["items"]
    rows = page.locator("table#alerts tbody tr")
    assert [rows.nth(i).get_attribute("data-alert") for i in range(rows.count())] == [
        f"{item['kind']}.{item['subjectId']}" for item in expected[:50]
    ]
    assert expected
    assert page.locator("#postcode-hint").inner_text().startswith("Locatie: ")

    page.fill("#postcode", "9999 ZZ")  # no location there: the refusal at the field, no alert read
    page.click("#alert-filters button[type=submit]")
    page.wait_for_url("**/signalen?*postcode=9999*")
    assert page.locator("#postcode-error").inner_text() == "Op dit adres is geen huisvestingslocatie geregistreerd."
    assert page.locator("#postcode").get_attribute("aria-invalid") == "true"
    assert page.locator("table#alerts").count() == 0
    assert axe_violations(page, axe_source) == []
    assert visit.violations == []
    screenshot(page, "signalen-onbekend-adres")


def test_the_alerts_inbox_on_another_day_as_known_at_another_moment(
    server: Server, visit: Visit, axe_source: str
) -> None:
    sign_in(visit, server.url, "inspector")
    page = visit.page
    day = (date.today() - timedelta(days=90)).isoformat()

    page.goto(f"{server.url}/signalen")
    page.fill("input[name=on]", day)
    page.click("#time-travel button[type=submit]")
    page.wait_for_url(f"**/signalen?on={day}*")

    expected = _registrar_api(server, "GET", "/alerts", params={"on": day})["items"]
    rows = page.locator("table#alerts tbody tr")
    assert [rows.nth(i).get_attribute("data-alert") for i in range(rows.count())] == [
        f"{item['kind']}.{item['subjectId']}" for item in expected[:50]
    ]
    assert page.locator("[data-time-travel]").count() == 1
    assert page.locator("#alert-filters input[name=on]").input_value() == day  # the filters keep the moment
    assert axe_violations(page, axe_source) == []
    assert visit.violations == []
    screenshot(page, "signalen-op-datum")


# -- Inspecties (issue 19, pages-insp) ------------------------------------------------------------------------


def _api(server: Server, path: str, **params: Any) -> Any:
    """What the API answers an inspector (a development token, as `ledger token` gives one)."""
    from api.auth import DevelopmentTokens, Role  # noqa: PLC0415  # only these tests ask the API

    token = DevelopmentTokens(server.settings).issue(role=Role.INSPECTOR, sub="browser-test")
    answer = httpx.get(f"{server.url}/api/v1{path}", params=params, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("role", STAFF)
def test_the_inspections_list_for_each_role(server: Server, visit: Visit, axe_source: str, role: str) -> None:
    sign_in(visit, server.url, role)
    page = visit.page
    page.click("nav a[href='/inspecties']")
    page.wait_for_url(f"{server.url}/inspecties")

    shown = page.locator("tr[data-inspection]").evaluate_all("rows => rows.map(r => r.dataset.inspection)")
    assert shown == [item["id"] for item in _api(server, "/inspections", limit=50)["items"]]
    assert (page.locator("a[href='/inspecties/nieuw']").count() == 1) is (role in {"inspector", "admin"})
    accessible_for(page, axe_source, role)
    assert visit.violations == []
    screenshot_for(page, f"inspecties-{role}", role)


def test_recording_an_inspection_in_the_form(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "inspector")
    page = visit.page
    location = _api(server, "/housing-locations", limit=1)["items"][0]
    before = len(_api(server, "/inspections", limit=500)["items"])
    page.goto(f"{server.url}/inspecties/nieuw")
    page.fill("#postcode", location["address"]["postcode"])
    page.fill("#house_number", str(location["address"]["houseNumber"]))
    page.fill("#inspected_on", "2026-01-05")
    page.fill("#occupants_found", "veel")
    page.check("#finding-overcrowding")
    page.check("#outcome-violations")
    page.click("form[action='/inspecties/nieuw'] button[type=submit]")

    assert page.locator("#occupants_found-error").inner_text() == "Vul een heel getal in."
    assert page.locator("#occupants_found").get_attribute("aria-describedby") == "occupants_found-error"
    assert len(_api(server, "/inspections", limit=500)["items"]) == before
    assert axe_violations(page, axe_source) == []
    screenshot(page, "inspectie-vastleggen-onjuist")

    page.fill("#occupants_found", "7")
    page.click("form[action='/inspecties/nieuw'] button[type=submit]")
    page.wait_for_url(f"{server.url}/inspecties/*")

    assert page.locator("data[data-figure=occupants_found]").get_attribute("value") == "7"
    assert len(_api(server, "/inspections", limit=500)["items"]) == before + 1
    assert axe_violations(page, axe_source) == []
    assert visit.violations == []
    screenshot(page, "inspectie")


def test_imposing_a_sanction_in_the_form(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "admin")
    page = visit.page
    found = _api(server, "/inspections", outcome="violations", limit=1)["items"]
    assert found, "the demo data has an inspection with violations"
    inspection = found[0]
    page.goto(f"{server.url}/inspecties/{inspection['id']}")
    page.click(f"a[href='/inspecties/{inspection['id']}/sanctie']")
    page.check("#kind-administrative_fine")
    page.check("#against-owner")
    page.fill("#owner_kvk_number", "34781256")
    page.click("form.form button[type=submit]")

    assert page.locator("#amount_eur-error").inner_text() == "Vul dit veld in."
    assert len(_api(server, f"/inspections/{inspection['id']}")["sanctions"]) == len(inspection["sanctions"])
    assert axe_violations(page, axe_source) == []
    screenshot(page, "sanctie-opleggen-onjuist")

    page.fill("#amount_eur", "1.250,00")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{server.url}/inspecties/{inspection['id']}")

    sanctions = _api(server, f"/inspections/{inspection['id']}")["sanctions"]
    assert [(s["kind"], s["amountEur"]) for s in sanctions][-1] == ("administrative_fine", "1250.00")
    assert page.locator("data[data-figure=sanctions]").get_attribute("value") == str(len(sanctions))
    assert axe_violations(page, axe_source) == []
    assert visit.violations == []


# -- Audit (issue 19, pages-insp) ------------------------------------------------------------------------------


def _api_as_auditor(server: Server, path: str, **params: Any) -> Any:
    from api.auth import DevelopmentTokens, Role  # noqa: PLC0415  # only these tests ask the API

    token = DevelopmentTokens(server.settings).issue(role=Role.AUDITOR, sub="browser-test")
    answer = httpx.get(f"{server.url}/api/v1{path}", params=params, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_the_audit_pages_for_each_role_that_may_see_them(
    server: Server, visit: Visit, axe_source: str, role: str
) -> None:
    sign_in(visit, server.url, role)
    page = visit.page
    page.click("nav a[href='/audit']")
    page.wait_for_url(f"{server.url}/audit")
    page.click("form[action='/audit'][method=post] button[type=submit]")  # not the time-travel control's
    # The status refreshes itself (htmx) until the run ends; without JavaScript the link does the same.
    page.wait_for_selector("[data-verification=ok], [data-verification=broken], [data-verification=failed]")
    assert page.locator("[data-verification=ok]").count() == 1
    accessible_for(page, axe_source, role)
    screenshot_for(page, f"audit-{role}", role)

    page.click("a[href='/audit/gebeurtenissen']")
    page.wait_for_url(f"{server.url}/audit/gebeurtenissen")
    shown = page.locator("tr[data-position]").evaluate_all("rows => rows.map(r => Number(r.dataset.position))")
    assert shown == [item["position"] for item in _api_as_auditor(server, "/audit/events", limit=50)["items"]]
    accessible_for(page, axe_source, role)
    screenshot_for(page, f"audit-gebeurtenissen-{role}", role)

    page.click("a[href='/audit/toegang']")
    page.fill("#subjectId", "geen-id")
    page.click("form.filters[action='/audit/toegang'] button[type=submit]")
    assert page.locator("#subjectId-error").is_visible()
    assert page.locator("#subjectId").get_attribute("aria-describedby") == "subjectId-error"
    accessible_for(page, axe_source, role)
    inspection = _api(server, "/inspections", limit=1)["items"][0]["id"]
    page.fill("#subjectId", inspection)
    page.click("form.filters[action='/audit/toegang'] button[type=submit]")
    page.wait_for_url(f"{server.url}/audit/toegang?subjectId={inspection}")
    accessible_for(page, axe_source, role)
    assert visit.violations == []
    screenshot_for(page, f"audit-toegang-{role}", role)


def test_the_event_feed_as_known_at_an_instant(server: Server, visit: Visit, axe_source: str) -> None:
    sign_in(visit, server.url, "auditor")
    page = visit.page
    page.goto(f"{server.url}/audit/gebeurtenissen")
    assert page.locator("input[name=on]").count() == 0  # a day does not apply to what was recorded
    assert page.locator("[data-travel-day-not-applicable]").count() == 1

    page.fill("input[name=asKnownAt]", "2000-01-01T00:00:00")  # before anything was recorded
    page.click("#time-travel button[type=submit]")
    page.wait_for_url("**/audit/gebeurtenissen?asKnownAt=*")

    assert page.locator("tr[data-position]").count() == 0
    assert page.locator("[data-time-travel]").count() == 1
    assert axe_violations(page, axe_source) == []
    assert visit.violations == []
    screenshot(page, "audit-gebeurtenissen-zoals-bekend-op")


def test_the_audit_pages_are_closed_to_registrars_and_inspectors(server: Server, visit: Visit) -> None:
    for role in ("registrar", "inspector"):
        sign_in(visit, server.url, role)
        assert visit.page.locator("nav a[href='/audit']").count() == 0
        answer = visit.page.goto(f"{server.url}/audit")
        assert answer is not None and answer.status == 403


# -- Rapportages (issue 19, pages-rep) ------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_the_reports_page_for_each_role(server: Server, visit: Visit, axe_source: str, role: str) -> None:
    sign_in(visit, server.url, role)
    page = visit.page
    page.click("nav a[href='/rapportages']")
    page.wait_for_url(f"{server.url}/rapportages")
    page.select_option("#report", "headcounts")
    page.fill("#from", "2026-01-01")
    page.fill("#to", "2026-06-30")
    page.select_option("#groupBy", "kind")
    page.click("#report-question button[type=submit]")
    page.wait_for_url("**/rapportages?*groupBy=kind*")

    shown = page.locator("tr[data-period-start]").evaluate_all(
        "rows => rows.map(r => [r.dataset.periodStart, r.dataset.groupKey || null,"
        " r.querySelector('[data-measure=distinctResidents]').dataset.value])"
    )
    api = _api(server, "/reports/headcounts", **{"from": "2026-01-01", "to": "2026-06-30", "groupBy": "kind"})
    expected = [
        [row["periodStart"], row["groupKey"], str(row["measures"]["distinctResidents"])]
        for row in (*api["rows"], *api["totals"])
    ]
    assert shown == expected
    chart = page.locator("img[src^='/rapportages/grafiek.svg']")
    assert chart.evaluate("image => image.complete && image.naturalWidth > 0")
    assert page.locator("a[href^='/rapportages/bestand.csv']").count() == 1
    accessible_for(page, axe_source, role)
    assert visit.violations == []
    screenshot_for(page, f"rapportages-{role}", role)

    # The public variant by location is refused at its field; nothing is shown.
    page.select_option("#groupBy", "housingLocation")
    page.select_option("#disclosure", "public")
    page.click("#report-question button[type=submit]")
    page.wait_for_selector("#groupBy-error")
    # The error first, then the field's hint: both are read with the field.
    assert (page.locator("#groupBy").get_attribute("aria-describedby") or "").split() == [
        "groupBy-error",
        "groupBy-hint",
    ]
    assert page.locator("tr[data-period-start]").count() == 0
    accessible_for(page, axe_source, role)
    assert visit.violations == []
