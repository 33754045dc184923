"""The BRP address in the OpenAPI document states the ledger's rules (docs/openapi.md, docs/domain-rules.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.errors import Violations
from ledger.domain.population import BrpAddress, checked_brp_address
from tests.contract.test_document import matches, member

EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True)


def _code_accepted(code: str) -> bool:
    """Whether the ledger takes a BRP address with this municipality code."""
    v = Violations()
    address = BrpAddress(bag_id="0405010000054321", municipality_code=code, since=date(2026, 4, 1))
    checked_brp_address("BRP", address, date(1990, 1, 1), date(2026, 6, 15), v)
    return not v.has("address.municipality_code")


def test_the_brp_address_has_the_bag_id_pattern_of_a_housing_location(served_document: dict[str, Any]) -> None:
    assert (
        member(served_document, "BrpAddressIn", "bagId")["pattern"]
        == member(served_document, "HousingLocationCreate", "bagId")["pattern"]
    )


@EXAMPLES
@given(value=st.text(st.sampled_from("0123456789 \t\u00a0\u3000\uff10aG-"), max_size=8) | st.just("0420"))
def test_the_municipality_code_pattern_admits_what_the_ledger_admits(
    served_document: dict[str, Any], value: str
) -> None:
    pattern = member(served_document, "BrpAddressIn", "municipalityCode")["pattern"]

    assert matches(pattern, value) == _code_accepted(value), repr(value)
