"""Inspecties (`/inspecties`): the list and an inspection's page show what the API answers, the notes only for the
roles the API opens them for (with the same processing-log line), and the forms to record an inspection and to
impose a sanction call the same commands: bad input is shown at its field in the page's language, nothing stored.

Items on the pages carry `data-inspection="ID"` and their figures as `<data data-figure>` elements, so the tests
read what a person sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient

from ledger.domain.employer import employer_id_for
from tests.factories import a_bag_id, a_kvk_number, an_address
from tests.integration.web.site import csrf_token, figures, sign_in
from tests.integration.web.test_overview import api_get, caught_up, hire, services_of

_ITEM = re.compile(r'data-inspection="([0-9a-f-]{36})"')


@dataclass(frozen=True)
class Inspected:
    location_id: UUID
    postcode: str
    house_number: int
    employer_kvk: str
    with_notes: UUID
    compliant: UUID


@pytest.fixture
def inspected(site: TestClient) -> Inspected:
    ledger = services_of(site).ledger
    kvk = a_kvk_number()
    employer = ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.")
    address = an_address(street="Dorpsstraat")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=address, kind="dwelling", max_occupants=2, floor_area_m2=80
    )
    for _ in range(3):
        hire(ledger, employer.id, location.id, housed_from=date(2026, 3, 1))
    with_notes = ledger.record_inspection(
        housing_location_id=location.id,
        inspected_on=date(2026, 5, 4),
        occupants_found=5,
        findings=["overcrowding", "fire_safety"],
        outcome="violations",
        notes="Zes matrassen in de woonkamer; bewoner A. Nowak sprak met de inspecteur.",
    )
    ledger.impose_sanction(with_notes.id, kind="warning", against="employer", employer_id=employer.id)
    compliant = ledger.record_inspection(
        housing_location_id=location.id,
        inspected_on=date(2026, 6, 1),
        occupants_found=3,
        findings=[],
        outcome="compliant",
    )
    caught_up(site)
    return Inspected(location.id, address.postcode, address.house_number, kvk, with_notes.id, compliant.id)


def listed(page: httpx.Response) -> list[str]:
    """The inspections a page lists, in its order (each once)."""
    return list(dict.fromkeys(_ITEM.findall(page.text)))


def field_error(page: httpx.Response, field: str) -> str:
    """The error message shown at a form field (tied to it by aria-describedby)."""
    assert f'aria-describedby="{field}-error"' in page.text, f"no error tied to {field}"
    found = re.search(rf'id="{field}-error"[^>]*>([^<]+)<', page.text)
    assert found, f"no error message for {field}"
    return found.group(1).strip()


def inspections_stored(site: TestClient) -> int:
    caught_up(site)
    return len(api_get(site, "/inspections", limit=500)["items"])


def test_the_list_shows_what_the_api_lists_with_its_filters(site: TestClient, inspected: Inspected) -> None:
    sign_in(site, "registrar")

    for asked in ({}, {"outcome": "violations"}, {"from": "2026-05-10"}, {"to": "2026-05-10"}):
        page = site.get("/inspecties", params=asked)
        assert page.status_code == 200, page.text
        assert listed(page) == [item["id"] for item in api_get(site, "/inspections", **asked)["items"]], asked

    by_address = site.get("/inspecties", params={"postcode": inspected.postcode, "huisnummer": inspected.house_number})
    assert listed(by_address) == [str(inspected.with_notes), str(inspected.compliant)]


def test_the_list_pages_as_the_api_does(site: TestClient, inspected: Inspected) -> None:
    sign_in(site, "inspector")

    first = site.get("/inspecties", params={"limit": 1})
    assert listed(first) == [str(inspected.with_notes)]
    following = re.search(r'href="(/inspecties\?[^"]*cursor=[^"]+)"', first.text)
    assert following, "a link to the next page"
    second = site.get(following.group(1).replace("&amp;", "&"))
    assert listed(second) == [str(inspected.compliant)]


def test_bad_filters_are_shown_at_their_field_and_nothing_is_listed(site: TestClient, inspected: Inspected) -> None:
    sign_in(site, "registrar")

    page = site.get("/inspecties", params={"from": "2026-06-01", "to": "2026-05-01"})

    assert page.status_code == 400
    assert field_error(page, "to") == "De einddatum mag niet voor de begindatum liggen."
    assert listed(page) == []


def test_an_inspection_page_opens_the_notes_for_an_inspector_and_logs_it_as_the_api(
    site: TestClient, inspected: Inspected
) -> None:
    services = services_of(site)
    sign_in(site, "inspector")

    page = site.get(f"/inspecties/{inspected.with_notes}")

    assert page.status_code == 200, page.text
    assert "Zes matrassen in de woonkamer" in page.text
    api = api_get(site, f"/inspections/{inspected.with_notes}")
    assert figures(page) == {
        "occupants_found": api["occupantsFound"],
        "registered_headcount": api["registeredHeadcount"],
        "sanctions": len(api["sanctions"]),
    }
    (line,) = [
        line for line in services.processing_log.lines(subject_id=inspected.with_notes) if line.actor == "dev-inspector"
    ]
    assert (line.processing_activity, line.operation) == ("PA-03-enforcement", "read")


def test_a_registrar_sees_that_notes_exist_but_not_them_and_nothing_is_logged(
    site: TestClient, inspected: Inspected
) -> None:
    services = services_of(site)
    sign_in(site, "registrar")

    page = site.get(f"/inspecties/{inspected.with_notes}")

    assert page.status_code == 200
    assert "Zes matrassen" not in page.text
    assert 'data-notes-status="recorded"' in page.text
    assert list(services.processing_log.lines(subject_id=inspected.with_notes)) == []


def test_an_unknown_inspection_is_a_404_page(site: TestClient, inspected: Inspected) -> None:
    sign_in(site, "registrar")
    assert site.get(f"/inspecties/{UUID(int=7)}").status_code == 404


def _record_form(site: TestClient) -> str:
    page = site.get("/inspecties/nieuw")
    assert page.status_code == 200, page.text
    return csrf_token(page)


def test_an_inspector_records_an_inspection_through_the_form(site: TestClient, inspected: Inspected) -> None:
    services = services_of(site)
    sign_in(site, "inspector")
    before = inspections_stored(site)

    answer = site.post(
        "/inspecties/nieuw",
        data={
            "csrf_token": _record_form(site),
            "postcode": inspected.postcode,
            "house_number": str(inspected.house_number),
            "inspected_on": "2026-06-10",
            "occupants_found": "4",
            "findings": ["overcrowding", "hygiene"],
            "outcome": "violations",
            "notes": "Keuken vervuild.",
        },
    )

    assert answer.status_code == 303, answer.text
    new_id = UUID(answer.headers["location"].rsplit("/", 1)[1])
    assert inspections_stored(site) == before + 1
    stored = api_get(site, f"/inspections/{new_id}")
    assert (stored["occupantsFound"], stored["findings"], stored["outcome"]) == (
        4,
        ["overcrowding", "hygiene"],
        "violations",
    )
    (line,) = services.processing_log.lines(subject_id=new_id)
    assert (line.processing_activity, line.operation) == ("PA-03-enforcement", "create")


@pytest.mark.parametrize(
    ("changed", "field", "message"),
    [
        ({"occupants_found": "veel"}, "occupants_found", "Vul een heel getal in."),
        ({"inspected_on": "2026-07-01"}, "inspected_on", "Deze datum ligt in de toekomst."),
        ({"findings": []}, "findings", "Kies ten minste één bevinding bij een inspectie met overtredingen."),
        ({"house_number": "9999"}, "postcode", "Op dit adres is geen huisvestingslocatie geregistreerd."),
    ],
)
def test_bad_input_in_the_record_form_is_shown_at_its_field_in_dutch_and_nothing_is_stored(
    site: TestClient, inspected: Inspected, changed: dict[str, Any], field: str, message: str
) -> None:
    sign_in(site, "inspector")
    before = inspections_stored(site)
    data: dict[str, Any] = {
        "csrf_token": _record_form(site),
        "postcode": inspected.postcode,
        "house_number": str(inspected.house_number),
        "inspected_on": "2026-06-10",
        "occupants_found": "4",
        "findings": ["overcrowding"],
        "outcome": "violations",
        **changed,
    }

    page = site.post("/inspecties/nieuw", data=data)

    assert page.status_code == 400, page.text
    assert field_error(page, field) == message
    assert inspections_stored(site) == before


def test_only_inspectors_and_admins_may_use_the_forms(site: TestClient, inspected: Inspected) -> None:
    sign_in(site, "registrar")
    token = csrf_token(site.get("/inspecties"))
    assert site.post("/inspecties/nieuw", data={"csrf_token": token}).status_code == 403
    assert site.post(f"/inspecties/{inspected.with_notes}/sanctie", data={"csrf_token": token}).status_code == 403


def test_a_form_without_the_csrf_token_is_refused(site: TestClient, inspected: Inspected) -> None:
    sign_in(site, "inspector")
    assert site.post("/inspecties/nieuw", data={"outcome": "compliant"}).status_code == 403


def _sanction_form(site: TestClient, inspection_id: UUID) -> tuple[str, str]:
    page = site.get(f"/inspecties/{inspection_id}/sanctie")
    assert page.status_code == 200, page.text
    version = re.search(r'name="version" value="([0-9]+)"', page.text)
    assert version
    return csrf_token(page), version.group(1)


def test_an_inspector_imposes_a_sanction_through_the_form(site: TestClient, inspected: Inspected) -> None:
    sign_in(site, "inspector")
    token, version = _sanction_form(site, inspected.with_notes)

    answer = site.post(
        f"/inspecties/{inspected.with_notes}/sanctie",
        data={
            "csrf_token": token,
            "version": version,
            "kind": "administrative_fine",
            "against": "employer",
            "employer_kvk_number": inspected.employer_kvk,
            "amount_eur": "2500,50",
            "deadline": "",
        },
    )

    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/inspecties/{inspected.with_notes}"
    caught_up(site)
    sanctions = api_get(site, f"/inspections/{inspected.with_notes}")["sanctions"]
    assert [(s["kind"], s["employerId"], s["amountEur"]) for s in sanctions][-1] == (
        "administrative_fine",
        str(employer_id_for(inspected.employer_kvk)),
        "2500.50",
    )


@pytest.mark.parametrize(
    ("changed", "field", "message"),
    [
        ({"amount_eur": ""}, "amount_eur", "Vul dit veld in."),
        ({"amount_eur": "12,345"}, "amount_eur", "Een bedrag heeft ten hoogste 2 decimalen (centen)."),
        (
            {"employer_kvk_number": "12345678"},
            "employer_kvk_number",
            "Er is geen werkgever met dit KvK-nummer geregistreerd.",
        ),
        ({"kind": "order_subject_to_penalty", "deadline": ""}, "deadline", "Vul dit veld in."),
    ],
)
def test_bad_input_in_the_sanction_form_is_shown_at_its_field_and_nothing_is_stored(
    site: TestClient, inspected: Inspected, changed: dict[str, str], field: str, message: str
) -> None:
    sign_in(site, "inspector")
    token, version = _sanction_form(site, inspected.with_notes)
    data = {
        "csrf_token": token,
        "version": version,
        "kind": "administrative_fine",
        "against": "employer",
        "employer_kvk_number": inspected.employer_kvk,
        "amount_eur": "100",
        "deadline": "",
        **changed,
    }

    page = site.post(f"/inspecties/{inspected.with_notes}/sanctie", data=data)

    assert page.status_code == 400, page.text
    assert field_error(page, field) == message
    caught_up(site)
    assert len(api_get(site, f"/inspections/{inspected.with_notes}")["sanctions"]) == 1


def test_a_sanction_after_a_compliant_inspection_is_refused_on_the_form(site: TestClient, inspected: Inspected) -> None:
    sign_in(site, "inspector")
    token, version = _sanction_form(site, inspected.compliant)

    page = site.post(
        f"/inspecties/{inspected.compliant}/sanctie",
        data={
            "csrf_token": token,
            "version": version,
            "kind": "warning",
            "against": "owner",
            "owner_kvk_number": "34781256",
        },
    )

    assert page.status_code == 409
    assert "Een sanctie kan alleen na een inspectie die overtredingen vond." in page.text
    caught_up(site)
    assert api_get(site, f"/inspections/{inspected.compliant}")["sanctions"] == []
