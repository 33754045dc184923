"""Issue 18: employers and housing locations read back — lists with filters and pages, one of each, by address.

Data is written through the ledger and read back with `minPosition`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from ledger.domain.housing_location import Registrant
from tests.conftest import Api
from tests.factories import a_bag_id, a_house_number, a_kvk_number, an_address
from tests.integration.api.test_queries import hire, invalid_names, ok, recorded_at

V1 = "/api/v1"


def get(api: Api, path: str, role: str = "registrar", *, kvk: str | None = None, **params: Any) -> httpx.Response:
    """GET a query, after every write so far (`minPosition`)."""
    position = api.services.ledger.recorder.max_notification_id()
    if position is not None:
        params.setdefault("minPosition", position)
    return api.client.get(f"{V1}{path}", params=params, headers=api.auth(role, kvk=kvk))


@dataclass(frozen=True)
class Place:
    """Two employers, and a dwelling at a known address with a limit of 2."""

    kvk: str
    employer_id: UUID
    other_kvk: str
    other_employer_id: UUID
    location_id: UUID
    postcode: str
    house_number: int


@pytest.fixture
def place(api: Api) -> Place:
    ledger = api.services.ledger
    kvk, other_kvk = a_kvk_number(), a_kvk_number()
    employer = ledger.register_employer(kvk_number=kvk, name="Bloemenkwekerij Ålesund-Groß B.V.")
    other = ledger.register_employer(kvk_number=other_kvk, name="Kas en Teelt B.V.")
    number = a_house_number()
    location = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(street="Westerstraat", house_number=number, house_letter="a", postcode="1671 GD"),
        kind="dwelling",
        max_occupants=2,
        floor_area_m2=80,
    )
    return Place(kvk, employer.id, other_kvk, other.id, location.id, "1671GD", number)


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


# -- employers ---------------------------------------------------------------------------------


def test_an_employer_reads_back_with_its_workers_and_where_they_live(api: Api, place: Place) -> None:
    ledger = api.services.ledger
    hire(ledger, place.employer_id, place.location_id)
    ended = hire(ledger, place.employer_id, None)
    ledger.end_contract(ended.id, end_date=date(2026, 5, 1), reason=None)
    employer_registered = ledger.events.get(place.employer_id)
    registered_at = next(iter(employer_registered)).timestamp  # type: ignore[attr-defined]

    answer = ok(get(api, f"/employers/{place.employer_id}"))

    assert answer["id"] == str(place.employer_id)
    assert (answer["kvkNumber"], answer["name"]) == (place.kvk, "Bloemenkwekerij Ålesund-Groß B.V.")
    assert answer["registeredAt"].startswith(registered_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert answer["workers"] == {"active": 1, "total": 2}
    (housing,) = answer["housingLocations"]
    assert housing["id"] == str(place.location_id)
    assert housing["label"] == f"Westerstraat {place.house_number}A, 1671 GD Medemblik"


def test_the_list_of_employers_carries_their_counts_but_not_their_homes(api: Api, place: Place) -> None:
    # A large employer houses thousands: the list stays a list, the homes are on the employer and, paged, at
    # `/housing-locations?employerId=` (issue 18).
    hire(api.services.ledger, place.employer_id, place.location_id)

    (item,) = ok(get(api, "/employers", kvkNumber=place.kvk))["items"]

    assert set(item) == {"id", "kvkNumber", "name", "registeredAt", "on", "asKnownAt", "workers"}
    assert item["workers"] == {"active": 1, "total": 1}
    assert [h["id"] for h in ok(get(api, f"/employers/{place.employer_id}"))["housingLocations"]] == [
        str(place.location_id)
    ]


def test_employers_are_found_by_a_part_of_the_name_in_any_case_and_without_accents(api: Api, place: Place) -> None:
    for name in ("alesund-gross", "ÅLESUND", "kwekerij ålesund", "bloemenkwekerij"):
        assert ids(ok(get(api, "/employers", name=name))) == [str(place.employer_id)], name
    assert ids(ok(get(api, "/employers", name="100%"))) == []
    assert str(place.other_employer_id) in ids(ok(get(api, "/employers", name="teelt")))


def test_employers_are_found_by_kvk_number(api: Api, place: Place) -> None:
    assert ids(ok(get(api, "/employers", kvkNumber=place.other_kvk))) == [str(place.other_employer_id)]


def test_employers_are_paged_with_an_opaque_cursor(api: Api, place: Place) -> None:
    for n in range(3):
        api.services.ledger.register_employer(kvk_number=a_kvk_number(), name=f"Pagina {n} B.V.")
    first = ok(get(api, "/employers", name="pagina", limit=2))
    assert len(first["items"]) == 2 and first["nextCursor"]
    second = ok(get(api, "/employers", name="pagina", limit=2, cursor=first["nextCursor"]))
    assert len(second["items"]) == 1 and second["nextCursor"] is None
    assert ids(first) + ids(second) == sorted(ids(first) + ids(second))
    assert invalid_names(get(api, "/employers", cursor="not-a-cursor")) == ["cursor"]


def test_an_employer_sees_only_itself(api: Api, place: Place) -> None:
    assert ids(ok(get(api, "/employers", "employer", kvk=place.kvk))) == [str(place.employer_id)]
    assert get(api, f"/employers/{place.other_employer_id}", "employer", kvk=place.kvk).status_code == 404
    assert ok(get(api, f"/employers/{place.employer_id}", "employer", kvk=place.kvk))["kvkNumber"] == place.kvk


def test_an_unknown_employer_is_404_also_before_it_was_registered(api: Api, place: Place) -> None:
    assert get(api, f"/employers/{uuid4()}").status_code == 404
    before = "2000-01-01T00:00:00Z"
    assert get(api, f"/employers/{place.employer_id}", asKnownAt=before).status_code == 404
    assert str(place.employer_id) not in ids(ok(get(api, "/employers", asKnownAt=before)))


@pytest.mark.parametrize(
    ("params", "name"),
    [({"kvkNumber": "123"}, "kvkNumber"), ({"limit": "0"}, "limit"), ({"colour": "red"}, "colour")],
)
def test_bad_employer_queries_are_400_naming_the_parameter(api: Api, params: dict[str, str], name: str) -> None:
    assert invalid_names(get(api, "/employers", **params)) == [name]


# -- housing locations ---------------------------------------------------------------------------


@pytest.mark.parametrize("postcode", ["1671gd", "1671 GD", "1671GD", " 1671 gd "])
def test_a_location_is_found_by_postcode_and_house_number_in_one_call(api: Api, place: Place, postcode: str) -> None:
    page = ok(get(api, "/housing-locations", postcode=postcode, houseNumber=place.house_number))

    assert ids(page) == [str(place.location_id)]
    (found,) = page["items"]
    assert found["address"] == {
        "street": "Westerstraat",
        "houseNumber": place.house_number,
        "houseLetter": "A",
        "houseNumberAddition": None,
        "postcode": "1671GD",
        "city": "Medemblik",
    }
    assert found["label"] == f"Westerstraat {place.house_number}A, 1671 GD Medemblik"


def test_a_location_reads_back_with_its_limit_history_headcount_and_free_places(api: Api, place: Place) -> None:
    ledger = api.services.ledger
    hire(ledger, place.employer_id, place.location_id)
    change = ledger.change_occupancy_limit(
        place.location_id, max_occupants=5, valid_from=date(2026, 5, 1), reason="omgevingsvergunning 2026-0042"
    )
    ledger.record_inspection(
        housing_location_id=place.location_id,
        inspected_on=date(2026, 6, 1),
        occupants_found=1,
        findings=[],
        outcome="compliant",
    )

    answer = ok(get(api, f"/housing-locations/{place.location_id}"))

    assert answer["id"] == str(place.location_id)
    assert (answer["kind"], answer["floorAreaM2"], answer["maxOccupants"]) == ("dwelling", 80, 5)
    assert answer["limitBasis"] == "municipality"
    assert (answer["headcount"], answer["overCapacity"], answer["overBy"], answer["freePlaces"]) == (1, False, 0, 4)
    assert answer["utilisation"] == 0.2
    first, second = answer["limits"]
    assert (first["maxOccupants"], first["validFrom"], first["reason"]) == (2, None, None)
    assert (second["maxOccupants"], second["validFrom"], second["reason"]) == (
        5,
        "2026-05-01",
        "omgevingsvergunning 2026-0042",
    )
    assert second["recordedAt"].startswith(recorded_at(ledger, change).strftime("%Y-%m-%dT%H:%M:%S"))
    assert answer["lastInspection"]["inspectedOn"] == "2026-06-01"
    assert answer["lastInspection"]["outcome"] == "compliant"
    assert answer["openAlerts"] == []


def test_an_over_full_location_has_no_free_places_and_says_how_many_too_many(api: Api, place: Place) -> None:
    ledger = api.services.ledger
    for _ in range(3):
        hire(ledger, place.employer_id, place.location_id)

    answer = ok(get(api, f"/housing-locations/{place.location_id}"))

    assert (answer["headcount"], answer["maxOccupants"]) == (3, 2)
    assert (answer["overCapacity"], answer["overBy"], answer["freePlaces"], answer["utilisation"]) == (True, 1, 0, 1.5)
    assert [(a["kind"], a["since"]) for a in answer["openAlerts"]] == [("over_capacity", "2026-04-01")]
    over_full = ids(ok(get(api, "/housing-locations", overCapacity="true", limit=500)))
    assert str(place.location_id) in over_full
    assert str(place.location_id) not in ids(ok(get(api, "/housing-locations", overCapacity="false", limit=500)))


def test_with_the_limit_unknown_free_places_and_utilisation_are_null(api: Api, place: Place) -> None:
    unknown = api.services.ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Veldweg"), kind="other"
    ).id

    answer = ok(get(api, f"/housing-locations/{unknown}"))

    assert (answer["maxOccupants"], answer["limitBasis"], answer["overCapacity"]) == (None, None, None)
    assert (answer["freePlaces"], answer["overBy"], answer["utilisation"]) == (None, None, None)
    assert [a["kind"] for a in answer["openAlerts"]] == ["limit_not_assessed"]
    assert answer["lastInspection"] is None


def test_a_location_is_read_on_a_day_as_known_at_an_instant(api: Api, place: Place) -> None:
    ledger = api.services.ledger
    before = recorded_at(ledger, hire(ledger, place.employer_id, place.location_id))
    ledger.change_occupancy_limit(place.location_id, max_occupants=1, valid_from=date(2026, 6, 1))

    then = ok(get(api, f"/housing-locations/{place.location_id}", asKnownAt=before.isoformat()))
    may = ok(get(api, f"/housing-locations/{place.location_id}", on="2026-05-15"))
    march = ok(get(api, f"/housing-locations/{place.location_id}", on="2026-03-01"))

    assert (then["maxOccupants"], len(then["limits"])) == (2, 1)
    assert (may["maxOccupants"], may["headcount"], may["freePlaces"]) == (2, 1, 1)
    assert (march["headcount"], march["freePlaces"]) == (0, 2)
    assert get(api, f"/housing-locations/{place.location_id}", asKnownAt="2000-01-01T00:00:00Z").status_code == 404


def test_locations_are_filtered_by_street_city_and_kind(api: Api, place: Place) -> None:
    other = api.services.ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Zuiderdijk", city="Wognum"), kind="caravan_site"
    ).id

    assert ids(ok(get(api, "/housing-locations", street="zuiderdijk", limit=500))) == [str(other)]
    assert str(other) in ids(ok(get(api, "/housing-locations", city="WOGNUM", limit=500)))
    assert str(place.location_id) not in ids(ok(get(api, "/housing-locations", city="WOGNUM", limit=500)))
    kinds = {item["kind"] for item in ok(get(api, "/housing-locations", kind="caravan_site", limit=500))["items"]}
    assert kinds == {"caravan_site"}


def test_locations_are_paged_with_an_opaque_cursor(api: Api, place: Place) -> None:
    ledger = api.services.ledger
    for _ in range(3):
        ledger.register_housing_location(bag_id=a_bag_id(), address=an_address(street="Paginalaan"), kind="dwelling")
    first = ok(get(api, "/housing-locations", street="paginalaan", limit=2))
    second = ok(get(api, "/housing-locations", street="paginalaan", limit=2, cursor=first["nextCursor"]))

    assert (len(first["items"]), len(second["items"]), second["nextCursor"]) == (2, 1, None)
    assert ids(first) + ids(second) == sorted(ids(first) + ids(second))


def test_an_employer_sees_the_locations_housing_its_workers_or_proposed_by_it(api: Api, place: Place) -> None:
    ledger = api.services.ledger
    hire(ledger, place.employer_id, place.location_id)
    hire(ledger, place.other_employer_id, place.location_id)
    proposed = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(street="Voorstelweg"),
        kind="dwelling",
        max_occupants=6,
        registrant=Registrant(municipal=False, employer_id=place.employer_id),
    ).id
    elsewhere = ledger.register_housing_location(bag_id=a_bag_id(), address=an_address(), kind="dwelling").id

    seen = ids(ok(get(api, "/housing-locations", "employer", kvk=place.kvk, limit=500)))
    answer = ok(get(api, f"/housing-locations/{place.location_id}", "employer", kvk=place.kvk))

    assert sorted(seen) == sorted([str(place.location_id), str(proposed)])
    assert get(api, f"/housing-locations/{elsewhere}", "employer", kvk=place.kvk).status_code == 404
    # Its own workers only; what depends on everyone's is not shown to it, nor the inspections.
    assert answer["headcount"] == 1
    assert (answer["overCapacity"], answer["freePlaces"], answer["overBy"], answer["utilisation"]) == (
        None,
        None,
        None,
        None,
    )
    assert (answer["openAlerts"], answer["lastInspection"], answer["proposedMaxOccupants"]) == ([], None, None)
    assert invalid_names(get(api, "/housing-locations", "employer", kvk=place.kvk, overCapacity="true")) == [
        "overCapacity"
    ]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"postcode": "0123AB"}, "postcode"),
        ({"postcode": "1671SA"}, "postcode"),
        ({"houseNumber": "0"}, "houseNumber"),
        ({"kind": "castle"}, "kind"),
        ({"overCapacity": "maybe"}, "overCapacity"),
        ({"on": "2026-13-01"}, "on"),
        ({"employerId": "not-a-uuid"}, "employerId"),
    ],
)
def test_bad_location_queries_are_400_naming_the_parameter(api: Api, params: dict[str, str], name: str) -> None:
    assert invalid_names(get(api, "/housing-locations", **params)) == [name]


def test_an_unknown_location_is_404(api: Api) -> None:
    assert get(api, f"/housing-locations/{uuid4()}").status_code == 404


@pytest.mark.parametrize("path", ["/employers", "/housing-locations"])
def test_the_lists_need_a_token(api: Api, path: str) -> None:
    assert api.client.get(f"{V1}{path}").status_code == 401


def test_after_a_transfer_the_location_and_the_count_follow_the_employer_of_the_day(api: Api, place: Place) -> None:
    ledger = api.services.ledger
    worker = hire(ledger, place.employer_id, place.location_id).id
    ledger.transfer_worker(worker, employer_id=place.other_employer_id, valid_from=date(2026, 6, 1))

    def seen(kvk: str, **params: Any) -> list[str]:
        return ids(ok(get(api, "/housing-locations", "employer", kvk=kvk, limit=500, **params)))

    assert str(place.location_id) in seen(place.other_kvk)
    assert str(place.location_id) not in seen(place.kvk)
    assert str(place.location_id) in seen(place.kvk, on="2026-05-15")
    answer = ok(get(api, f"/housing-locations/{place.location_id}", "employer", kvk=place.other_kvk))
    assert answer["headcount"] == 1
    homes = ok(get(api, f"/employers/{place.other_employer_id}"))["housingLocations"]
    assert [h["id"] for h in homes] == [str(place.location_id)]
    assert ok(get(api, f"/employers/{place.employer_id}"))["housingLocations"] == []


def test_a_bad_postcode_is_refused_with_a_reason_a_person_can_read(api: Api) -> None:
    response = get(api, "/housing-locations", postcode="16X9")
    assert response.status_code == 400
    (param,) = response.json()["invalidParams"]
    assert param["name"] == "postcode"
    assert "pattern" not in param["reason"]
    assert len(param["reason"]) < 200, param["reason"]


@pytest.mark.parametrize(
    ("path", "parameter"), [("/employers", "name"), ("/housing-locations", "street"), ("/housing-locations", "city")]
)
@pytest.mark.parametrize("text", ["\x00", "Dorps\x07straat", "Dorps\u202estraat"], ids=["nul", "bell", "bidi-override"])
def test_a_search_text_with_a_control_character_is_400_naming_the_parameter(
    shared_api: Api, path: str, parameter: str, text: str
) -> None:
    # Schemathesis found a NUL in `name` answered with 500 on PostgreSQL: a search text is a line of
    # printable text, as the text it is compared with (docs/text-input.md).
    assert invalid_names(get(shared_api, path, **{parameter: text})) == [parameter]


# -- the locations housing an employer's workers (`employerId`) ------------------------------------


@dataclass(frozen=True)
class Homes:
    """Where the two employers' workers live: a mover, a transferred worker, a worker of the other employer."""

    april: UUID  # the mover's home until 1 May
    may: UUID  # and from then on
    transferred: UUID  # the transferred worker's, at the other employer from 1 June
    others: UUID  # the other employer's own worker's
    proposed: UUID  # proposed by the first employer; nobody lives there


