"""Text as a view stores it: whatever an event holds, made storable on both backends.

Events are immutable, and the log may hold text that the text rule
(`ledger.domain.text`) refuses today: a NUL, which the event store took
before the rule existed but PostgreSQL's text columns do not (the view
stopped at that event for good, and a rebuild stopped there again), or a lone
surrogate, which no UTF-8 column or encoder takes (another writer's JSON may
carry one escaped). Every text a projection copies from an event into a
column, or seals into one, goes through `storable`: each such code point
becomes U+FFFD REPLACEMENT CHARACTER, Unicode's character for a value that
cannot be shown, and a value longer than its column is cut to the column's
length (PostgreSQL refuses it too). Text the domain accepts is stored as it is.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Column

REPLACEMENT = "\ufffd"
# NUL, and the surrogate code points: in a Python string every one of them is a lone surrogate.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: str, column: Column[Any] | None = None) -> str:
    """`value` as a view can store it (in `column`, when given: within its length)."""
    text = _UNSTORABLE.sub(REPLACEMENT, value)
    length = None if column is None else getattr(column.type, "length", None)
    return text[:length] if length is not None else text
