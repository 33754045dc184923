"""Free places, how many too many, and utilisation: a headcount read against the permitted maximum (issue 18).

The permitted maximum is the municipality's, else the floor area's at its
kind's norm, else unknown (`housing_location.permitted_maximum`,
docs/occupancy.md). What follows from it here is arithmetic, written once so
that every answer says the same:

- `free_places` is never negative: max(0, maximum - headcount); how many too
  many live there is `over_by`, max(0, headcount - maximum). At most one of
  the two is positive.
- `utilisation` is headcount ÷ maximum (1.0: full), to four decimals; `None`
  for a maximum of 0 (a floor area too small for one person), where nobody may
  live and a ratio means nothing.
- With the maximum unknown, nothing derived from it is known: every member is
  `None`, never 0 (unknown is not "full", as it is not "over": issue 13).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capacity:
    """What a headcount means against the permitted maximum; `None` throughout while the maximum is unknown."""

    over_capacity: bool | None
    over_by: int | None
    free_places: int | None
    utilisation: float | None


UNKNOWN = Capacity(over_capacity=None, over_by=None, free_places=None, utilisation=None)


def capacity(headcount: int, maximum: int | None) -> Capacity:
    """The capacity of a location with `headcount` occupants and the permitted `maximum` (None: unknown)."""
    if maximum is None:
        return UNKNOWN
    return Capacity(
        over_capacity=headcount > maximum,
        over_by=max(0, headcount - maximum),
        free_places=max(0, maximum - headcount),
        utilisation=round(headcount / maximum, 4) if maximum > 0 else None,
    )
