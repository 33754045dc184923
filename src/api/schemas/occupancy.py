"""The answers about housing locations: occupancy on a day, residents over a period, headcounts.

Built from the read models' records by `of(…)` constructors, so routes stay a few lines:
personal fields read `null` where the subject's key is gone (`shredded: true`), instants are UTC
with `Z`, ids are UUID strings.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import LOCATION_LABEL, ApiModel, Instant, plain
from ledger.domain.housing_location import LimitBasis
from projections.headcounts import GroupBy, Headcounts
from projections.labels import Labels
from projections.occupancy import Occupancy, Resident
from projections.register_records import WorkerName


class OccupantPublic(ApiModel):
    """A worker living at the location on the day asked."""

    worker_id: UUID
    family_name: str | None = Field(description="`null` once the worker's personal data is erased.")
    given_names: str | None
    since: date = Field(description="First day of the current stay at this location.")
    shredded: bool

    @classmethod
    def of(cls, stay: Resident, name: WorkerName | None) -> OccupantPublic:
        """An occupant from a stay and the worker's name (None: not yet in the register)."""
        family, given, shredded = _names(name)
        return cls(
            worker_id=stay.worker_id, family_name=family, given_names=given, since=stay.valid_from, shredded=shredded
        )


class OccupancyPublic(ApiModel):
    """A housing location on a day, as known at an instant."""

    housing_location_id: UUID
    housing_location_label: str | None = Field(default=None, description=LOCATION_LABEL)
    on: date
    as_known_at: Instant
    headcount: int = Field(description="Everyone living there, whoever employs them.")
    max_occupants: int | None = Field(
        description=(
            "The permitted maximum on `on`: the municipality's limit, else floor(floor area / the floor-area norm"
            " in force that day), else `null`: not assessed (alert `limit_not_assessed`)."
        )
    )
    limit_basis: LimitBasis | None = Field(
        description="Where `maxOccupants` comes from: the municipality, or the floor area and the norm; `null` with it."
    )
    proposed_max_occupants: int | None = Field(
        description=(
            "The number an employer gave at registration: recorded, never counted. `null` when none was"
            " proposed, and for a caller that is an employer."
        )
    )
    over_capacity: bool | None = Field(description="`null` while the permitted maximum is unknown.")
    over_capacity_since: date | None = Field(description="First day of the unbroken over-full run up to `on`.")
    occupants: list[OccupantPublic]

    @classmethod
    def of(
        cls, occupancy: Occupancy, names: dict[UUID, WorkerName], *, show_proposal: bool, label: str | None = None
    ) -> OccupancyPublic:
        """The answer from the occupancy query and the occupants' names; the proposal only if `show_proposal`."""
        return cls(
            housing_location_id=occupancy.housing_location_id,
            housing_location_label=label,
            on=occupancy.on,
            as_known_at=occupancy.as_known_at,
            headcount=occupancy.headcount,
            max_occupants=occupancy.max_occupants,
            limit_basis=occupancy.limit_basis,
            proposed_max_occupants=occupancy.proposed_max_occupants if show_proposal else None,
            over_capacity=occupancy.over_capacity,
            over_capacity_since=occupancy.over_capacity_since,
            occupants=[OccupantPublic.of(s, names.get(s.worker_id)) for s in occupancy.occupants],
        )


class ResidentPublic(ApiModel):
    """A stay at the location that shares at least one day with the period asked."""

    worker_id: UUID
    family_name: str | None
    given_names: str | None
    valid_from: date
    valid_to: date | None = Field(description="Exclusive; `null` while the stay lasts.")
    shredded: bool

    @classmethod
    def of(cls, stay: Resident, name: WorkerName | None) -> ResidentPublic:
        """A resident from a stay and the worker's name (None: not yet in the register)."""
        family, given, shredded = _names(name)
        return cls(
            worker_id=stay.worker_id,
            family_name=family,
            given_names=given,
            valid_from=stay.valid_from,
            valid_to=stay.valid_to,
            shredded=shredded,
        )


class ResidentsPublic(ApiModel):
    """Everyone who lived at a location on any day of a period."""

    housing_location_id: UUID
    housing_location_label: str | None = Field(default=None, description=LOCATION_LABEL)
    as_known_at: Instant
    residents: list[ResidentPublic]

    @classmethod
    def of(
        cls,
        location_id: UUID,
        as_known_at: datetime,
        stays: list[Resident],
        names: dict[UUID, WorkerName],
        label: str | None = None,
    ) -> ResidentsPublic:
        """The answer from the residents query and the residents' names."""
        residents = [ResidentPublic.of(stay, names.get(stay.worker_id)) for stay in stays]
        return cls(
            housing_location_id=location_id, housing_location_label=label, as_known_at=as_known_at, residents=residents
        )


def _names(name: WorkerName | None) -> tuple[str | None, str | None, bool]:
    if name is None:
        return None, None, False
    return plain(name.family_name), plain(name.given_names), name.shredded


# -- headcounts --------------------------------------------------------------------------


class HeadcountGroup(ApiModel):
    """The housed workers of one group."""

    key: str = Field(description="A housing location or employer id, a nationality, or a postcode's four digits.")
    label: str | None = Field(
        default=None, description="The employer's name or the location's address on one line; `null` for the others."
    )
    headcount: int


class HeadcountsPublic(ApiModel):
    """Housed workers per group on a day, as known at an instant."""

    on: date
    as_known_at: Instant
    group_by: GroupBy
    total: int
    groups: list[HeadcountGroup]

    @classmethod
    def of(cls, counts: Headcounts, labels: Labels | None = None) -> HeadcountsPublic:
        """The answer from the headcount query (ids as UUID strings, like everywhere in the API), ids labelled."""
        labels = labels or Labels()
        label = {GroupBy.HOUSING_LOCATION: labels.location, GroupBy.EMPLOYER: labels.employer}.get(counts.group_by)
        return cls(
            on=counts.on,
            as_known_at=counts.as_known_at,
            group_by=counts.group_by,
            total=counts.total,
            groups=[
                HeadcountGroup(key=str(UUID(k)), label=label(UUID(k)), headcount=n)
                if label
                else HeadcountGroup(key=k, headcount=n)
                for k, n in counts.groups.items()
            ],
        )
