"""The cursor of GET /inspections: every cursor given out matches the documented pattern and reads back whole."""

from __future__ import annotations

import base64
import re
from datetime import date
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.routers.inspection_queries import CURSOR_PATTERN, decode_cursor, encode_cursor
from api.routers.worker_queries import encode_cursor as worker_cursor
from ledger.errors import RuleViolated


@settings(max_examples=300, derandomize=True)
@given(day=st.dates(), ident=st.uuids())
def test_every_cursor_matches_the_pattern_and_reads_back(day: date, ident: UUID) -> None:
    cursor = encode_cursor(day, ident)

    assert re.fullmatch(CURSOR_PATTERN.strip("^$"), cursor)
    assert decode_cursor(cursor) == (day, ident)


@pytest.mark.parametrize(
    "text",
    [
        worker_cursor(UUID(int=1)),  # another list's cursor
        str(UUID(int=1)),
        encode_cursor(date(2026, 6, 10), UUID(int=1)) + "A",
        encode_cursor(date(2026, 6, 10), UUID(int=1))[:-1] + "B",  # bits beyond the 20 bytes
    ],
)
def test_anything_else_is_refused_naming_the_cursor(text: str) -> None:
    with pytest.raises(RuleViolated) as refused:
        decode_cursor(text)

    assert [v.field for v in refused.value.violations] == ["cursor"]


def test_a_cursor_of_the_pattern_whose_day_is_out_of_range_is_refused() -> None:
    # The pattern admits any 4 bytes for the day; an ordinal beyond 9999-12-31 is no day.
    beyond = encode_cursor(date.max, UUID(int=0))
    raw = bytearray(base64.urlsafe_b64decode(beyond + "="))
    raw[15:19] = (2**32 - 1).to_bytes(4, "big")
    mangled = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()

    assert re.fullmatch(CURSOR_PATTERN.strip("^$"), mangled)
    with pytest.raises(RuleViolated):
        decode_cursor(mangled)