@pytest.fixture
def homes(api: Api, place: Place) -> Homes:
    ledger = api.services.ledger

    def dwelling(street: str, **registrant: Any) -> UUID:
        address = an_address(street=street)
        return ledger.register_housing_location(bag_id=a_bag_id(), address=address, kind="dwelling", **registrant).id

    april, may, transferred, others = (dwelling(s) for s in ("Aprillaan", "Meiweg", "Junistraat", "Anderweg"))
    proposed = dwelling("Voorstelweg", registrant=Registrant(municipal=False, employer_id=place.employer_id))
    mover = hire(ledger, place.employer_id, april).id
    ledger.change_housing(mover, housing_location_id=may, valid_from=date(2026, 5, 1))
    moved_on = hire(ledger, place.employer_id, transferred).id
    ledger.transfer_worker(moved_on, employer_id=place.other_employer_id, valid_from=date(2026, 6, 1))
    hire(ledger, place.other_employer_id, others)
    return Homes(april, may, transferred, others, proposed)


def test_locations_are_filtered_by_the_employer_of_the_day(api: Api, place: Place, homes: Homes) -> None:
    def housing(employer: UUID, **params: Any) -> list[str]:
        return ids(ok(get(api, "/housing-locations", employerId=str(employer), limit=500, **params)))

    def ordered(*locations: UUID) -> list[str]:
        return sorted(str(location) for location in locations)

    # Today (15 June): the mover at its May home; the transferred worker counts for its new employer.
    assert housing(place.employer_id) == ordered(homes.may)
    assert housing(place.other_employer_id) == ordered(homes.transferred, homes.others)
    # Only the day's home of a worker housed at two locations over time; before the transfer, the old employer's.
    assert housing(place.employer_id, on="2026-04-15") == ordered(homes.april, homes.transferred)
    assert housing(place.employer_id, on="2026-05-15") == ordered(homes.may, homes.transferred)
    assert housing(place.other_employer_id, on="2026-05-15") == ordered(homes.others)
    assert housing(place.employer_id, on="2026-03-01") == []
    # Combined with the other filters, and never what an employer merely proposed.
    assert housing(place.other_employer_id, street="junistraat") == ordered(homes.transferred)
    assert housing(place.other_employer_id, street="meiweg") == []
    assert housing(uuid4()) == []


def test_an_employers_locations_are_paged_with_the_lists_cursor(api: Api, place: Place, homes: Homes) -> None:
    employer = str(place.other_employer_id)
    first = ok(get(api, "/housing-locations", employerId=employer, limit=1))
    second = ok(get(api, "/housing-locations", employerId=employer, limit=1, cursor=first["nextCursor"]))

    assert first["nextCursor"] and second["nextCursor"] is None
    assert ids(first) + ids(second) == sorted([str(homes.transferred), str(homes.others)])


def test_an_employer_filters_on_its_own_workers_homes_only(api: Api, place: Place, homes: Homes) -> None:
    def seen(**params: Any) -> list[str]:
        return ids(ok(get(api, "/housing-locations", "employer", kvk=place.kvk, limit=500, **params)))

    assert sorted(seen()) == sorted([str(homes.may), str(homes.proposed)])
    # The filter meets the scope: its own workers' homes without what it proposed; another employer's, nothing.
    assert seen(employerId=str(place.employer_id)) == [str(homes.may)]
    assert seen(employerId=str(place.other_employer_id)) == []
