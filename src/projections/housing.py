"""A worker's housing timeline, folded from the housing entries a view keeps — shared by the views.

The rule is the domain's, in one place (`ledger.domain.timeline.housing_timeline`,
which `Worker.housing_timeline()` folds too): this module only reads a view's
rows as moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledger.domain.timeline import Move, Timeline, housing_timeline

# The timeline's value while the worker lives outside the municipality (never a location id: those are
# 32 hex digits). Only the register keeps it: to the residence view, outside is no stay here, as None is.
OUTSIDE = "outside"


def fold_housing(entries: Iterable[Any]) -> Timeline[str | None]:
    """The timeline of rows with `valid_from`, `housing_location_id`, `seq`, `is_departure` (and outside)."""
    return housing_timeline(
        Move(
            row.valid_from,
            row.seq,
            # The residence view's rows have no such column: to it, outside is no stay here.
            OUTSIDE if getattr(row, "outside_municipality", False) else row.housing_location_id,
            departure=row.is_departure,
        )
        for row in entries
    )
