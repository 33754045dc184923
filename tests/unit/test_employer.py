"""Unit tests of the Employer aggregate: its event, its rules, its derived id."""

from __future__ import annotations

import pytest

from ledger.domain.employer import Employer, employer_id_for
from ledger.domain.errors import RuleViolated
from ledger.domain.housing_location import housing_location_id_for
from tests.factories import broken_rules


def test_registering_an_employer_emits_registered_with_kvk_number_and_name() -> None:
    employer = Employer.register(kvk_number="12345678", name="Flexwerk Westfriesland B.V.")

    (event,) = employer.collect_events()

    assert isinstance(event, Employer.Registered)
    assert event.originator_id == employer.id
    assert event.kvk_number == "12345678"
    assert event.name == "Flexwerk Westfriesland B.V."


def test_employer_name_whitespace_is_collapsed() -> None:
    employer = Employer.register(kvk_number="12345678", name="  Flexwerk   Westfriesland\u00a0B.V. ")

    assert employer.name == "Flexwerk Westfriesland B.V."


def test_employer_id_is_derived_from_the_kvk_number() -> None:
    employer = Employer.register(kvk_number=" 12345678 ", name="Flexwerk")

    assert employer.id == employer_id_for("12345678")
    assert employer.kvk_number == "12345678"


def test_employer_id_for_is_deterministic_and_distinct_per_kvk_number() -> None:
    assert employer_id_for("12345678") == employer_id_for("12345678")
    assert employer_id_for("12345678") != employer_id_for("12345679")


def test_employer_and_housing_location_ids_live_in_different_namespaces() -> None:
    assert employer_id_for("1234567812345678") != housing_location_id_for("1234567812345678")


@pytest.mark.parametrize("kvk_number", ["1234567", "123456789", "1234567A", "", "1234 5678"])
def test_kvk_number_that_is_not_8_digits_is_refused(kvk_number: str) -> None:
    with pytest.raises(RuleViolated) as refused:
        Employer.register(kvk_number=kvk_number, name="Flexwerk")

    assert broken_rules(refused.value) == {("kvk_number", "invalid_kvk_number")}


def test_employer_without_a_name_is_refused() -> None:
    with pytest.raises(RuleViolated) as refused:
        Employer.register(kvk_number="12345678", name="   ")

    assert broken_rules(refused.value) == {("name", "required")}


def test_employer_name_longer_than_200_characters_is_refused() -> None:
    with pytest.raises(RuleViolated) as refused:
        Employer.register(kvk_number="12345678", name="x" * 201)

    assert broken_rules(refused.value) == {("name", "too_long")}


def test_employer_name_of_exactly_200_characters_is_accepted() -> None:
    assert Employer.register(kvk_number="12345678", name="x" * 200).name == "x" * 200


def test_bad_kvk_number_and_missing_name_are_reported_together() -> None:
    with pytest.raises(RuleViolated) as refused:
        Employer.register(kvk_number="123", name="")

    assert broken_rules(refused.value) == {("kvk_number", "invalid_kvk_number"), ("name", "required")}
