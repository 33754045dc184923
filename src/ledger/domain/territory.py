"""The municipality's territory: a worker who lives outside it (a commuter).

The register supervises the housing of labour migrants in the municipality.
A municipality regulates its own household (Grondwet art. 124, Gemeentewet
art. 108) and its bylaws hold within its territory: a worker who works here
but lives in Hoorn or Opmeer is housed under that municipality's rules, not
this one's. Such a worker's housing is recorded as *outside the
municipality*: known — so the `no_housing` alert, which asks the employer
where its worker lives, does not fire — and no stay here, so it is counted in
no headcount and no occupancy. The other municipality's address is not
recorded: nothing the register does needs it, so it may not be collected (AVG
art. 5(1)(c), data minimisation). Decided in issue 16, §2 (docs/domain-rules.md).
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from ledger.domain.errors import Violations


class Territory(Enum):
    """Where a worker lives when it is at no housing location here."""

    OUTSIDE = "outside_municipality"


OUTSIDE_MUNICIPALITY = Territory.OUTSIDE

# Where a worker lives from a date on: a housing location here, outside the municipality, or not
# known to the ledger (None: not housed here, or departed).
Housing = UUID | Territory | None


def housing_of(housing_location_id: UUID | None, outside_municipality: bool) -> Housing:
    """The value of the housing timeline an event records."""
    return OUTSIDE_MUNICIPALITY if outside_municipality else housing_location_id


def location_of(housing: Housing) -> UUID | None:
    """The housing location here, if the value names one."""
    return housing if isinstance(housing, UUID) else None


def checked_outside(housing_location_id: UUID | None, outside_municipality: bool, field: str, v: Violations) -> None:
    """Outside the municipality is at no housing location here: naming one as well is refused."""
    if outside_municipality and housing_location_id is not None:
        v.add(field, "not_applicable", "must be left out when the worker lives outside the municipality")


def checked_housing_given(
    housing_location_id: UUID | None, valid_from: date | None, outside_municipality: bool, v: Violations
) -> None:
    """A registration's housing: a location here or outside the municipality, from a date; or none at all."""
    checked_outside(housing_location_id, outside_municipality, "housing.housing_location_id", v)
    if (housing_location_id is not None or outside_municipality) and valid_from is None:
        v.add("housing.valid_from", "required", "required when the worker's housing is given")
    if valid_from is not None and housing_location_id is None and not outside_municipality:
        v.add("housing.housing_location_id", "required", "required unless the worker lives outside the municipality")


def upcast_outside_v1_v2(state: dict[str, Any], field: str) -> None:
    """An event stored before housing could be outside the municipality: it never said so."""
    state[field] = False
