"""Issue 18: wherever an answer carries an employer's or a location's id, it carries its label too.

An employer's label is its name; a location's, its address on one line. No
answer then needs a second call to be read by a person.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.conftest import Api
from tests.factories import a_bag_id, a_house_number, a_kvk_number, an_address
from tests.integration.api.test_directory import get
from tests.integration.api.test_queries import V1, hire, ok

EMPLOYER = "Kas en Teelt Medemblik B.V."


@pytest.fixture
def housed(api: Api) -> dict[str, Any]:
    """An employer with a worker at a dwelling of 2 that three live in (over-full: an alert)."""
    ledger = api.services.ledger
    kvk = a_kvk_number()
    employer = ledger.register_employer(kvk_number=kvk, name=EMPLOYER).id
    number = a_house_number()
    location = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(street="Kerkstraat", house_number=number, house_number_addition="2", postcode="1671 HA"),
        kind="dwelling",
        max_occupants=2,
        floor_area_m2=80,
    ).id
    workers = [hire(ledger, employer, location).id for _ in range(3)]
    return {
        "kvk": kvk,
        "employer": employer,
        "location": location,
        "worker": workers[0],
        "label": f"Kerkstraat {number}-2, 1671 HA Medemblik",
    }


def test_a_worker_carries_its_employers_name_and_its_homes_address(api: Api, housed: dict[str, Any]) -> None:
    answer = ok(get(api, f"/workers/{housed['worker']}"))

    assert (answer["employerId"], answer["employerName"]) == (str(housed["employer"]), EMPLOYER)
    assert (answer["housingLocationId"], answer["housingLocationLabel"]) == (str(housed["location"]), housed["label"])
    listed = ok(get(api, "/workers", employerId=str(housed["employer"])))["items"]
    assert {(w["employerName"], w["housingLocationLabel"]) for w in listed} == {(EMPLOYER, housed["label"])}


def test_an_unhoused_worker_has_no_location_label(api: Api, housed: dict[str, Any]) -> None:
    worker = hire(api.services.ledger, housed["employer"], None).id

    answer = ok(get(api, f"/workers/{worker}"))

    assert (answer["housingLocationId"], answer["housingLocationLabel"], answer["employerName"]) == (
        None,
        None,
        EMPLOYER,
    )


def test_residence_history_occupancy_and_residents_carry_the_locations_address(
    api: Api, housed: dict[str, Any]
) -> None:
    history = ok(get(api, f"/workers/{housed['worker']}/residence-history"))
    occupancy = ok(get(api, f"/housing-locations/{housed['location']}/occupancy"))
    residents = ok(
        get(api, f"/housing-locations/{housed['location']}/residents", **{"from": "2026-04-01"}, to="2026-06-01")
    )

    assert [i["housingLocationLabel"] for i in history["intervals"]] == [housed["label"]]
    assert occupancy["housingLocationLabel"] == housed["label"]
    assert residents["housingLocationLabel"] == housed["label"]


def test_alerts_carry_the_locations_address_and_the_employers_name(api: Api, housed: dict[str, Any]) -> None:
    items = ok(get(api, "/alerts", housingLocationId=str(housed["location"])))["items"]

    over = next(a for a in items if a["kind"] == "over_capacity")
    assert (over["housingLocationLabel"], over["employerName"]) == (housed["label"], None)
    about_workers = [a for a in items if a["employerId"] is not None]
    assert about_workers
    assert {a["employerName"] for a in about_workers} == {EMPLOYER}


def test_headcount_groups_of_locations_and_employers_carry_labels(api: Api, housed: dict[str, Any]) -> None:
    def labels(group_by: str) -> dict[str, str | None]:
        return {g["key"]: g["label"] for g in ok(get(api, "/headcounts", groupBy=group_by))["groups"]}

    assert labels("housingLocation")[str(housed["location"])] == housed["label"]
    assert labels("employer")[str(housed["employer"])] == EMPLOYER
    assert set(labels("nationality").values()) == {None}


def test_the_export_carries_the_labels(api: Api, housed: dict[str, Any]) -> None:
    answer = ok(get(api, f"/workers/{housed['worker']}/export"))

    assert (answer["worker"]["employerName"], answer["worker"]["housingLocationLabel"]) == (EMPLOYER, housed["label"])
    assert [h["label"] for h in answer["housingLocations"]] == [housed["label"]]


def test_an_employer_reads_its_own_labels(api: Api, housed: dict[str, Any]) -> None:
    answer = ok(get(api, f"/workers/{housed['worker']}", "employer", kvk=housed["kvk"]))

    assert (answer["employerName"], answer["housingLocationLabel"]) == (EMPLOYER, housed["label"])
    assert api.client.get(f"{V1}/workers/{housed['worker']}").status_code == 401
    assert date(2026, 6, 15)  # the API's fixed clock: housed today
