"""Signalen (`/signalen`): the alerts inbox shows what `GET /alerts` answers for the same filters and the same moment
(`on`, `asKnownAt`), labelled, a page at a time forwards and back, read-only, and writes the processing log as the API
does (docs/web.md)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient

from ledger.audit.processing_log import Activity
from tests.factories import a_bag_id, a_kvk_number, an_address
from tests.integration.api.test_queries import recorded_at
from tests.integration.web.site import figures, sign_in
from tests.integration.web.test_overview import api_all, api_get, caught_up, hire, services_of
from web import signals


@dataclass(frozen=True)
class Inbox:
    crowded_id: UUID
    employer_id: UUID
    other_employer_id: UUID
    unhoused_id: UUID
    crowded_at: datetime  # when the second occupant (the one too many) was recorded
    crowded_house_number: int  # its postcode is the factory's, 1671 AB


@pytest.fixture
def inbox(site: TestClient) -> Inbox:
    ledger = services_of(site).ledger
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    other = ledger.register_employer(kvk_number=a_kvk_number(), name="Zaadteelt Andijk B.V.")
    address = an_address(street="Dorpsstraat")
    crowded = ledger.register_housing_location(bag_id=a_bag_id(), address=address, kind="dwelling", max_occupants=1)
    hire(ledger, employer.id, crowded.id, housed_from=date(2025, 9, 1))
    second = hire(ledger, other.id, crowded.id, housed_from=date(2025, 10, 1))
    unhoused = hire(ledger, employer.id, None)
    hire(ledger, other.id, None)
    caught_up(site)
    return Inbox(crowded.id, employer.id, other.id, unhoused.id, recorded_at(ledger, second), address.house_number)


def _shown(page: httpx.Response) -> list[str]:
    return re.findall(r'data-alert="([a-z_]+\.[0-9a-f-]{36})"', page.text)


def _api_alerts(site: TestClient, **params: str) -> list[str]:
    """Every alert `GET /alerts` answers for these parameters, in its order (all its pages)."""
    return [f"{item['kind']}.{item['subjectId']}" for item in api_all(site, "/alerts", **params)]


def _link(page: httpx.Response, rel: str) -> str | None:
    found = re.search(rf'href="(/signalen\?[^"]*)" rel="{rel}"', page.text)
    return found.group(1).replace("&amp;", "&") if found else None


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
    if by == "housingLocationId":  # named by its id (a link), its fields show its address
        assert _field(page, "postcode") == "1671 AB"
        assert _field(page, "huisnummer") == str(inbox.crowded_house_number)
        assert f"Locatie: Dorpsstraat {inbox.crowded_house_number}, 1671 AB Medemblik" in page.text
    else:
        assert re.search(rf'<option value="{value}" selected>', page.text)


def _field(page: httpx.Response, name: str) -> str:
    found = re.search(rf'<input [^>]*name="{name}" value="([^"]*)"', page.text)
    assert found is not None, name
    return found.group(1)


@pytest.mark.parametrize("postcode", ["1671 AB", "1671ab"])
def test_a_location_is_chosen_by_postcode_and_house_number(site: TestClient, inbox: Inbox, postcode: str) -> None:
    sign_in(site, "inspector")

    page = site.get("/signalen", params={"postcode": postcode, "huisnummer": str(inbox.crowded_house_number)})

    assert page.status_code == 200
    assert _shown(page) == _api_alerts(site, housingLocationId=str(inbox.crowded_id))
    assert f"over_capacity.{inbox.crowded_id}" in _shown(page)
    assert f'name="housingLocationId" value="{inbox.crowded_id}"' in page.text  # the form sent again keeps it
    assert figures(page)["alerts_over_capacity"] == 1


def test_the_location_named_by_its_id_gives_way_to_an_address_typed_or_emptied(site: TestClient, inbox: Inbox) -> None:
    sign_in(site, "inspector")
    chosen = {"housingLocationId": str(inbox.crowded_id)}
    own = {"postcode": "1671AB", "huisnummer": str(inbox.crowded_house_number)}

    sent_again = site.get("/signalen", params=chosen | own)
    emptied = site.get("/signalen", params=chosen | {"postcode": "", "huisnummer": ""})
    elsewhere = site.get("/signalen", params=chosen | {"postcode": "9999 ZZ", "huisnummer": "1"})

    assert _shown(sent_again) == _api_alerts(site, **chosen)
    assert sorted(_shown(emptied)) == sorted(_api_alerts(site))
    assert elsewhere.status_code == 400
    assert 'id="postcode-error"' in elsewhere.text
    assert "Op dit adres is geen huisvestingslocatie geregistreerd" in elsewhere.text


def test_the_filters_offer_the_employers_with_alerts_by_name_and_no_list_of_locations(
    site: TestClient, inbox: Inbox
) -> None:
    sign_in(site, "auditor")

    page = site.get("/signalen").text

    assert f'<option value="{inbox.other_employer_id}">Zaadteelt Andijk B.V.</option>' in page
    assert 'name="housingLocationId"' not in page  # the location is typed: no option per location
    assert 'name="postcode"' in page and 'name="huisnummer"' in page


def test_the_inbox_is_read_only(site: TestClient, inbox: Inbox) -> None:
    sign_in(site, "registrar")

    page = site.get("/signalen").text

    forms = re.findall(r'<form method="([a-z]+)" action="([^"]+)"', page)
    assert {action for method, action in forms if method == "post"} == {"/afmelden", "/taal"}
    assert site.post("/signalen").status_code == 405


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "brand"}, "kind"),
        ({"housingLocationId": "Dorpsstraat 1"}, "postcode"),
        ({"housingLocationId": "0" * 32}, "postcode"),  # no location has this id
        ({"postcode": "9999 ZZ", "huisnummer": "1"}, "postcode"),
        ({"postcode": "1671 AB", "huisnummer": "twaalf"}, "postcode"),
        ({"employerId": "Flexwerk"}, "employerId"),
    ],
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

    for name in ("cursor", "before"):
        answer = site.get("/signalen", params={name: "no_housing.nonsense"})

        assert answer.status_code == 400, name
        assert answer.headers["content-type"].startswith("text/html")


def _moments(inbox: Inbox) -> list[dict[str, str]]:
    """Moments whose alerts differ from today's as known now, with and without filters."""
    before_the_second = (inbox.crowded_at - timedelta(microseconds=1)).isoformat()
    return [
        {"on": "2025-09-15"},  # one occupant then: not over capacity
        {"asKnownAt": before_the_second},  # the second occupant not yet recorded
        {"on": "2025-11-01", "kind": "over_capacity"},
        {"on": "2025-11-01", "asKnownAt": before_the_second, "housingLocationId": str(inbox.crowded_id)},
        {"on": "2025-11-01", "employerId": str(inbox.other_employer_id)},
    ]


