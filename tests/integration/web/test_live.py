"""The live blocks (issue 19): the overview's numbers, a location's counts and the inbox's counts by kind refresh
while the page is open (docs/web.md § Live figures).

Each block carries the read models' position it was rendered at and polls its fragment with it: 204 while the
views have not moved past it, the block again once they have. Travelling in time, a block does not poll. A
fragment names no one and writes no processing-log line, is refused to whom its page is refused, and does not
restart the session's idle clock (a timer is not a person at work). Waits are on the views' position, never a sleep.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from html.parser import HTMLParser
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient

from api.auth import Principal, Role
from tests.factories import a_bag_id, a_kvk_number, a_person, an_address, an_employment
from tests.integration.web.site import figures, sign_in
from tests.integration.web.test_overview import api_get, caught_up, hire, services_of
from web.session import SessionCodec, signed_in_session

HTMX = {"HX-Request": "true"}


class LiveBlocks(HTMLParser):
    """The live blocks of a page by id: their polling attributes (empty when they do not poll)."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "data-live-position" in attributes and attributes.get("id"):
            self.blocks[str(attributes["id"])] = attributes


def blocks(answer: httpx.Response) -> dict[str, dict[str, str | None]]:
    """The live blocks of a page or fragment, by id."""
    parser = LiveBlocks()
    parser.feed(answer.text)
    return parser.blocks


def block(answer: httpx.Response, block_id: str) -> dict[str, str | None]:
    """The live block `block_id` of a page or fragment (it must be there)."""
    found = blocks(answer)
    assert block_id in found, f"no live block {block_id}:\n{answer.text[:3000]}"
    return found[block_id]


def poll_url(answer: httpx.Response, block_id: str) -> str:
    """What the block polls: its `hx-get`, which must come with a trigger and an outerHTML swap."""
    found = block(answer, block_id)
    assert found.get("hx-trigger") == "every 10s", found
    assert found.get("hx-swap") == "outerHTML", found
    url = found.get("hx-get")
    assert url, found
    return url


def views_position(site: TestClient) -> int:
    return min(runner.position() for runner in services_of(site).runners)


@pytest.fixture
def place(site: TestClient) -> tuple[UUID, UUID]:
    """An employer and a location for one, with one worker living there (the location's alerts: none)."""
    ledger = services_of(site).ledger
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Dorpsstraat"), kind="dwelling", max_occupants=1
    )
    hire(ledger, employer.id, location.id, housed_from=date(2026, 3, 1))
    caught_up(site)
    return employer.id, location.id


def test_the_overview_numbers_answer_204_until_the_views_move_then_the_new_block(
    site: TestClient, place: tuple[UUID, UUID]
) -> None:
    sign_in(site, "registrar")
    page = site.get("/")
    url = poll_url(page, "overview-numbers")
    assert block(page, "overview-numbers")["data-live-position"] == str(views_position(site))
    before = figures(page)["locations"]

    assert site.get(url, headers=HTMX).status_code == 204

    receipt = services_of(site).ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Kerkstraat"), kind="other", max_occupants=4
    )
    services_of(site).wait_for(receipt.position)
    fresh = site.get(url, headers=HTMX)

    assert fresh.status_code == 200
    assert figures(fresh)["locations"] == before + 1
    assert int(block(fresh, "overview-numbers")["data-live-position"] or 0) >= receipt.position
    # The new block polls from its own position: nothing new since, so 204 again.
    assert site.get(poll_url(fresh, "overview-numbers"), headers=HTMX).status_code == 204
    assert "<html" not in fresh.text  # only the block


def test_a_locations_counts_refresh_and_name_no_one(site: TestClient, place: tuple[UUID, UUID]) -> None:
    employer_id, location_id = place
    sign_in(site, "inspector")
    page = site.get(f"/locaties/{location_id}")
    url = poll_url(page, "location-counts")
    shown = figures(page)
    assert (shown["headcount"], shown["free_places"]) == (1, 0)
    assert site.get(url, headers=HTMX).status_code == 204

    ledger = services_of(site).ledger
    receipt = ledger.register_worker(
        employer_id=employer_id,
        person=a_person(family_name="Wiśniewska"),
        employment=an_employment(start_date=date(2026, 5, 1)),
        housing_location_id=location_id,
        housing_valid_from=date(2026, 5, 1),
    )
    services_of(site).wait_for(receipt.position)
    fresh = site.get(url, headers=HTMX)

    assert fresh.status_code == 200
    counts = figures(fresh)
    assert counts["headcount"] == 2
    assert counts["free_places"] == 0
    # Over capacity now, among others: as many as the API's `GET /alerts?housingLocationId=` answers.
    assert counts["open_alerts"] > shown["open_alerts"]
    assert counts["open_alerts"] == len(api_get(site, "/alerts", housingLocationId=str(location_id))["items"])
    assert 'data-over-capacity="true"' in fresh.text
    assert "Wiśniewska" not in fresh.text and "Kowalska" not in fresh.text


