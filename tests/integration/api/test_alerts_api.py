"""`GET /alerts` read from the alerts view (issue 18): pages, `on` and `asKnownAt`, filters, scope, the log.

A page holds `limit` alerts in order of kind and subject; `nextCursor` is
opaque, as on `/workers`. `on` and `asKnownAt` mean what they mean for
occupancy: the alerts in force on that day, as the ledger knew them at that
instant. An employer sees only the alerts about its own workers; each alert
about a person returned writes one processing-log line.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from ledger.audit.processing_log import Activity
from tests.conftest import Api
from tests.factories import a_bag_id, a_kvk_number, an_address
from tests.integration.api.test_queries import Town, get, hire, invalid_names, ok, recorded_at, subjects_logged


@pytest.fixture
def town(api: Api) -> Town:
    """Two employers and two locations: a dwelling for two (80 m²), and a place for twenty."""
    ledger = api.services.ledger
    kvk = a_kvk_number()
    employer = ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.")
    other = ledger.register_employer(kvk_number=a_kvk_number(), name="Kas en Teelt B.V.")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(), kind="dwelling", max_occupants=2, floor_area_m2=80
    )
    other_location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Kerkstraat", postcode="1681 BC"), kind="other", max_occupants=20
    )
    return Town(kvk, employer.id, other.id, location.id, other_location.id)


def _pages(api: Api, limit: int, **params: Any) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        answer = ok(get(api, "/alerts", limit=limit, **params, **({"cursor": cursor} if cursor else {})))
        pages.append(answer["items"])
        cursor = answer["nextCursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50


def test_alerts_are_paged_in_kind_and_subject_order_with_an_opaque_cursor(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    workers = [str(hire(ledger, town.employer_id, town.location_id).id) for _ in range(4)]

    pages = _pages(api, 2)
    every = ok(get(api, "/alerts", limit=500))

    flat = [a for page in pages for a in page]
    assert [len(page) for page in pages[:-1]] == [2] * (len(pages) - 1)
    assert flat == every["items"] and every["nextCursor"] is None
    assert [(a["kind"], UUID(a["subjectId"]).hex) for a in flat] == sorted(
        (a["kind"], UUID(a["subjectId"]).hex) for a in flat
    )
    assert {a["subjectId"] for a in flat if a["kind"] == "no_brp_after_arrival"} == set(workers)
    cursor = ok(get(api, "/alerts", limit=1))["nextCursor"]
    assert cursor is not None and not any(w in cursor or UUID(w).hex in cursor for w in workers)  # opaque


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": "0"}, "limit"),
        ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
        ({"on": "2026-02-30"}, "on"),
        ({"asKnownAt": "2026-06-01"}, "asKnownAt"),
        ({"kind": "bad"}, "kind"),
    ],
)
def test_bad_alert_parameters_are_400_naming_them(api: Api, params: dict[str, str], name: str) -> None:
    assert invalid_names(get(api, "/alerts", **params)) == [name]


def test_a_cursor_of_another_list_is_400(api: Api, town: Town) -> None:
    for _ in range(2):
        hire(api.services.ledger, town.employer_id, town.location_id)
    workers_cursor = ok(get(api, "/workers", limit=1))["nextCursor"]

    assert invalid_names(get(api, "/alerts", cursor=workers_cursor)) == ["cursor"]


def test_alerts_are_read_on_a_day_as_known_at_an_instant(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    first = hire(ledger, town.employer_id, town.location_id)
    hire(ledger, town.employer_id, town.location_id)
    third = hire(ledger, town.employer_id, town.location_id, housed_from=date(2026, 5, 1))
    known = recorded_at(ledger, third)
    moved = ledger.change_housing(first.id, housing_location_id=town.other_location_id, valid_from=date(2026, 4, 1))

    def over(**params: Any) -> list[tuple[str, str]]:
        items = ok(get(api, "/alerts", kind="over_capacity", **params))["items"]
        return [(a["since"], a["detail"]) for a in items]

    assert over(on="2026-04-15", asKnownAt=known.isoformat()) == []
    assert over(on="2026-05-15", asKnownAt=known.isoformat()) == [("2026-05-01", "3 occupants, 2 permitted")]
    assert over(on="2026-05-15") == []  # as known now: the first worker lived elsewhere all along
    assert over(on="2026-05-15", asKnownAt=recorded_at(ledger, moved).isoformat()) == []
    # Four months after arrival, ahead of the ledger's today (15 June): no one recomputed anything since.
    later = ok(get(api, "/alerts", kind="no_brp_after_four_months", on="2026-08-01"))["items"]
    assert {a["since"] for a in later} == {"2026-08-01"}


def test_alerts_are_filtered_by_kind_location_and_employer(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    own = hire(ledger, town.employer_id, town.location_id).id
    theirs = hire(ledger, town.other_employer_id, town.other_location_id).id

    def subjects(**params: Any) -> set[str]:
        return {a["subjectId"] for a in ok(get(api, "/alerts", **params))["items"]}

    assert subjects(employerId=str(town.employer_id)) == {str(own)}
    assert subjects(housingLocationId=str(town.other_location_id)) == {str(theirs)}
    assert subjects(kind="no_brp_after_arrival", employerId=str(town.other_employer_id)) == {str(theirs)}
    assert subjects(kind="over_capacity") == set()


def test_an_employer_sees_only_the_alerts_about_its_own_workers(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    for _ in range(3):
        hire(ledger, town.other_employer_id, town.location_id)  # over-full: an alert about the location
    own = hire(ledger, town.employer_id, town.location_id).id
    as_employer = {"role": "employer", "kvk": town.kvk}

    pages = _pages(api, 1, **as_employer)

    assert {a["subjectId"] for page in pages for a in page} == {str(own)}
    assert get(api, "/alerts", employerId=str(town.other_employer_id), **as_employer).status_code == 404


def test_each_alert_about_a_person_returned_is_logged_and_those_about_places_are_not(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    workers = {hire(ledger, town.employer_id, town.location_id).id for _ in range(3)}

    first = ok(get(api, "/alerts", "inspector", limit=1, kind="over_capacity"))
    people = ok(get(api, "/alerts", "inspector", kind="no_brp_after_arrival"))

    assert [a["subjectId"] for a in first["items"]] == [str(town.location_id)]
    assert {UUID(a["subjectId"]) for a in people["items"]} == workers
    assert sorted(subjects_logged(api, Activity.HOUSING_SUPERVISION, "test-inspector"), key=str) == sorted(
        workers, key=str
    )


def test_min_position_waits_for_the_alerts_view(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    worker = hire(ledger, town.employer_id, town.location_id)

    answer = api.client.get(
        "/api/v1/alerts",
        params={"minPosition": worker.position, "kind": "no_brp_after_arrival"},
        headers=api.auth("registrar"),
    )

    assert {a["subjectId"] for a in ok(answer)["items"]} == {str(worker.id)}
    assert datetime.now(UTC) > recorded_at(ledger, worker)
