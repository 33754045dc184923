"""The one postcode rule, python-stdnum's Dutch postcode, wherever an address enters the domain."""

from __future__ import annotations

import pytest

from ledger.domain.checks import checked_postcode
from ledger.domain.errors import RuleViolated, Violations
from tests.factories import TODAY, a_housing_location, a_worker, an_address, an_employment, broken_rules


def check(value: str) -> tuple[str, list[tuple[str, str, str]]]:
    v = Violations()
    stored = checked_postcode(value, "postcode", v)
    try:
        v.raise_if_any()
    except RuleViolated as refused:
        return stored, [(x.field, x.code, x.reason) for x in refused.violations]
    return stored, []


@pytest.mark.parametrize(
    "written",
    ["1671 AB", "1671AB", "1671 ab", " 1671  ab ", "1671-AB", "nl-1671 ab", "NL1671AB"],
)
def test_a_postcode_written_any_usual_way_is_stored_as_1234AB(written: str) -> None:
    assert check(written) == ("1671AB", [])


@pytest.mark.parametrize("written", ["1671 SA", "1671 sd", "1671SS", "NL-1016 SS"])
def test_the_letter_pairs_sa_sd_and_ss_are_refused(written: str) -> None:
    _, refusals = check(written)

    assert [(field, code) for field, code, _ in refusals] == [("postcode", "invalid_postcode")]
    assert "SA, SD and SS" in refusals[0][2]


@pytest.mark.parametrize("written", ["0123 AB", "1671 A", "16710 AB", "1671 A1", "", "1671 ÄB", "1671\x00AB"])
def test_anything_but_four_digits_and_two_letters_is_refused(written: str) -> None:
    _, refusals = check(written)
    assert [(field, code) for field, code, _ in refusals] == [("postcode", "invalid_postcode")]


def test_the_rule_holds_for_a_housing_location_and_for_a_work_address() -> None:
    with pytest.raises(RuleViolated) as location:
        a_housing_location(address=an_address(postcode="1671 SA"))
    work = an_employment(work_address=an_address(postcode="1687 SD"))
    with pytest.raises(RuleViolated) as worker:
        a_worker(employment=work, today=TODAY)
    moved = a_worker()
    with pytest.raises(RuleViolated) as change:
        moved.change_work_address(an_address(postcode="1687 ss"), TODAY, TODAY)

    assert broken_rules(location.value) == {("postcode", "invalid_postcode")}
    assert broken_rules(worker.value) == {("employment.work_address.postcode", "invalid_postcode")}
    assert broken_rules(change.value) == {("work_address.postcode", "invalid_postcode")}