def test_the_inbox_counts_by_kind_refresh(site: TestClient, place: tuple[UUID, UUID]) -> None:
    employer_id, location_id = place
    sign_in(site, "auditor")
    page = site.get("/signalen")
    url = poll_url(page, "alert-counts")
    before = figures(page)
    assert site.get(url, headers=HTMX).status_code == 204

    receipt = hire(services_of(site).ledger, employer_id, location_id, housed_from=date(2026, 5, 1))
    services_of(site).wait_for(receipt.position)
    fresh = site.get(url, headers=HTMX)

    assert fresh.status_code == 200
    counts = figures(fresh)
    assert counts.get("alerts_over_capacity", 0) == before.get("alerts_over_capacity", 0) + 1
    assert counts["alerts_total"] == sum(value for name, value in counts.items() if name != "alerts_total")


def test_the_inbox_counts_keep_the_location_and_employer_filters(site: TestClient, place: tuple[UUID, UUID]) -> None:
    employer_id, location_id = place
    sign_in(site, "registrar")
    page = site.get("/signalen", params={"housingLocationId": str(location_id), "employerId": str(employer_id)})

    url = poll_url(page, "alert-counts")

    assert f"housingLocationId={location_id}" in url and f"employerId={employer_id}" in url


def test_a_new_day_refreshes_the_block_though_no_event_came(site: TestClient, place: tuple[UUID, UUID]) -> None:
    sign_in(site, "registrar")
    url = poll_url(site.get("/"), "overview-numbers")
    assert "day=2026-06-15" in url  # the test clock's today

    yesterday = site.get(url.replace("day=2026-06-15", "day=2026-06-14"), headers=HTMX)

    assert yesterday.status_code == 200
    assert "day=2026-06-15" in poll_url(yesterday, "overview-numbers")


@pytest.mark.parametrize("path", ["/", "/signalen", "/locaties/{location}"], ids=["overview", "signals", "location"])
def test_travelling_in_time_a_block_does_not_poll(site: TestClient, place: tuple[UUID, UUID], path: str) -> None:
    sign_in(site, "admin")
    page_path = path.format(location=place[1])

    # A day after the place was registered, and an instant after it was recorded.
    for moment in ({"on": "2026-05-01"}, {"asKnownAt": datetime.now(UTC).isoformat()}):
        page = site.get(page_path, params=moment)
        assert page.status_code == 200, page.text
        assert blocks(page), page.text[:2000]
        for found in blocks(page).values():
            assert not {"hx-get", "hx-trigger", "hx-swap"} & found.keys(), (moment, found)


def _fragments(location_id: UUID) -> list[str]:
    return ["/overzicht/cijfers", f"/locaties/{location_id}/cijfers", "/signalen/cijfers"]


def test_a_fragment_is_refused_to_whom_its_page_is_refused(site: TestClient, place: tuple[UUID, UUID]) -> None:
    codec: SessionCodec = site.app.state.session_codec  # type: ignore[attr-defined]
    employer = Principal(sub="test-employer", roles=frozenset({Role.EMPLOYER}), employer_id=place[0])
    for path in _fragments(place[1]):
        assert site.get(path).status_code == 303, path  # no session: off to sign in, as the page
        site.cookies.set(codec.cookie_name, codec.encode(signed_in_session(employer, now=codec.now())))
        assert site.get(path, headers=HTMX).status_code == 403, path
        site.cookies.clear()


def test_a_poll_after_the_session_ended_stops_and_shows_no_figures(site: TestClient, place: tuple[UUID, UUID]) -> None:
    for path in _fragments(place[1]):
        answer = site.get(path, params={"position": "1", "day": "2026-06-15"}, headers=HTMX)

        assert answer.status_code == 200, path
        assert "hx-get" not in answer.text and "hx-trigger" not in answer.text
        assert figures(answer) == {}
        assert 'href="/aanmelden' in answer.text


def test_fragments_write_no_processing_log_line(site: TestClient, place: tuple[UUID, UUID]) -> None:
    sign_in(site, "registrar")
    log = services_of(site).processing_log
    before = len(log.lines())

    for path in _fragments(place[1]):
        assert site.get(path, headers=HTMX).status_code == 200, path

    assert len(log.lines()) == before


def test_a_poll_does_not_restart_the_sessions_idle_clock(site: TestClient, place: tuple[UUID, UUID]) -> None:
    codec: SessionCodec = site.app.state.session_codec  # type: ignore[attr-defined]
    principal = Principal(sub="test-registrar", roles=frozenset({Role.REGISTRAR}))
    # Last seen five minutes ago: a person's page view would write the session back with its clock restarted.
    session = signed_in_session(principal, now=codec.now() - 300)
    site.cookies.set(codec.cookie_name, codec.encode(session))

    for path in _fragments(place[1]):
        polled = site.get(path, headers=HTMX)
        assert polled.status_code == 200, path
        assert "set-cookie" not in polled.headers, path
    assert "set-cookie" in site.get("/").headers


@pytest.mark.parametrize("position", ["-1", "een", "99999999999999999999"])
def test_a_position_the_page_did_not_give_is_a_400(site: TestClient, place: tuple[UUID, UUID], position: str) -> None:
    sign_in(site, "registrar")

    assert site.get("/overzicht/cijfers", params={"position": position}, headers=HTMX).status_code == 400