def test_the_inbox_answers_on_a_day_as_known_at_an_instant_as_the_api_does(site: TestClient, inbox: Inbox) -> None:
    sign_in(site, "inspector")
    today = _api_alerts(site)

    for asked in _moments(inbox):
        page = site.get("/signalen", params=asked)

        assert page.status_code == 200, asked
        assert _shown(page) == _api_alerts(site, **asked), asked
        assert "data-alerts-today" not in page.text  # the inbox no longer says its alerts are today's
        assert 'name="on" value="' + asked.get("on", "") in page.text or "on" not in asked
    before = site.get("/signalen", params={"asKnownAt": _moments(inbox)[1]["asKnownAt"]})
    assert f"over_capacity.{inbox.crowded_id}" in today
    assert f"over_capacity.{inbox.crowded_id}" not in _shown(before)
    assert 'name="asKnownAt" value="' in before.text.split('id="alert-filters"', 1)[1]  # the filters keep the moment


def _offered(page: httpx.Response, name: str) -> set[str]:
    select = page.text.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return set(re.findall(r'<option value="([0-9a-f-]{36})"', select))


def _api_ids(site: TestClient, field: str, **params: str) -> set[str]:
    return {item[field] for item in api_all(site, "/alerts", **params) if item[field] is not None}


def test_the_filters_offer_the_employers_with_alerts_on_that_moment(site: TestClient, inbox: Inbox) -> None:
    sign_in(site, "registrar")

    for asked in [{}, {"on": "2025-09-15"}, {"on": "2025-11-01", "asKnownAt": _moments(inbox)[1]["asKnownAt"]}]:
        page = site.get("/signalen", params=asked)

        assert _offered(page, "employerId") == _api_ids(site, "employerId", **asked), asked
    before_the_other_came = site.get("/signalen", params={"on": "2025-09-15"})
    assert str(inbox.other_employer_id) not in _offered(before_the_other_came, "employerId")
    assert str(inbox.other_employer_id) in _offered(site.get("/signalen"), "employerId")


