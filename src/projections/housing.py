"""A worker's housing timeline, folded from recorded housing entries — shared by the views.

The rule is the domain's (`Worker.housing_timeline()`): a housing change holds
from its date until the next later one, the later recorded wins on the same
date, only the latest departure counts and ends housing from its date, and a
housing change after the departure is a return.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from ledger.domain.timeline import Timeline

# The timeline's value while the worker lives outside the municipality (never a location id: those are
# 32 hex digits). Only the register keeps it: to the residence view, outside is no stay here, as None is.
OUTSIDE = "outside"


def fold_housing(entries: Iterable[Any]) -> Timeline[str | None]:
    """The timeline of rows with `valid_from`, `housing_location_id`, `seq`, `is_departure` (and outside)."""
    timeline: Timeline[str | None] = Timeline()
    departure: tuple[date, int] | None = None
    for row in entries:
        if row.is_departure:
            if departure is None or row.seq > departure[1]:
                departure = (row.valid_from, row.seq)
        else:
            outside = getattr(row, "outside_municipality", False)  # the residence view's rows have no such column
            timeline.record(row.valid_from, OUTSIDE if outside else row.housing_location_id, row.seq)
    if departure is not None:
        return timeline.with_entry(departure[0], None, departure[1])
    return timeline
