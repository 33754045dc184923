"""The HousingLocation aggregate: a place where workers live.

Its id is derived from the BAG id of the addressable object, so one object is
registered once. The permitted maximum number of occupants is a valid-time
timeline like a worker's housing: a limit holds from its date until the next
later one. An over-full location is never refused: counting is the
projections' job, and refusing would hide the fact enforcement needs.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.domain.errors import Violations
from ledger.domain.timeline import Timeline
from ledger.domain.values import (
    Address,
    HousingKind,
    checked_address,
    checked_bag_id,
    checked_date_in_range,
    checked_enum,
    checked_kvk_number,
    checked_not_too_far_ahead,
    checked_optional_text,
)

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:westland-ledger:housing-location")

# Bounds well beyond any real building, so that a typo (or 2**70) is refused, not stored.
MAX_OCCUPANTS = 10_000
MAX_FLOOR_AREA_M2 = 1_000_000


def housing_location_id_for(bag_id: str) -> UUID:
    """The housing location id that a BAG id always maps to."""
    return uuid5(_NAMESPACE, bag_id)


class HousingLocation(Aggregate):
    """A registered housing location and its permitted occupancy over time."""

    class Registered(Aggregate.Created):
        """A housing location was registered with its BAG address and permitted occupancy."""

        bag_id: str
        address: Address
        kind: str
        max_occupants: int
        floor_area_m2: int | None
        owner_kvk_number: str | None

        def apply(self, location: HousingLocation) -> None:
            location.bag_id = self.bag_id
            location.address = self.address
            location.kind = self.kind
            location.floor_area_m2 = self.floor_area_m2
            location.owner_kvk_number = self.owner_kvk_number
            location.occupancy_limits = Timeline()
            # The registered maximum holds from the beginning of time until changed.
            location.occupancy_limits.record(date.min, self.max_occupants, self.originator_version)

    class OccupancyLimitChanged(Aggregate.Event):
        """The permitted maximum number of occupants changed from a date on."""

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
        occupancy_limits: Timeline[int]

    @classmethod
    def register(
        cls,
        *,
        bag_id: str,
        address: Address,
        kind: str,
        max_occupants: int,
        floor_area_m2: int | None,
        owner_kvk_number: str | None,
    ) -> HousingLocation:
        """Register a housing location; the id follows from the BAG id."""
        v = Violations()
        bag_id = checked_bag_id(bag_id.strip(), "bag_id", v)
        address = checked_address(address, "", v)  # the address fields are the location's own
        checked_enum(kind, HousingKind, "kind", v)
        v.check(1 <= max_occupants <= MAX_OCCUPANTS, "max_occupants", "out_of_range", f"between 1 and {MAX_OCCUPANTS}")
        if floor_area_m2 is not None:
            v.check(
                1 <= floor_area_m2 <= MAX_FLOOR_AREA_M2,
                "floor_area_m2",
                "out_of_range",
                f"between 1 and {MAX_FLOOR_AREA_M2} m²",
            )
        if owner_kvk_number is not None:
            owner_kvk_number = checked_kvk_number(owner_kvk_number.strip(), "owner_kvk_number", v)
        v.raise_if_any()
        return cls._create(
            cls.Registered,
            id=housing_location_id_for(bag_id),
            bag_id=bag_id,
            address=address,
            kind=kind,
            max_occupants=max_occupants,
            floor_area_m2=floor_area_m2,
            owner_kvk_number=owner_kvk_number,
        )

    def change_occupancy_limit(self, max_occupants: int, valid_from: date, reason: str | None, today: date) -> None:
        """Set the permitted maximum from `valid_from` on (a permit, a decision)."""
        v = Violations()
        v.check(1 <= max_occupants <= MAX_OCCUPANTS, "max_occupants", "out_of_range", f"between 1 and {MAX_OCCUPANTS}")
        if checked_date_in_range(valid_from, "valid_from", v):
            checked_not_too_far_ahead(valid_from, today, "valid_from", v)
        reason = checked_optional_text(reason, "reason", v)
        v.raise_if_any()
        self.trigger_event(
            self.OccupancyLimitChanged, max_occupants=max_occupants, valid_from=valid_from, reason=reason
        )

    def max_occupants_on(self, day: date) -> int:
        """The permitted maximum number of occupants on `day`."""
        return self.occupancy_limits.value_on(day, 0)
