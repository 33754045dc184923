"""Locaties (`/locaties`, `/locaties/{id}`): search, over-capacity filter and paging as `GET /housing-locations`;
a location's address, limits, occupants on the day, residents over a period, inspections and sanctions, alerts,
each as the API answers the same question and logged as the API logs it; the registrar's occupancy-limit form
(docs/web.md § Locaties).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from ledger.application.service import Ledger
from ledger.audit.processing_log import Activity, Operation
from tests.factories import a_bag_id, a_kvk_number, a_person, an_address, an_employment
from tests.integration.api.test_queries import recorded_at
from tests.integration.web.site import csrf_token, sign_in
from tests.integration.web.test_overview import api_get, caught_up, services_of

_ROW_ID = re.compile(r'data-location-id="([0-9a-f-]{36})"')
_OCCUPANT = re.compile(r'data-occupant-id="([0-9a-f-]{36})"')
_RESIDENT = re.compile(r'data-resident-id="([0-9a-f-]{36})"')


@dataclass(frozen=True)
class Street:
    employer_id: UUID
    crowded_id: UUID
    roomy_id: UUID
    elsewhere_id: UUID
    workers: list[UUID]
    first_write_at: datetime
    inspection_id: UUID


def _worker(ledger: Ledger, employer_id: UUID, location_id: UUID, family_name: str, housed_from: date) -> Any:
    return ledger.register_worker(
        employer_id=employer_id,
        person=a_person(family_name=family_name),
        employment=an_employment(start_date=housed_from),
        housing_location_id=location_id,
        housing_valid_from=housed_from,
    )


@pytest.fixture
def street(site: TestClient) -> Street:
    ledger = services_of(site).ledger
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    crowded = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(street="Dorpsstraat", house_number=12, postcode="1671 AB", city="Medemblik"),
        kind="dwelling",
        max_occupants=1,
    )
    roomy = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(street="Kerkstraat", house_number=3, postcode="1671 AC", city="Medemblik"),
        kind="other",
        max_occupants=10,
    )
    elsewhere = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(street="Handelsweg", house_number=7, postcode="1687 AA", city="Wognum"),
        kind="other",
        max_occupants=4,
    )
    first = _worker(ledger, employer.id, crowded.id, "Kowalska", date(2026, 3, 1))
    second = _worker(ledger, employer.id, crowded.id, "Nowak", date(2026, 5, 1))
    third = _worker(ledger, employer.id, roomy.id, "Wiśniewski", date(2026, 4, 1))
    inspection = ledger.record_inspection(
        housing_location_id=crowded.id,
        inspected_on=date(2026, 5, 20),
        occupants_found=3,
        findings=["overcrowding"],
        outcome="violations",
    )
    ledger.impose_sanction(
        inspection.id, kind="warning", against="employer", employer_id=employer.id, amount_eur=None, deadline=None
    )
    caught_up(site)
    return Street(
        employer.id,
        crowded.id,
        roomy.id,
        elsewhere.id,
        [first.id, second.id, third.id],
        recorded_at(ledger, first),
        inspection.id,
    )


def _ids(page: Any, pattern: re.Pattern[str] = _ROW_ID) -> list[str]:
    return pattern.findall(page.text)


def _api_ids(site: TestClient, path: str, **params: Any) -> list[str]:
    return [item["id"] for item in api_get(site, path, **params)["items"]]


# -- the list ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "asked",
    [
        {"postcode": "1671ab", "houseNumber": "12"},
        {"street": "kerk"},
        {"city": "WOGNUM"},
        {"overCapacity": "true"},
        {},
    ],
)
def test_the_list_finds_what_the_api_finds(site: TestClient, street: Street, asked: dict[str, str]) -> None:
    sign_in(site, "inspector")

    page = site.get("/locaties", params=asked)

    assert page.status_code == 200, page.text
    assert _ids(page) == _api_ids(site, "/housing-locations", **asked)
    assert _ids(page)


def test_the_list_pages_with_the_apis_cursor(site: TestClient, street: Street, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("web.locations.PAGE_SIZE", 2)
    sign_in(site, "auditor")
    api_first = api_get(site, "/housing-locations", limit=2)

    first = site.get("/locaties")
    cursor = re.search(r'href="/locaties\?[^"]*cursor=([A-Za-z0-9_-]+)', first.text)

    assert cursor and cursor.group(1) == api_first["nextCursor"]
    second = site.get("/locaties", params={"cursor": cursor.group(1)})
    assert _ids(second) == _api_ids(site, "/housing-locations", limit=2, cursor=cursor.group(1))


def test_the_list_answers_on_a_day_as_known_at_an_instant(site: TestClient, street: Street) -> None:
    sign_in(site, "registrar")
    moment = {"on": "2026-05-15", "asKnownAt": street.first_write_at.isoformat()}

    page = site.get("/locaties", params={"overCapacity": "true", **moment})

    assert _ids(page) == _api_ids(site, "/housing-locations", overCapacity="true", **moment) == []
    assert 'name="on" value="2026-05-15"' in page.text


@pytest.mark.parametrize(
    ("asked", "field", "dutch"),
    [
        ({"postcode": "12"}, "postcode", "postcode"),
        ({"houseNumber": "twaalf"}, "houseNumber", "getal"),
        ({"houseNumber": "0"}, "houseNumber", "1"),
        ({"street": "x" * 201}, "street", "lang"),
    ],
)
def test_bad_search_input_is_shown_at_its_field_in_dutch(
    site: TestClient, street: Street, asked: dict[str, str], field: str, dutch: str
) -> None:
    sign_in(site, "registrar")

    page = site.get("/locaties", params=asked)

    assert page.status_code == 400
    assert f'id="{field}-error"' in page.text
    assert f'aria-describedby="{field}-error"' in page.text
    error = page.text.split(f'id="{field}-error">', 1)[1].split("<", 1)[0]
    assert dutch in error.lower()
    assert "expected" not in error  # never the API's English reason
    assert _ids(page) == []


def test_a_cursor_the_pages_did_not_give_is_a_bad_request_page(site: TestClient, street: Street) -> None:
    sign_in(site, "registrar")

    page = site.get("/locaties", params={"cursor": "rommel"})

    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")


# -- one location ------------------------------------------------------------------------------------------


def test_the_location_page_shows_what_the_api_answers(site: TestClient, street: Street) -> None:
    sign_in(site, "registrar")
    moment = {"on": "2026-06-01"}
    period = {"from": "2026-03-01", "to": "2026-06-01"}

    page = site.get(f"/locaties/{street.crowded_id}", params={**moment, **period})

    assert page.status_code == 200, page.text
    shown = api_get(site, f"/housing-locations/{street.crowded_id}", **moment)
    occupancy = api_get(site, f"/housing-locations/{street.crowded_id}/occupancy", **moment)
    residents = api_get(site, f"/housing-locations/{street.crowded_id}/residents", **period)
    assert shown["label"] in page.text
    assert _ids(page, _OCCUPANT) == [o["workerId"] for o in occupancy["occupants"]]
    assert sorted(_ids(page, _RESIDENT)) == sorted(r["workerId"] for r in residents["residents"])
    assert "Kowalska" in page.text and "Nowak" in page.text
    assert f'data-figure="headcount" value="{occupancy["headcount"]}"' in page.text
    assert f'data-figure="max_occupants" value="{occupancy["maxOccupants"]}"' in page.text
    assert 'data-over-capacity="true"' in page.text
    assert 'id="limits"' in page.text and "data-limit-valid-from" in page.text
    assert f'data-inspection-id="{street.inspection_id}"' in page.text
    assert "Waarschuwing" in page.text  # the sanction, in Dutch
    alerts = api_get(site, "/alerts", housingLocationId=str(street.crowded_id))["items"]
    assert page.text.count("data-alert-kind=") == len(alerts) > 0


def test_the_location_pages_alerts_are_the_apis_on_the_day_as_known_at_the_instant(
    site: TestClient, street: Street
) -> None:
    sign_in(site, "inspector")

    for on in ("2025-01-01", "2026-05-15"):
        page = site.get(f"/locaties/{street.crowded_id}", params={"on": on})
        alerts = api_get(site, "/alerts", housingLocationId=str(street.crowded_id), on=on)["items"]
        assert sorted(re.findall(r'data-alert-kind="([a-z_]+)"', page.text)) == sorted(a["kind"] for a in alerts), on
    assert "data-alert-kind" not in site.get(f"/locaties/{street.crowded_id}", params={"on": "2025-01-01"}).text


def test_the_timeline_shows_each_resident_over_the_period_without_script(site: TestClient, street: Street) -> None:
    sign_in(site, "inspector")

    page = site.get(f"/locaties/{street.crowded_id}", params={"from": "2026-04-01", "to": "2026-05-31"})

    timeline = page.text[page.text.index('id="timeline"') :].split("</table>", 1)[0]
    assert "<script" not in page.text.split("</head>", 1)[1]
    assert timeline.count("data-resident-id=") == 2
    # Nowak moved in on 1 May: present in May, not in April.
    nowak = timeline[timeline.index("Nowak") :].split("</tr>", 1)[0]
    assert 'data-month="2026-04" data-present="false"' in nowak
    assert 'data-month="2026-05" data-present="true"' in nowak


def test_the_location_page_logs_the_names_it_shows_as_the_api_does(site: TestClient, street: Street) -> None:
    sign_in(site, "inspector")
    log = services_of(site).processing_log
    before = len(log.lines())

    site.get(f"/locaties/{street.crowded_id}", params={"from": "2026-05-01", "to": "2026-05-31"})

    lines = log.lines()[before:]
    assert {(line.processing_activity, line.operation) for line in lines} == {
        (Activity.HOUSING_SUPERVISION.value, Operation.READ.value)
    }
    assert {line.actor for line in lines} == {"dev-inspector"}
    assert {line.subject_id for line in lines} == set(street.workers[:2])


def test_the_list_names_no_one_and_writes_no_log(site: TestClient, street: Street) -> None:
    sign_in(site, "registrar")
    log = services_of(site).processing_log
    before = len(log.lines())

    site.get("/locaties")

    assert len(log.lines()) == before


def test_the_location_page_travels_in_time(site: TestClient, street: Street) -> None:
    sign_in(site, "auditor")
    moment = {"on": "2026-06-01", "asKnownAt": street.first_write_at.isoformat()}

    page = site.get(f"/locaties/{street.crowded_id}", params=moment)

    occupancy = api_get(site, f"/housing-locations/{street.crowded_id}/occupancy", **moment)
    assert _ids(page, _OCCUPANT) == [o["workerId"] for o in occupancy["occupants"]] == [str(street.workers[0])]
    assert "data-time-travel" in page.text


def test_a_bad_period_is_shown_at_its_field(site: TestClient, street: Street) -> None:
    sign_in(site, "registrar")

    page = site.get(f"/locaties/{street.crowded_id}", params={"from": "2026-05-01", "to": "2026-04-01"})

    assert page.status_code == 400
    assert 'id="to-error"' in page.text and 'aria-describedby="to-error"' in page.text


def test_an_unknown_location_is_a_page_not_found(site: TestClient, street: Street) -> None:
    sign_in(site, "registrar")

    assert site.get("/locaties/00000000-0000-4000-8000-000000000000").status_code == 404
    assert site.get("/locaties/geen-id").status_code in (400, 404)


# -- the occupancy-limit form -------------------------------------------------------------------------------


def _limits(site: TestClient, location_id: UUID) -> list[dict[str, Any]]:
    limits: list[dict[str, Any]] = api_get(site, f"/housing-locations/{location_id}")["limits"]
    return limits


def test_the_registrar_changes_the_limit(site: TestClient, street: Street) -> None:
    sign_in(site, "registrar")
    page = site.get(f"/locaties/{street.crowded_id}")
    assert 'id="limit-form"' in page.text

    answer = site.post(
        f"/locaties/{street.crowded_id}/maximum",
        data={
            "csrf_token": csrf_token(page),
            "maxOccupants": "3",
            "validFrom": "2026-06-01",
            "reason": "Omgevingsvergunning 2026-114",
        },
    )

    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"/locaties/{street.crowded_id}")
    after = site.get(answer.headers["location"])
    assert after.status_code == 200
    assert "Omgevingsvergunning 2026-114" in after.text
    assert [limit["maxOccupants"] for limit in _limits(site, street.crowded_id)][-1] == 3


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"maxOccupants": "0", "validFrom": "2026-06-01"}, "maxOccupants"),
        ({"maxOccupants": "drie", "validFrom": "2026-06-01"}, "maxOccupants"),
        ({"maxOccupants": "", "validFrom": "2026-06-01"}, "maxOccupants"),
        ({"maxOccupants": "3", "validFrom": "2030-01-01"}, "validFrom"),
        ({"maxOccupants": "3", "validFrom": "1-6-2026"}, "validFrom"),
        ({"maxOccupants": "3", "validFrom": "2026-06-01", "reason": "x" * 2001}, "reason"),
    ],
)
def test_a_bad_limit_is_shown_at_its_field_and_nothing_is_stored(
    site: TestClient, street: Street, form: dict[str, str], field: str
) -> None:
    sign_in(site, "admin")
    page = site.get(f"/locaties/{street.crowded_id}")
    before = _limits(site, street.crowded_id)
    head = services_of(site).ledger.recorder.max_notification_id()

    answer = site.post(f"/locaties/{street.crowded_id}/maximum", data={"csrf_token": csrf_token(page), **form})

    assert answer.status_code == 400
    assert '<html lang="nl"' in answer.text
    assert f'id="{field}-error"' in answer.text
    assert f'aria-describedby="{field}-error' in answer.text  # the error first, then any hint
    error = answer.text.split(f'id="{field}-error">', 1)[1].split("<", 1)[0].strip()
    assert error and not error.startswith(("must", "between", "expected"))  # translated, not the API's reason
    assert services_of(site).ledger.recorder.max_notification_id() == head
    assert _limits(site, street.crowded_id) == before


def test_only_registrars_and_admins_get_the_limit_form(site: TestClient, street: Street) -> None:
    sign_in(site, "inspector")
    page = site.get(f"/locaties/{street.crowded_id}")

    assert 'id="limit-form"' not in page.text
    answer = site.post(
        f"/locaties/{street.crowded_id}/maximum",
        data={"csrf_token": csrf_token(page), "maxOccupants": "3", "validFrom": "2026-06-01"},
    )
    assert answer.status_code == 403


def test_the_limit_form_needs_its_csrf_token(site: TestClient, street: Street) -> None:
    sign_in(site, "registrar")
    before = _limits(site, street.crowded_id)

    answer = site.post(f"/locaties/{street.crowded_id}/maximum", data={"maxOccupants": "3", "validFrom": "2026-06-01"})

    assert answer.status_code == 403
    assert _limits(site, street.crowded_id) == before
