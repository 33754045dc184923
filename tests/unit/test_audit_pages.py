"""The fast page check reads SQLite's rows into exactly the canonical bytes the recorders link.

Verification checks a page in C-level maps over the columns as SQLite returns
them, and falls back to the row-by-row merge when a page does not hold. A page
must hold only where `canonical_bytes` would agree: any spelling the fast form
reads differently must fail it, not pass.
"""

from __future__ import annotations

import uuid
from typing import Any

from ledger.audit.chain import GENESIS, next_link
from ledger.audit.scan import _links_hold, _sqlite_page

TOPIC = "ledger.domain.worker:Worker.Registered"


def _rows(*records: tuple[int, str, int, str, bytes]) -> tuple[list[Any], list[Any]]:
    link, linked = GENESIS, []
    for position, identity, version, topic, state in records:
        link = next_link(link, position, identity, version, topic, state)
        linked.append((position, link))
    return list(records), linked


def _holds(events: list[Any], linked: list[Any]) -> bool:
    links, parts, complete = _sqlite_page(events, linked)
    return complete and _links_hold(GENESIS, links, parts)


def test_a_page_as_the_recorder_wrote_it_holds() -> None:
    events, linked = _rows(
        (1, uuid.uuid4().hex, 1, TOPIC, b'{"a": 1}'),
        (2, uuid.uuid4().hex.upper(), -3, "ledger.domain.wörker:Wörker.Registered", b""),
        (5, uuid.uuid4().hex, 2**40, TOPIC, bytes(range(256)) * 4),
    )
    assert _holds(events, linked)


def test_a_changed_state_fails_the_page() -> None:
    events, linked = _rows((1, uuid.uuid4().hex, 1, TOPIC, b"{}"), (2, uuid.uuid4().hex, 1, TOPIC, b"{}"))
    events[1] = (*events[1][:4], b"[]")
    assert not _holds(events, linked)


def test_a_link_without_its_event_or_an_event_without_its_link_fails_the_page() -> None:
    events, linked = _rows((1, uuid.uuid4().hex, 1, TOPIC, b"{}"), (2, uuid.uuid4().hex, 1, TOPIC, b"{}"))
    assert not _holds(events[:1], linked)
    assert not _holds(events, linked[:1])


def test_an_id_spelled_otherwise_is_left_to_the_row_by_row_check() -> None:
    identity = uuid.uuid4()
    events, linked = _rows((1, identity.hex, 1, TOPIC, b"{}"))
    for spelling in (str(identity), identity.hex[:30] + "  ", identity.hex.encode(), None):
        assert not _holds([(1, spelling, 1, TOPIC, b"{}")], linked), spelling
    assert _holds(events, linked)


def test_values_of_the_wrong_type_fail_the_page_instead_of_raising() -> None:
    identity = uuid.uuid4().hex
    _, linked = _rows((1, identity, 1, TOPIC, b"{}"))
    for record in ((1, identity, "1", TOPIC, b"{}"), (1, identity, 1, None, b"{}"), (1, identity, 1, TOPIC, "{}")):
        assert not _holds([record], linked), record


def test_an_empty_page_holds() -> None:
    # Positions where every transaction rolled back: nothing to check, nothing to redo row by row.
    assert _holds([], [])
