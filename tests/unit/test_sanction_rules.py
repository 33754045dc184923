"""Sanctions name whom they are imposed on; amounts are euros with cents, more than 0, at most the maximum."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ledger.domain.employer import employer_id_for
from ledger.domain.errors import RuleViolated
from ledger.domain.inspection import Inspection
from tests.factories import TODAY, an_inspection, broken_rules

EMPLOYER = employer_id_for("34781256")
MAXIMUM = Decimal(100_000)


def impose(**overrides: Any) -> Inspection.SanctionImposed:
    fields: dict[str, Any] = {
        "kind": "administrative_fine",
        "against": "owner",
        "owner_kvk_number": "34781256",
        "amount_eur": Decimal("2500.00"),
        "deadline": None,
        "max_amount_eur": MAXIMUM,
    }
    inspection = an_inspection()
    inspection.collect_events()
    inspection.impose_sanction(**(fields | overrides), today=TODAY)
    (event,) = inspection.collect_events()
    assert isinstance(event, Inspection.SanctionImposed)
    return event


def refusal(**overrides: Any) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolated) as refused:
        impose(**overrides)
    return broken_rules(refused.value)


# -- whom -------------------------------------------------------------------------------


def test_a_sanction_against_an_employer_names_the_employer() -> None:
    event = impose(against="employer", employer_id=EMPLOYER, owner_kvk_number=None)
    assert (event.against, event.employer_id, event.owner_kvk_number) == ("employer", EMPLOYER, None)


def test_a_sanction_against_the_owner_names_its_kvk_number() -> None:
    event = impose(owner_kvk_number=" 34781256 ")
    assert (event.against, event.employer_id, event.owner_kvk_number) == ("owner", None, "34781256")


def test_a_sanction_against_an_employer_without_one_is_refused() -> None:
    assert refusal(against="employer", owner_kvk_number=None) == {("employer_id", "required")}


def test_a_sanction_against_the_owner_without_its_kvk_number_is_refused() -> None:
    assert refusal(owner_kvk_number=None) == {("owner_kvk_number", "required")}


@pytest.mark.parametrize("kvk", ["123", "3478125A", "347812560"])
def test_an_owner_kvk_number_that_is_not_8_digits_is_refused(kvk: str) -> None:
    assert refusal(owner_kvk_number=kvk) == {("owner_kvk_number", "invalid_kvk_number")}


def test_a_sanction_names_one_addressee_only() -> None:
    assert refusal(employer_id=EMPLOYER) == {("employer_id", "not_applicable")}
    assert refusal(against="employer", employer_id=EMPLOYER) == {("owner_kvk_number", "not_applicable")}


# -- amounts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "stored"),
    [
        (Decimal("0.01"), Decimal("0.01")),
        (Decimal("12.5"), Decimal("12.50")),
        (Decimal("12.340"), Decimal("12.34")),
        (Decimal(100_000), Decimal("100000.00")),
    ],
)
def test_an_amount_in_euros_and_cents_up_to_the_maximum_is_stored_in_cents(amount: Decimal, stored: Decimal) -> None:
    event = impose(amount_eur=amount)
    assert event.amount_eur == stored
    assert str(event.amount_eur) == str(stored)


@pytest.mark.parametrize("amount", [Decimal("12.345"), Decimal("0.001"), Decimal("99999.999")])
def test_an_amount_with_more_than_two_decimals_is_refused(amount: Decimal) -> None:
    assert refusal(amount_eur=amount) == {("amount_eur", "too_many_decimals")}


@pytest.mark.parametrize(
    "amount",
    [Decimal(0), Decimal("-0.01"), Decimal("100000.01"), Decimal("1E+6"), Decimal("NaN"), Decimal("Infinity")],
)
def test_an_amount_of_0_or_less_or_above_the_maximum_is_refused(amount: Decimal) -> None:
    assert refusal(amount_eur=amount) == {("amount_eur", "out_of_range")}


def test_the_maximum_is_the_one_given() -> None:
    assert impose(amount_eur=Decimal(500), max_amount_eur=Decimal(500)).amount_eur == Decimal("500.00")
    assert refusal(amount_eur=Decimal("500.01"), max_amount_eur=Decimal(500)) == {("amount_eur", "out_of_range")}
