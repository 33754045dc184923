"""Unit tests of the HousingLocation aggregate: events, address rules, occupancy timeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from ledger.domain.errors import RuleViolated
from ledger.domain.housing_location import HousingLocation, housing_location_id_for
from ledger.domain.values import years_after
from tests.factories import TODAY, a_housing_location, an_address, broken_rules


def refusal_of(**overrides: Any) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolated) as refused:
        a_housing_location(**overrides)
    return broken_rules(refused.value)


def test_registering_a_location_emits_registered_with_its_bag_address_and_occupancy() -> None:
    address = an_address()
    location = a_housing_location(
        bag_id="0420010000000042",
        address=address,
        kind="short_stay_facility",
        max_occupants=20,
        floor_area_m2=300,
        owner_kvk_number="87654321",
    )

    (event,) = location.collect_events()

    assert isinstance(event, HousingLocation.Registered)
    assert event.originator_id == housing_location_id_for("0420010000000042")
    assert (event.bag_id, event.kind, event.max_occupants) == ("0420010000000042", "short_stay_facility", 20)
    assert (event.floor_area_m2, event.owner_kvk_number) == (300, "87654321")
    assert event.address == replace(address, postcode="1671AB")


def test_housing_location_id_for_is_deterministic_and_distinct_per_bag_id() -> None:
    assert housing_location_id_for("0420010000000001") == housing_location_id_for("0420010000000001")
    assert housing_location_id_for("0420010000000001") != housing_location_id_for("0420010000000002")


def test_bag_id_is_stripped_before_the_id_is_derived() -> None:
    location = a_housing_location(bag_id=" 0420010000000001 ")

    assert location.bag_id == "0420010000000001"
    assert location.id == housing_location_id_for("0420010000000001")


@pytest.mark.parametrize("bag_id", ["0420010000000001", "0420020000000001", "0420030000000001"])
def test_a_verblijfsobject_ligplaats_or_standplaats_is_accepted(bag_id: str) -> None:
    assert a_housing_location(bag_id=bag_id).bag_id == bag_id


@pytest.mark.parametrize(
    "bag_id",
    [
        "0420200000000001",  # a nummeraanduiding: an address, not the object at it
        "0420100000000001",  # a pand: a building, which may hold many dwellings
        "0420300000000001",  # an openbare ruimte: a street
        "0420000000000001",
    ],
)
def test_a_bag_id_of_another_object_type_is_refused(bag_id: str) -> None:
    assert refusal_of(bag_id=bag_id) == {("bag_id", "bag_object_type_not_addressable")}


@pytest.mark.parametrize("bag_id", ["042001000000001", "04200100000000011", "042001000000000A", ""])
def test_bag_id_that_is_not_16_digits_is_refused(bag_id: str) -> None:
    assert refusal_of(bag_id=bag_id) == {("bag_id", "invalid_bag_id")}


@pytest.mark.parametrize(("given", "stored"), [("1671 ab", "1671AB"), ("1671ab", "1671AB"), (" 1671 AB ", "1671AB")])
def test_postcode_is_normalised_to_four_digits_and_two_capitals(given: str, stored: str) -> None:
    location = a_housing_location(address=an_address(postcode=given))

    assert location.address.postcode == stored
    assert location.address.display_postcode() == "1671 AB"


@pytest.mark.parametrize("postcode", ["0123AB", "1234A", "12345AB", "1234 SA", "ABCD12"])
def test_invalid_postcode_is_refused(postcode: str) -> None:
    assert refusal_of(address=an_address(postcode=postcode)) == {("postcode", "invalid_postcode")}


def test_house_letter_and_addition_are_upper_cased_and_empty_ones_dropped() -> None:
    address = an_address(house_letter="a", house_number_addition="bis")
    assert a_housing_location(address=address).address == replace(
        address, postcode="1671AB", house_letter="A", house_number_addition="BIS"
    )
    blank = a_housing_location(address=an_address(house_letter="", house_number_addition="")).address
    assert (blank.house_letter, blank.house_number_addition) == (None, None)


def test_house_letter_of_more_than_one_letter_is_refused() -> None:
    assert refusal_of(address=an_address(house_letter="AB")) == {("house_letter", "invalid_house_letter")}


@pytest.mark.parametrize("addition", ["12345", "2-h", "ä"])
def test_house_number_addition_beyond_four_alphanumerics_is_refused(addition: str) -> None:
    assert refusal_of(address=an_address(house_number_addition=addition)) == {
        ("house_number_addition", "invalid_addition")
    }


@pytest.mark.parametrize("house_number", [0, -1, 100_000])
def test_house_number_outside_1_to_99999_is_refused(house_number: int) -> None:
    assert refusal_of(address=an_address(house_number=house_number)) == {("house_number", "out_of_range")}


def test_address_without_street_is_refused() -> None:
    assert refusal_of(address=an_address(street=" ")) == {("street", "required")}


def test_street_longer_than_200_characters_is_refused() -> None:
    assert refusal_of(address=an_address(street="s" * 201)) == {("street", "too_long")}


def test_address_without_city_is_refused() -> None:
    assert refusal_of(address=an_address(city="")) == {("city", "required")}


def test_city_longer_than_80_characters_is_refused() -> None:
    assert refusal_of(address=an_address(city="c" * 81)) == {("city", "too_long")}


def test_unknown_housing_kind_is_refused() -> None:
    assert refusal_of(kind="caravan") == {("kind", "invalid_choice")}


@pytest.mark.parametrize("max_occupants", [0, -3])
def test_occupancy_limit_below_one_is_refused_at_registration(max_occupants: int) -> None:
    assert refusal_of(max_occupants=max_occupants) == {("max_occupants", "out_of_range")}


def test_occupancy_limit_of_one_is_accepted() -> None:
    assert a_housing_location(max_occupants=1).max_occupants_on(TODAY) == 1


def test_floor_area_below_one_square_metre_is_refused() -> None:
    assert refusal_of(floor_area_m2=0) == {("floor_area_m2", "out_of_range")}


def test_owner_kvk_number_that_is_not_8_digits_is_refused() -> None:
    assert refusal_of(owner_kvk_number="1234567") == {("owner_kvk_number", "invalid_kvk_number")}


def test_every_bad_field_of_a_location_is_reported_in_one_refusal() -> None:
    assert refusal_of(
        bag_id="42", address=an_address(postcode="0123AB", house_number=0), kind="tent", max_occupants=0
    ) == {
        ("bag_id", "invalid_bag_id"),
        ("postcode", "invalid_postcode"),
        ("house_number", "out_of_range"),
        ("kind", "invalid_choice"),
        ("max_occupants", "out_of_range"),
    }


# Occupancy limits over time (docs/time.md).


def test_changing_the_occupancy_limit_emits_occupancy_limit_changed() -> None:
    location = a_housing_location()
    location.collect_events()

    location.change_occupancy_limit(6, date(2026, 7, 1), "  permit 2026-17  ", TODAY)

    (event,) = location.collect_events()
    assert isinstance(event, HousingLocation.OccupancyLimitChanged)
    assert (event.max_occupants, event.valid_from, event.reason) == (6, date(2026, 7, 1), "permit 2026-17")


def test_registered_limit_holds_from_the_beginning_of_time_until_changed() -> None:
    location = a_housing_location(max_occupants=4)
    location.change_occupancy_limit(6, date(2026, 7, 1), None, TODAY)

    assert location.max_occupants_on(date(1990, 1, 1)) == 4
    assert location.max_occupants_on(date(2026, 6, 30)) == 4
    assert location.max_occupants_on(date(2026, 7, 1)) == 6
    assert location.max_occupants_on(date(2030, 1, 1)) == 6


def test_back_dated_limit_change_holds_only_until_the_next_later_change() -> None:
    location = a_housing_location(max_occupants=4)
    location.change_occupancy_limit(6, date(2026, 7, 1), None, TODAY)
    location.change_occupancy_limit(2, date(2026, 5, 1), "decision after inspection", TODAY)

    assert location.max_occupants_on(date(2026, 4, 30)) == 4
    assert location.max_occupants_on(date(2026, 5, 1)) == 2
    assert location.max_occupants_on(date(2026, 6, 30)) == 2
    assert location.max_occupants_on(date(2026, 7, 1)) == 6


def test_of_two_limit_changes_with_the_same_date_the_later_recorded_wins() -> None:
    location = a_housing_location(max_occupants=4)
    location.change_occupancy_limit(8, date(2026, 7, 1), None, TODAY)
    location.change_occupancy_limit(5, date(2026, 7, 1), "corrected", TODAY)

    assert location.max_occupants_on(date(2026, 7, 1)) == 5


def test_occupancy_limit_change_below_one_is_refused() -> None:
    location = a_housing_location()

    with pytest.raises(RuleViolated) as refused:
        location.change_occupancy_limit(0, date(2026, 7, 1), None, TODAY)

    assert broken_rules(refused.value) == {("max_occupants", "out_of_range")}


def test_occupancy_limit_change_more_than_a_year_ahead_is_refused() -> None:
    location = a_housing_location()

    with pytest.raises(RuleViolated) as refused:
        location.change_occupancy_limit(6, years_after(TODAY, 1) + timedelta(days=1), None, TODAY)

    assert broken_rules(refused.value) == {("valid_from", "too_far_ahead")}


def test_occupancy_limit_change_exactly_a_year_ahead_is_accepted() -> None:
    location = a_housing_location()

    location.change_occupancy_limit(6, years_after(TODAY, 1), None, TODAY)

    assert location.max_occupants_on(date(2027, 6, 15)) == 6


def test_occupancy_limit_change_reason_longer_than_2000_characters_is_refused() -> None:
    location = a_housing_location()

    with pytest.raises(RuleViolated) as refused:
        location.change_occupancy_limit(6, date(2026, 7, 1), "r" * 2001, TODAY)

    assert broken_rules(refused.value) == {("reason", "too_long")}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"address": an_address(house_letter="a\n")}, "house_letter"),
        ({"address": an_address(house_number_addition="bis\n")}, "house_number_addition"),
    ],
)
def test_value_with_a_trailing_newline_is_refused(overrides: dict[str, Any], field: str) -> None:
    assert {f for f, _ in refusal_of(**overrides)} == {field}
