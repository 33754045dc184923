"""Werknemers (`/werknemers`): the search by name and birth date or by identity document, and a worker's page,
each showing what the API answers to the same question and writing the processing log as the API does
(docs/web.md). The search POSTs: nothing a person types reaches a URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from babel.dates import format_date
from fastapi.testclient import TestClient

from api.auth import DevelopmentTokens, Role
from ledger.audit.processing_log import Activity
from ledger.domain.erasure import ERASURE_REQUEST_POLICY
from tests.factories import (
    a_bag_id,
    a_kvk_number,
    a_person,
    an_address,
    an_employment,
    an_identity_document,
    workers_of_one_name,
)
from tests.integration.api.test_queries import recorded_at
from tests.integration.web.site import csrf_token, figures, sign_in
from tests.integration.web.test_overview import api_get, caught_up, services_of

V1 = "/api/v1"
READ_REGISTRATION = Activity.REGISTRATION.value


@dataclass(frozen=True)
class People:
    worker_id: UUID
    passport: str
    erased_id: UUID
    first_home: UUID
    second_home: UUID
    moved_at: Any


@pytest.fixture
def people(site: TestClient) -> People:
    ledger = services_of(site).ledger
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    homes = [
        ledger.register_housing_location(
            bag_id=a_bag_id(), address=an_address(street=street), kind="dwelling", max_occupants=4
        ).id
        for street in ("Dorpsstraat", "Kerkstraat")
    ]
    passport = an_identity_document()
    worker = ledger.register_worker(
        employer_id=employer.id,
        person=a_person(
            family_name="Wiśniewska", given_names="Zofia", birth_date=date(1990, 7, 2), id_document=passport
        ),
        employment=an_employment(start_date=date(2026, 1, 5)),
        housing_location_id=homes[0],
        housing_valid_from=date(2026, 1, 5),
    )
    ledger.record_population_registration(worker.id, register="RNI", registered_on=date(2026, 1, 20))
    ledger.place_legal_hold(worker.id, case_reference="HH-2026-017", reason="Onderzoek naar huisvesting")
    moved = ledger.change_housing(worker.id, housing_location_id=homes[1], valid_from=date(2026, 4, 1))
    erased = ledger.register_worker(
        employer_id=employer.id,
        person=a_person(family_name="Nowak"),
        employment=an_employment(start_date=date(2026, 2, 1)),
        housing_location_id=homes[0],
        housing_valid_from=date(2026, 2, 1),
    )
    ledger.shred_subject(erased.id, policy=ERASURE_REQUEST_POLICY)
    caught_up(site)
    return People(worker.id, passport.number, erased.id, homes[0], homes[1], recorded_at(ledger, moved))


def _token(site: TestClient, role: Role = Role.REGISTRAR) -> dict[str, str]:
    token = DevelopmentTokens(services_of(site).settings).issue(role=role, sub="test-api")
    return {"Authorization": f"Bearer {token}"}


def _search(site: TestClient, **fields: str) -> httpx.Response:
    form = site.get("/werknemers")
    return site.post("/werknemers", data={"csrf_token": csrf_token(form), **fields})


def _log(site: TestClient, actor: str) -> list[tuple[str, str, UUID]]:
    lines = services_of(site).processing_log.lines(actor=actor)
    return sorted((line.processing_activity, line.operation, line.subject_id) for line in lines)


def _found_ids(page: httpx.Response) -> list[str]:
    return re.findall(r'data-worker="([0-9a-f-]{36})"', page.text)


def test_the_search_form_posts_and_reads_nothing_until_asked(site: TestClient, people: People) -> None:
    sign_in(site, "registrar")
    page = site.get("/werknemers")

    assert page.status_code == 200
    assert re.search(r'<form method="post" action="/werknemers"[^>]*id="worker-search"', page.text)
    assert "Wiśniewska" not in page.text
    assert _log(site, "dev-registrar") == []


def test_a_search_by_name_and_birth_date_finds_what_the_api_finds_and_logs_as_it_does(
    site: TestClient, people: People
) -> None:
    sign_in(site, "registrar")

    page = _search(site, familyName="wisniewska", birthDate="1990-07-02")
    answer = site.post(
        f"{V1}/workers/_search", json={"familyName": "wisniewska", "birthDate": "1990-07-02"}, headers=_token(site)
    )

    assert page.status_code == 200
    assert _found_ids(page) == [item["id"] for item in answer.json()["items"]] == [str(people.worker_id)]
    assert "Wiśniewska, Zofia" in page.text
    assert "Flexwerk Westfriesland B.V." in page.text
    assert figures(page)["found"] == 1
    assert _log(site, "dev-registrar") == _log(site, "test-api") == [(READ_REGISTRATION, "read", people.worker_id)]


def test_a_search_of_a_common_name_shows_and_logs_the_page_the_api_answers(site: TestClient, people: People) -> None:
    ledger = services_of(site).ledger
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Uitzendbureau Noord B.V.")
    workers_of_one_name(ledger, employer.id, people.second_home, 103, "Nowak")  # and the erased Nowak
    caught_up(site)
    sign_in(site, "registrar")

    page = _search(site, familyName="Nowak")
    answer = site.post(f"{V1}/workers/_search", json={"familyName": "Nowak"}, headers=_token(site))

    found = [item["id"] for item in answer.json()["items"]]
    assert len(found) == 100
    assert str(people.erased_id) not in found
    assert _found_ids(page) == found == sorted(found, key=lambda worker: UUID(worker).hex)
    logged = sorted((READ_REGISTRATION, "read", UUID(worker)) for worker in found)
    assert _log(site, "dev-registrar") == _log(site, "test-api") == logged
    assert "Een zoekopdracht toont hooguit 100 werknemers" in page.text  # more may bear the name: said


def test_a_search_that_finds_fewer_than_it_may_show_says_nothing_of_more(site: TestClient, people: People) -> None:
    sign_in(site, "registrar")

    page = _search(site, familyName="Wiśniewska")

    assert figures(page)["found"] == 1
    assert 'id="maybe-more"' not in page.text


def test_a_search_by_identity_document(site: TestClient, people: People) -> None:
    sign_in(site, "inspector")

    page = _search(site, documentType="passport", documentNumber=people.passport.lower(), nationality="POL")

    assert _found_ids(page) == [str(people.worker_id)]


def test_a_search_that_finds_nobody_says_so(site: TestClient, people: People) -> None:
    sign_in(site, "auditor")

    page = _search(site, familyName="Kowalczyk")

    assert page.status_code == 200
    assert _found_ids(page) == []
    assert 'id="found"' in page.text
    assert figures(page)["found"] == 0


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "familyName", "Geef een achternaam, een identiteitsbewijs of allebei."),
        ({"familyName": "Nowak", "birthDate": "02-07-1990"}, "birthDate", "Schrijf de datum als JJJJ-MM-DD"),
        ({"documentType": "passport", "nationality": "POL"}, "documentNumber", "Vul dit veld in."),
        ({"documentType": "rijbewijs", "documentNumber": "X1", "nationality": "POL"}, "documentType", "Kies een"),
        ({"documentType": "passport", "documentNumber": "X1", "nationality": "POLEN"}, "nationality", "te lang"),
    ],
)
def test_bad_search_input_is_shown_at_its_field_in_dutch_and_reads_nothing(
    site: TestClient, people: People, fields: dict[str, str], field: str, message: str
) -> None:
    sign_in(site, "registrar")

    page = _search(site, **fields)

    assert page.status_code == 400
    error = re.search(rf'<p class="utrecht-form-field-error-message" id="{field}-error">([^<]*)</p>', page.text)
    assert error, page.text
    assert message in error.group(1)
    assert f'aria-describedby="{field}-error' in page.text
    assert 'aria-invalid="true"' in page.text
    assert _found_ids(page) == []
    assert _log(site, "dev-registrar") == []


def test_a_search_keeps_what_was_typed_only_in_the_page(site: TestClient, people: People) -> None:
    sign_in(site, "registrar")

    page = _search(site, familyName="Wiśniewska", birthDate="1990-13-40")

    assert 'value="Wiśniewska"' in page.text
    assert page.request.url.path == "/werknemers"
    assert page.request.url.query == b""


def test_a_search_without_its_csrf_token_is_refused(site: TestClient, people: People) -> None:
    sign_in(site, "registrar")

    answer = site.post("/werknemers", data={"familyName": "Wiśniewska"})

    assert answer.status_code == 403
    assert _log(site, "dev-registrar") == []


def test_a_worker_page_shows_what_the_api_answers_and_logs_as_it_does(site: TestClient, people: People) -> None:
    sign_in(site, "registrar")

    page = site.get(f"/werknemers/{people.worker_id}")
    worker = api_get(site, f"/workers/{people.worker_id}")
    history = api_get(site, f"/workers/{people.worker_id}/residence-history")

    assert page.status_code == 200
    text = _fields(page)
    assert text["familyName"] == worker["person"]["familyName"] == "Wiśniewska"
    assert text["givenNames"] == worker["person"]["givenNames"]
    assert text["birthDate"] == "2 juli 1990"
    assert worker["person"]["idDocument"]["number"] in text["idDocument"]
    assert text["employer"] == worker["employerName"]
    assert worker["workAddress"]["street"] in text["workAddress"]
    assert text["housing"] == worker["housingLocationLabel"]
    assert text["populationStatus"] == "Ingeschreven (RNI)"
    assert text["retentionDueOn"] == format_date(date.fromisoformat(worker["retentionDueOn"]), "long", locale="nl")
    shown_history = re.findall(r'data-location="([0-9a-f-]{36})" data-from="([0-9-]{10})"', page.text)
    assert shown_history == [(i["housingLocationId"], i["validFrom"]) for i in history["intervals"]]
    assert "HH-2026-017" in page.text
    assert "Onderzoek naar huisvesting" not in page.text  # a hold's reason: inspectors and admins only, as the API
    assert "reason" not in worker["legalHolds"][0]
    assert _log(site, "dev-registrar") == _log(site, "test-api")
    assert sorted(_log(site, "dev-registrar")) == sorted(
        [(Activity.HOUSING_SUPERVISION.value, "read", people.worker_id), (READ_REGISTRATION, "read", people.worker_id)]
    )


def test_an_inspector_reads_a_holds_reason(site: TestClient, people: People) -> None:
    sign_in(site, "inspector")

    page = site.get(f"/werknemers/{people.worker_id}")

    assert _fields(page)["holdReason"] == "Onderzoek naar huisvesting"


def test_an_erased_worker_reads_gewist(site: TestClient, people: People) -> None:
    sign_in(site, "admin")

    page = site.get(f"/werknemers/{people.erased_id}")

    assert page.status_code == 200
    text = _fields(page)
    assert {text[name] for name in ("familyName", "givenNames", "birthDate", "idDocument", "bsn")} == {"gewist"}
    assert "Nowak" not in page.text
    assert 'id="erased"' in page.text


def test_the_residence_history_as_known_at_an_instant(site: TestClient, people: People) -> None:
    sign_in(site, "auditor")
    before_the_move = (people.moved_at - timedelta(microseconds=1)).isoformat()

    page = site.get(f"/werknemers/{people.worker_id}", params={"on": "2026-05-01", "asKnownAt": before_the_move})
    history = api_get(site, f"/workers/{people.worker_id}/residence-history", asKnownAt=before_the_move)

    shown = re.findall(r'data-location="([0-9a-f-]{36})" data-from="([0-9-]{10})"', page.text)
    assert shown == [(i["housingLocationId"], i["validFrom"]) for i in history["intervals"]]
    assert shown == [(str(people.first_home), "2026-01-05")]
    assert "Dorpsstraat" in _fields(page)["livedOn"]  # on 1 May, as known before the move was recorded
    assert "data-time-travel" in page.text
    now = site.get(f"/werknemers/{people.worker_id}", params={"on": "2026-05-01"})
    assert "Kerkstraat" in _fields(now)["livedOn"]


def test_an_unknown_worker_is_an_html_404(site: TestClient, people: People) -> None:
    sign_in(site, "registrar")

    answer = site.get("/werknemers/00000000-0000-4000-8000-000000000000")

    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert _log(site, "dev-registrar") == []


def test_bad_time_travel_input_on_a_worker_page_reads_nothing(site: TestClient, people: People) -> None:
    sign_in(site, "registrar")

    page = site.get(f"/werknemers/{people.worker_id}", params={"on": "gisteren"})

    assert page.status_code == 400
    assert 'id="on-error"' in page.text
    assert "Wiśniewska" not in page.text
    assert _log(site, "dev-registrar") == []


def test_the_worker_pages_need_a_session(site: TestClient, people: People) -> None:
    assert site.get("/werknemers").status_code == 303
    assert site.get(f"/werknemers/{people.worker_id}").status_code == 303


def _fields(page: httpx.Response) -> dict[str, str]:
    """The facts a worker page shows, by `data-field`, as text."""
    found = re.findall(r'data-field="([A-Za-z]+)">(.*?)</(?:dd|td)>', page.text, flags=re.DOTALL)
    return {name: " ".join(re.sub(r"<[^>]+>", "", value).split()) for name, value in found}
