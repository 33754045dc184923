"""Exports for auditors: the keyed pseudonym of a personal field, and the reason and date of an opened export."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.audit.exports import OpeningReason, export_opening, pseudonym
from ledger.errors import RuleViolated
from ledger.settings import Settings
from tests.factories import broken_rules

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
SETTINGS = Settings()


def test_a_pseudonym_is_stable_for_one_person_and_field_and_reveals_nothing() -> None:
    one = pseudonym(KEY, "family_name", "Kowalska")

    assert one == pseudonym(KEY, "family_name", "Kowalska")
    assert one.startswith("pseudonym:") and "Kowalska" not in one
    assert len(one) == len(pseudonym(KEY, "family_name", "Wiśniewska-Kowalczyk"))  # not even the length


def test_the_same_value_of_another_person_or_field_has_another_pseudonym() -> None:
    one = pseudonym(KEY, "family_name", "Kowalska")

    assert pseudonym(OTHER_KEY, "family_name", "Kowalska") != one
    assert pseudonym(KEY, "given_names", "Kowalska") != one


def test_dates_are_pseudonymised_like_text() -> None:
    assert pseudonym(KEY, "birth_date", date(1994, 3, 14)) != pseudonym(KEY, "birth_date", date(1994, 3, 15))


@given(st.text(max_size=50), st.text(max_size=50))
def test_different_values_have_different_pseudonyms(first: str, second: str) -> None:
    if first != second:
        assert pseudonym(KEY, "family_name", first) != pseudonym(KEY, "family_name", second)


def test_an_opened_export_is_to_be_destroyed_after_the_settings_days() -> None:
    opening = export_opening("accuracy_check", today=date(2026, 6, 15), settings=SETTINGS, actor="os:auditor")
    longer = export_opening(
        "court_order",
        today=date(2026, 6, 15),
        settings=SETTINGS.model_copy(update={"opened_export_days": 7}),
        actor="os:auditor",
    )

    assert (opening.reason, opening.destroy_on, opening.actor) == (
        OpeningReason.ACCURACY_CHECK,
        date(2026, 7, 15),
        "os:auditor",
    )
    assert longer.destroy_on == date(2026, 6, 22)


@pytest.mark.parametrize("reason", [None, "", "curiosity"])
def test_an_export_is_opened_only_for_a_known_reason(reason: str | None) -> None:
    with pytest.raises(RuleViolated) as refused:
        export_opening(reason, today=date(2026, 6, 15), settings=SETTINGS, actor="os:auditor")

    assert {field for field, _ in broken_rules(refused.value)} == {"reason"}
