"""What a view holds, in a form two builds of it can be compared by."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ledger.crypto.sealing import SEALED_PREFIX
from projections.view import View

# Surrogate keys number rows in insertion order, which a replay need not repeat.
SURROGATE_COLUMNS = frozenset({"row_id"})

# A sealed value is sealed afresh (random nonce) by every build, so two builds
# are compared on whether a value is sealed there, not on its ciphertext.
SEALED = "<sealed>"


def view_rows(view: View) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of `view`, surrogate keys left out, sealed values masked, sorted."""
    contents: dict[str, list[tuple[Any, ...]]] = {}
    with view.engine.connect() as conn:
        for table in view.tables:
            columns = [c for c in table.columns if c.name not in SURROGATE_COLUMNS]
            rows = [tuple(_masked(value) for value in row) for row in conn.execute(select(*columns))]
            contents[table.name] = sorted(rows, key=repr)
    return contents


def _masked(value: Any) -> Any:
    return SEALED if isinstance(value, str) and value.startswith(SEALED_PREFIX) else value
