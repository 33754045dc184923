"""A view's id read back fast is the same UUID as the general parser reads (`projections.ids`)."""

from __future__ import annotations

from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.ids import uuid_of


@given(st.uuids())
def test_an_id_as_the_views_store_it_reads_back_as_the_same_uuid(value: UUID) -> None:
    assert uuid_of(value.hex) == value
    assert uuid_of(value.hex.upper()) == value
    assert uuid_of(str(value)) == value  # another spelling goes to the general parser


def test_a_bad_id_is_refused_as_the_general_parser_refuses_it() -> None:
    for bad in ("", "not an id", "g" * 32):
        with pytest.raises(ValueError):
            uuid_of(bad)
