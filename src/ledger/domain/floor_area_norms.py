"""Floor-area norms: the least usable floor area a person, per kind of housing location, by date.

A norm is a dated map per kind (`{kind: {date from: m² a person}}`): a norm
holds from its date until the next later one of the same kind, so a
municipality that adopts a stricter norm adds a date. A kind without a norm
derives no limit from its floor area (the limit is then unknown and the
location waits for the municipality's own: `limit_not_assessed`).

Sources of the defaults (docs/occupancy.md):

- **dwelling** — Bouwbesluit 2012 art. 7.18(1): a woonfunctie is not lived in
  by more than one person per 12 m² usable floor area (overbewoning); carried
  into the omgevingsplan by the Omgevingswet's transitional law.
- **caravan_site** — art. 7.18(2): a woonwagen (a dwelling on a standplaats)
  by more than one person per 6 m².
- **short_stay_facility**, **hotel_pension**, **recreational** — lodging
  (logies: short stays, pensions, recreational stays) has no statutory norm;
  the Stichting Normering Flexwonen's certification norm for lodging is 10 m²
  a person (12 m² for regular dwellings). The SNF announced changes for 2025:
  a municipality that adopts them adds a dated norm.
- **other** — 12 m², the dwelling's norm: a place that is none of the above
  is held to the statutory norm for living.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ledger.domain.values import HousingKind

# A kind -> its norms, by the date each applies from (m² a person).
FloorAreaNorms = Mapping[str, Mapping[date, float]]

# The defaults hold from the ledger's earliest date.
_ALWAYS = date(1900, 1, 1)

DEFAULT_FLOOR_AREA_NORMS_M2: dict[str, dict[date, float]] = {
    HousingKind.DWELLING.value: {_ALWAYS: 12.0},  # Bouwbesluit 2012 art. 7.18(1)
    HousingKind.CARAVAN_SITE.value: {_ALWAYS: 6.0},  # Bouwbesluit 2012 art. 7.18(2): a woonwagen
    HousingKind.SHORT_STAY_FACILITY.value: {_ALWAYS: 10.0},  # no statutory norm: SNF, lodging
    HousingKind.HOTEL_PENSION.value: {_ALWAYS: 10.0},  # no statutory norm: SNF, lodging
    HousingKind.RECREATIONAL.value: {_ALWAYS: 10.0},  # recreational stays are lodging: SNF
    HousingKind.OTHER.value: {_ALWAYS: 12.0},  # the statutory norm for living
}


def norms_for_kind(norms: FloorAreaNorms, kind: str) -> Mapping[date, float]:
    """The dated norms of one kind of location; empty when the kind has none (no limit is derived)."""
    return norms.get(kind, {})


def floor_area_norm_on(norms: Mapping[date, float], day: date) -> float | None:
    """The minimum floor area per person (m²) in force on `day`: the norm of the latest date on or before it."""
    in_force = [start for start in norms if start <= day]
    return norms[max(in_force)] if in_force else None