@pytest.mark.parametrize("which", ["today", "a day", "a kind as known at an instant"])
def test_paging_walks_every_alert_once_forwards_and_back_keeping_filters_and_moment(
    site: TestClient, inbox: Inbox, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    monkeypatch.setattr(signals, "PAGE_SIZE", 2)
    hire(services_of(site).ledger, inbox.employer_id, None)  # one more: three of a kind, and more than two pages
    caught_up(site)
    asked = {
        "today": {},
        "a day": {"on": "2025-11-01"},
        "a kind as known at an instant": {"kind": "no_housing", "asKnownAt": datetime.now(UTC).isoformat()},
    }[which]
    sign_in(site, "admin")
    expected = _api_alerts(site, **asked)
    assert len(expected) > 2

    forwards: list[list[str]] = []
    path: str | None = "/signalen"
    params: dict[str, Any] | None = asked
    while path is not None:
        page = site.get(path, params=params)
        assert page.status_code == 200, path
        forwards.append(_shown(page))
        assert 0 < len(forwards[-1]) <= 2
        for rel in ("next", "prev"):
            link = _link(page, rel)
            kept = {} if link is None else {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
            assert link is None or asked.items() <= kept.items(), link
        path, params = _link(page, "next"), None
    assert [key for shown in forwards for key in shown] == expected

    backwards: list[list[str]] = [forwards[-1]]
    path = _link(page, "prev")
    while path is not None:
        page = site.get(path)
        assert page.status_code == 200, path
        backwards.insert(0, _shown(page))
        path = _link(page, "prev")
    assert [key for shown in backwards for key in shown] == expected


def test_the_next_page_is_the_apis_next_page(site: TestClient, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signals, "PAGE_SIZE", 2)
    sign_in(site, "registrar")

    page = site.get("/signalen", params={"on": "2025-11-01"})
    answer = api_get(site, "/alerts", on="2025-11-01", limit=2)

    assert _shown(page) == [f"{item['kind']}.{item['subjectId']}" for item in answer["items"]]
    assert f"cursor={answer['nextCursor']}" in (_link(page, "next") or "")


def test_the_inbox_needs_a_session(site: TestClient, inbox: Inbox) -> None:
    assert site.get("/signalen").status_code == 303


@pytest.mark.parametrize("by", ["nothing", "employer", "location", "location and employer"])
def test_the_counts_by_kind_are_the_apis_alerts_counted(site: TestClient, inbox: Inbox, by: str) -> None:
    sign_in(site, "registrar")
    asked = {
        "nothing": {},
        "employer": {"employerId": str(inbox.other_employer_id)},
        "location": {"housingLocationId": str(inbox.crowded_id)},
        "location and employer": {"housingLocationId": str(inbox.crowded_id), "employerId": str(inbox.employer_id)},
    }[by]

    counts = {k: v for k, v in figures(site.get("/signalen", params=asked)).items() if k.startswith("alerts_")}

    expected = Counter(item["kind"] for item in api_all(site, "/alerts", **asked))
    assert counts == {"alerts_total": sum(expected.values())} | {f"alerts_{k}": n for k, n in expected.items()}
    assert counts["alerts_total"] > 0


def test_after_an_event_the_counts_are_those_last_counted_and_say_when_while_the_list_is_read_as_it_is(
    site: TestClient, inbox: Inbox
) -> None:
    sign_in(site, "registrar")
    first_page = site.get("/signalen")
    first = _counts(first_page)
    assert 'id="counted-at"' not in first_page.text
    hire(services_of(site).ledger, inbox.employer_id, None)  # one more without housing: an alert more
    caught_up(site)

    page = site.get("/signalen")

    assert _counts(page) == first  # the counts of the tally last counted
    note = re.search(r'<p[^>]*id="counted-at"[^>]*>(.*?)</p>', page.text, re.S)
    assert note and re.search(r"Deze aantallen zijn geteld om \d{2}:\d{2}:\d{2}\.", note.group(1)), page.text[:3000]
    assert sorted(_shown(page)) == sorted(_api_alerts(site))  # the list is read as it is: one more than counted
    position = re.search(r'id="alert-counts"[^>]*data-live-position="(\d+)"', page.text)
    first_position = re.search(r'id="alert-counts"[^>]*data-live-position="(\d+)"', first_page.text)
    assert position and first_position and position.group(1) == first_position.group(1)
    poll = re.search(r'id="alert-counts"[^>]*hx-get="([^"]+)"', page.text)
    assert poll
    fresh = site.get(poll.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert fresh.status_code == 200
    assert figures(fresh)["alerts_total"] == first["alerts_total"] + 1
    assert 'id="counted-at"' not in fresh.text

    site.app.state.figure_memo.settle(30)  # type: ignore[attr-defined]
    after = site.get("/signalen")
    assert 'id="counted-at"' not in after.text
    assert figures(after)["alerts_total"] == len(_api_alerts(site)) == first["alerts_total"] + 1


def test_a_locations_counts_are_read_as_they_are_with_no_note_though_the_tally_is_behind(
    site: TestClient, inbox: Inbox
) -> None:
    sign_in(site, "registrar")
    asked = {"housingLocationId": str(inbox.crowded_id)}
    site.get("/signalen")
    hire(services_of(site).ledger, inbox.other_employer_id, inbox.crowded_id)  # a third occupant: no new alert kind
    hire(services_of(site).ledger, inbox.employer_id, None)
    caught_up(site)

    page = site.get("/signalen", params=asked)

    assert 'id="counted-at"' not in page.text
    expected = Counter(item["kind"] for item in api_all(site, "/alerts", **asked))
    assert figures(page)["alerts_total"] == sum(expected.values())


def _counts(page: httpx.Response) -> dict[str, int]:
    return {name: value for name, value in figures(page).items() if name.startswith("alerts_")}
