"""The HousingLocation aggregate: a place where workers live.

Its id is derived from the BAG id of the addressable object, so one object is
registered once. The permitted maximum number of occupants is a valid-time
timeline like a worker's housing: a limit holds from its date until the next
later one. An over-full location is never refused: counting is the
projections' job, and refusing would hide the fact enforcement needs.

The permitted maximum is the municipality's (its decision in issue 13, recorded
2026-12-06; docs/occupancy.md). A number a municipal role gives is the limit; an
employer's is recorded as proposed and never counted. Where the municipality
has set no limit, the limit in force on a day is floor(floor area / the
floor-area norm of the location's kind in force that day) — Bouwbesluit 2012
art. 7.18: 12 m² a person in a dwelling, 6 m² in a woonwagen; lodging takes
the SNF's 10 m² (`ledger.domain.floor_area_norms`) — and without a floor area,
or for a kind without a norm, it is unknown (`permitted_maximum`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.domain.checks import (
    checked_address,
    checked_bag_id,
    checked_date_in_range,
    checked_enum,
    checked_kvk_number,
    checked_not_too_far_ahead,
    checked_optional_text,
)
from ledger.domain.employer import employer_id_for
from ledger.domain.errors import Violations
from ledger.domain.floor_area_norms import FloorAreaNorms, floor_area_norm_on, norms_for_kind
from ledger.domain.timeline import Timeline
from ledger.domain.values import Address, HousingKind

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:westland-ledger:housing-location")

# Bounds well beyond any real building, so that a typo (or 2**70) is refused, not stored.
MAX_OCCUPANTS = 10_000
MAX_FLOOR_AREA_M2 = 1_000_000


def housing_location_id_for(bag_id: str) -> UUID:
    """The housing location id that a BAG id always maps to."""
    return uuid5(_NAMESPACE, bag_id)


@dataclass(frozen=True)
class Registrant:
    """Who registers a housing location: the municipality (its staff and tools) or one employer.

    It decides what the number given at registration is: the municipality's
    limit, or an employer's proposal; and whom an employer may name as owner.
    """

    municipal: bool
    employer_id: UUID | None = None  # the employer a non-municipal registrant acts for


# The registrant of every path but an employer's request: the registrar, an admin, the CLI, the demo.
MUNICIPALITY = Registrant(municipal=True)


class LimitBasis(StrEnum):
    """Where the permitted maximum in force on a day comes from."""

    MUNICIPALITY = "municipality"  # set by a municipal role (at registration, or a later change)
    FLOOR_AREA_NORM = "floor_area_norm"  # floor(floor area / the norm in force that day)


def permitted_maximum(
    limit: int | None, floor_area_m2: int | None, norm_m2: float | None
) -> tuple[int | None, LimitBasis | None]:
    """The permitted maximum and its basis: the municipality's limit, else floor(area / norm), else unknown.

    An employer's proposed number never enters: it is not the municipality's.
    """
    if limit is not None:
        return limit, LimitBasis.MUNICIPALITY
    if floor_area_m2 is None or norm_m2 is None or norm_m2 <= 0:
        return None, None
    # Exact arithmetic: 30 m² at 7.5 m² a person is 4 people, not 3.9999…
    return math.floor(Fraction(floor_area_m2) / Fraction(str(norm_m2))), LimitBasis.FLOOR_AREA_NORM


class HousingLocation(Aggregate):
    """A registered housing location and its permitted occupancy over time."""

    class Registered(Aggregate.Created):
        """A housing location was registered with its BAG address and, if a municipal role gave one, its limit.

        `max_occupants` is the municipality's permitted maximum (None: it set
        none); `proposed_max_occupants` is the number an employer gave,
        recorded and never counted; `proposed_by` the employer that registered
        it (None: the municipality), whose list of locations shows it (issue
        18). Version 1 had only `max_occupants`; version 2 no `proposed_by`.
        """

        class_version = 3

        bag_id: str
        address: Address
        kind: str
        max_occupants: int | None
        proposed_max_occupants: int | None
        floor_area_m2: int | None
        owner_kvk_number: str | None
        proposed_by: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Read a version 1 event: its maximum counts as the municipality's, nothing was proposed.

            The municipality decided so for the events stored before the change
            (issue 13). Only the read is changed: the stored bytes, which the
            audit chain hashed, stay as they were.
            """
            state["proposed_max_occupants"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """Read a version 2 event: who registered it was not recorded, so no employer proposed it.

            An employer's location registered before issue 18 is then in its
            list only while it houses its workers.
            """
            state["proposed_by"] = None

        def apply(self, location: HousingLocation) -> None:
            location.bag_id = self.bag_id
            location.address = self.address
            location.kind = self.kind
            location.floor_area_m2 = self.floor_area_m2
            location.owner_kvk_number = self.owner_kvk_number
            location.proposed_max_occupants = self.proposed_max_occupants
            location.occupancy_limits = Timeline()
            # The municipality's maximum (or its absence) holds from the beginning of time until changed.
            location.occupancy_limits.record(date.min, self.max_occupants, self.originator_version)

    class OccupancyLimitChanged(Aggregate.Event):
        """The municipality set the permitted maximum number of occupants from a date on.

        Only municipal roles change limits (`…/occupancy-limits` is the
        registrar's and the admin's), so this is always the municipality's number.
        """

        max_occupants: int
        valid_from: date
        reason: str | None

        def apply(self, location: HousingLocation) -> None:
            location.occupancy_limits.record(self.valid_from, self.max_occupants, self.originator_version)

    if TYPE_CHECKING:
        bag_id: str
        address: Address
        kind: str
        floor_area_m2: int | None
        owner_kvk_number: str | None
        proposed_max_occupants: int | None
        occupancy_limits: Timeline[int | None]

    @classmethod
    def register(
        cls,
        *,
        bag_id: str,
        address: Address,
        kind: str,
        max_occupants: int | None,
        floor_area_m2: int | None,
        owner_kvk_number: str | None,
        registrant: Registrant = MUNICIPALITY,
    ) -> HousingLocation:
        """Register a housing location; the id follows from the BAG id.

        A municipal registrant's `max_occupants` is the permitted maximum; an
        employer's is recorded as proposed. An employer may name only itself
        as the owner (or nobody); the municipality may name any owner.
        """
        v = Violations()
        bag_id = checked_bag_id(bag_id.strip(), "bag_id", v)
        address = checked_address(address, "", v)  # the address fields are the location's own
        checked_enum(kind, HousingKind, "kind", v)
        if max_occupants is not None:
            # A proposal is held to the same bounds: a typo is refused, not kept.
            v.check(
                1 <= max_occupants <= MAX_OCCUPANTS, "max_occupants", "out_of_range", f"between 1 and {MAX_OCCUPANTS}"
            )
        if floor_area_m2 is not None:
            v.check(
                1 <= floor_area_m2 <= MAX_FLOOR_AREA_M2,
                "floor_area_m2",
                "out_of_range",
                f"between 1 and {MAX_FLOOR_AREA_M2} m²",
            )
        if owner_kvk_number is not None:
            owner_kvk_number = checked_kvk_number(owner_kvk_number.strip(), "owner_kvk_number", v)
            if not registrant.municipal and not v.has("owner_kvk_number"):
                # An employer would otherwise put another company's name on the location (and its sanctions).
                v.check(
                    employer_id_for(owner_kvk_number) == registrant.employer_id,
                    "owner_kvk_number",
                    "not_own_kvk_number",
                    "an employer may name only its own KvK number as the owner, or none",
                )
        v.raise_if_any()
        limit, proposed = (max_occupants, None) if registrant.municipal else (None, max_occupants)
        return cls._create(
            cls.Registered,
            id=housing_location_id_for(bag_id),
            bag_id=bag_id,
            address=address,
            kind=kind,
            max_occupants=limit,
            proposed_max_occupants=proposed,
            floor_area_m2=floor_area_m2,
            owner_kvk_number=owner_kvk_number,
            proposed_by=None if registrant.municipal else registrant.employer_id,
        )

    def change_occupancy_limit(self, max_occupants: int, valid_from: date, reason: str | None, today: date) -> None:
        """Set the municipality's permitted maximum from `valid_from` on (a permit, a decision)."""
        v = Violations()
        v.check(1 <= max_occupants <= MAX_OCCUPANTS, "max_occupants", "out_of_range", f"between 1 and {MAX_OCCUPANTS}")
        if checked_date_in_range(valid_from, "valid_from", v):
            checked_not_too_far_ahead(valid_from, today, "valid_from", v)
        reason = checked_optional_text(reason, "reason", v)
        v.raise_if_any()
        self.trigger_event(
            self.OccupancyLimitChanged, max_occupants=max_occupants, valid_from=valid_from, reason=reason
        )

    def max_occupants_on(self, day: date) -> int | None:
        """The municipality's permitted maximum on `day` (None: it has set none for that day)."""
        return self.occupancy_limits.value_on(day, None)

    def permitted_maximum_on(self, day: date, norms: FloorAreaNorms) -> int | None:
        """The maximum in force on `day`: the municipality's, else from the floor area and its kind's norm, else None.

        The kind is fixed at registration, so the norm is that kind's of the day.
        """
        norm = floor_area_norm_on(norms_for_kind(norms, self.kind), day)
        limit, _ = permitted_maximum(self.max_occupants_on(day), self.floor_area_m2, norm)
        return limit
