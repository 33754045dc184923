"""Unit tests of the Inspection aggregate: recorded inspections and the sanctions after them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ledger.domain.employer import employer_id_for
from ledger.domain.errors import Conflict, RuleViolated
from ledger.domain.housing_location import housing_location_id_for
from ledger.domain.inspection import Inspection
from ledger.domain.values import years_after
from tests.factories import TODAY, an_inspection, broken_rules

EMPLOYER = employer_id_for("34781256")
MAXIMUM = Decimal(100_000)
# The members every sanction takes besides the ones a test is about.
ADDRESSED: dict[str, Any] = {"against": "employer", "employer_id": EMPLOYER, "max_amount_eur": MAXIMUM}


def refusal_of(**overrides: Any) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolated) as refused:
        an_inspection(**overrides)
    return broken_rules(refused.value)


def sanction_refusal(**overrides: Any) -> set[tuple[str, str]]:
    fields: dict[str, Any] = {"kind": "warning", "amount_eur": None, "deadline": None} | ADDRESSED
    with pytest.raises(RuleViolated) as refused:
        an_inspection().impose_sanction(**(fields | overrides), today=TODAY)
    return broken_rules(refused.value)


def test_recording_an_inspection_emits_recorded_with_findings_and_outcome() -> None:
    location_id = housing_location_id_for("0420010000000007")
    inspection = an_inspection(
        housing_location_id=location_id,
        occupants_found=11,
        findings=["overcrowding", "fire_safety"],
        notes="  eleven mattresses in two rooms ",
    )

    (event,) = inspection.collect_events()

    assert isinstance(event, Inspection.Recorded)
    assert event.originator_id == inspection.id
    assert event.housing_location_id == location_id
    assert (event.inspected_on, event.occupants_found) == (date(2026, 6, 10), 11)
    assert (event.findings, event.outcome) == (["overcrowding", "fire_safety"], "violations")
    assert event.notes == "eleven mattresses in two rooms"


def test_compliant_inspection_without_findings_is_recorded() -> None:
    inspection = an_inspection(findings=[], outcome="compliant", occupants_found=0)

    assert (inspection.findings, inspection.outcome, inspection.sanctions) == ([], "compliant", [])


def test_inspection_dated_today_is_accepted_and_tomorrow_is_refused() -> None:
    assert an_inspection(inspected_on=TODAY).inspected_on == TODAY
    assert refusal_of(inspected_on=TODAY + timedelta(days=1)) == {("inspected_on", "in_future")}


@pytest.mark.parametrize("occupants_found", [-1, 10_001])
def test_occupants_found_outside_0_to_10000_is_refused(occupants_found: int) -> None:
    assert refusal_of(occupants_found=occupants_found) == {("occupants_found", "out_of_range")}


def test_unknown_finding_is_refused_naming_its_position() -> None:
    assert refusal_of(findings=["overcrowding", "mould"]) == {("findings.1", "invalid_choice")}


def test_a_finding_listed_twice_is_refused() -> None:
    assert refusal_of(findings=["hygiene", "hygiene"]) == {("findings", "duplicate")}


def test_inspection_with_violations_but_no_finding_is_refused() -> None:
    assert refusal_of(findings=[], outcome="violations") == {("findings", "required")}


def test_unknown_outcome_is_refused() -> None:
    assert refusal_of(outcome="unclear") == {("outcome", "invalid_choice")}


def test_inspection_notes_longer_than_10000_characters_are_refused() -> None:
    assert refusal_of(notes="n" * 10_001) == {("notes", "too_long")}


def test_every_bad_field_of_an_inspection_is_reported_in_one_refusal() -> None:
    assert refusal_of(
        inspected_on=TODAY + timedelta(days=3), occupants_found=-2, findings=["mould", "mould"], outcome="bad"
    ) == {
        ("inspected_on", "in_future"),
        ("occupants_found", "out_of_range"),
        ("findings.0", "invalid_choice"),
        ("findings.1", "invalid_choice"),
        ("findings", "duplicate"),
        ("outcome", "invalid_choice"),
    }


# Sanctions.


def test_imposing_a_fine_emits_sanction_imposed_dated_today() -> None:
    inspection = an_inspection()
    inspection.collect_events()

    inspection.impose_sanction(
        kind="administrative_fine",
        against="owner",
        owner_kvk_number="34781256",
        amount_eur=Decimal("4500.00"),
        deadline=None,
        max_amount_eur=MAXIMUM,
        today=TODAY,
    )

    (event,) = inspection.collect_events()
    assert isinstance(event, Inspection.SanctionImposed)
    assert (event.kind, event.against, event.amount_eur) == ("administrative_fine", "owner", Decimal("4500.00"))
    assert (event.deadline, event.imposed_on) == (None, TODAY)
    assert inspection.sanctions == ["administrative_fine"]


def test_order_subject_to_penalty_with_amount_and_deadline_is_imposed() -> None:
    inspection = an_inspection()

    inspection.impose_sanction(
        kind="order_subject_to_penalty",
        amount_eur=Decimal(1000),
        deadline=date(2026, 7, 15),
        today=TODAY,
        **ADDRESSED,
    )

    assert inspection.sanctions == ["order_subject_to_penalty"]


def test_warning_needs_neither_amount_nor_deadline() -> None:
    inspection = an_inspection()

    inspection.impose_sanction(kind="warning", amount_eur=None, deadline=None, today=TODAY, **ADDRESSED)

    assert inspection.sanctions == ["warning"]


def test_fine_without_an_amount_is_refused() -> None:
    assert sanction_refusal(kind="administrative_fine") == {("amount_eur", "required")}


def test_order_subject_to_penalty_without_amount_or_deadline_is_refused_for_both() -> None:
    assert sanction_refusal(kind="order_subject_to_penalty") == {("amount_eur", "required"), ("deadline", "required")}


def test_order_subject_to_penalty_without_a_deadline_is_refused() -> None:
    assert sanction_refusal(kind="order_subject_to_penalty", amount_eur=Decimal(500)) == {("deadline", "required")}


@pytest.mark.parametrize("amount", [Decimal(0), Decimal("-0.01"), Decimal("100000.01")])
def test_amount_outside_0_to_the_maximum_is_refused(amount: Decimal) -> None:
    assert sanction_refusal(kind="administrative_fine", amount_eur=amount) == {("amount_eur", "out_of_range")}


def test_deadline_in_the_past_is_refused() -> None:
    assert sanction_refusal(deadline=TODAY - timedelta(days=1)) == {("deadline", "in_past")}


def test_deadline_more_than_a_year_ahead_is_refused() -> None:
    assert sanction_refusal(deadline=years_after(TODAY, 1) + timedelta(days=1)) == {("deadline", "too_far_ahead")}


def test_unknown_sanction_kind_is_refused() -> None:
    assert sanction_refusal(kind="closure") == {("kind", "invalid_choice")}


def test_sanction_against_someone_other_than_employer_or_owner_is_refused() -> None:
    assert sanction_refusal(against="tenant") == {("against", "invalid_choice")}


def test_sanction_after_a_compliant_inspection_is_a_conflict() -> None:
    inspection = an_inspection(findings=[], outcome="compliant")
    inspection.collect_events()

    with pytest.raises(Conflict):
        inspection.impose_sanction(kind="warning", amount_eur=None, deadline=None, today=TODAY, **ADDRESSED)

    assert inspection.collect_events() == []


def test_amount_that_is_not_a_number_is_refused_as_out_of_range() -> None:
    assert sanction_refusal(kind="administrative_fine", amount_eur=Decimal("NaN")) == {("amount_eur", "out_of_range")}
