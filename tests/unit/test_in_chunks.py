"""IN lists are cut into chunks by one helper (`ledger.persistence.database.in_chunks`), for all inputs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.persistence.database import in_chunks


@given(items=st.lists(st.integers(), max_size=50), size=st.integers(min_value=1, max_value=12))
def test_chunks_keep_every_item_in_order_and_none_is_over_the_size(items: list[int], size: int) -> None:
    chunks = [list(chunk) for chunk in in_chunks(items, size)]

    assert [item for chunk in chunks for item in chunk] == items
    assert all(1 <= len(chunk) <= size for chunk in chunks)
    # Only the last chunk may be short.
    assert all(len(chunk) == size for chunk in chunks[:-1])


def test_nothing_gives_no_chunk_not_an_empty_one() -> None:
    # An empty IN list is a query for nothing: the callers must not send one.
    assert list(in_chunks([], 500)) == []


def test_a_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="size"):
        list(in_chunks([1, 2], 0))
