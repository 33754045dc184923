"""The answers of the employers' and housing locations' reads (issue 18): lists, one of each, and labels.

Built from the directory queries' records by `of(…)` constructors. Labels are
what a person reads beside an id: an employer's name, a location's address on
one line (`projections.labels`).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from api.schemas.common import ApiModel, Instant
from api.schemas.register import AddressPublic
from ledger.domain.housing_location import LimitBasis
from projections.alert_rules import AlertKind
from projections.employer_queries import EmployerRecord, EmployerSummary
from projections.location_queries import InspectionFacts, LimitSet, LocationRecord

LABEL = "The location's address on one line, as a person reads it (`Kerkstraat 12A-2, 1671 AB Medemblik`)."


class HousingLocationLabel(ApiModel):
    """A housing location and its address on one line."""

    id: UUID
    label: str | None = Field(description=LABEL)


class WorkerCounts(ApiModel):
    """An employer's workers: active on `on`, and every one it registered, as the register knows them now."""

    active: int
    total: int


class EmployerListItem(ApiModel):
    """An employer of the list: as registered, and its workers' counts on `on`.

    Not the locations housing its workers: a large employer houses thousands,
    and every page of the list would carry them. They are on the employer
    (`GET /employers/{id}`) and, a page at a time, at `GET
    /housing-locations?employerId=`.
    """

    id: UUID
    kvk_number: str = Field(examples=["34781256"])
    name: str = Field(description="The trade name, as registered.", examples=["Flexwerk West-Friesland B.V."])
    registered_at: Instant
    on: date
    as_known_at: Instant
    workers: WorkerCounts

    @classmethod
    def of(cls, record: EmployerSummary, *, on: date, as_known_at: datetime) -> EmployerListItem:
        """From the employers query."""
        return EmployerListItem(  # not `cls`: a subclass adds fields this does not fill
            id=record.id,
            kvk_number=record.kvk_number,
            name=record.name,
            registered_at=record.registered_at,
            on=on,
            as_known_at=as_known_at,
            workers=WorkerCounts(active=record.active_workers, total=record.total_workers),
        )


class EmployerPublic(EmployerListItem):
    """An employer as registered, its workers and where they live on `on`, as known at `asKnownAt`."""

    housing_locations: list[HousingLocationLabel] = Field(
        description="The locations housing its workers on `on`, as known at `asKnownAt`, in id order, all of them: "
        "a page at a time, with their counts, at `GET /housing-locations?employerId=`."
    )

    @classmethod
    def with_homes(cls, record: EmployerRecord, *, on: date, as_known_at: datetime) -> EmployerPublic:
        """From the employer query: the employer with the locations housing its workers."""
        item = EmployerListItem.of(record, on=on, as_known_at=as_known_at)
        return cls(
            **dict(item),
            housing_locations=[HousingLocationLabel(id=h.id, label=h.label) for h in record.housing_locations],
        )


class EmployersPage(ApiModel):
    """A page of employers in id order."""

    items: list[EmployerListItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; `null` on the last page.")


class OccupancyLimitPublic(ApiModel):
    """A permitted maximum the municipality set: from when it holds, when the ledger recorded it, and why."""

    max_occupants: int
    valid_from: date | None = Field(description="`null`: given at registration, so it holds from the beginning.")
    recorded_at: Instant
    reason: str | None

    @classmethod
    def of(cls, limit: LimitSet) -> OccupancyLimitPublic:
        """From the query's limit."""
        return cls(
            max_occupants=limit.max_occupants,
            valid_from=limit.valid_from,
            recorded_at=limit.recorded_at,
            reason=limit.reason,
        )


class LocationAlertPublic(ApiModel):
    """An alert about the location in force on `on` (docs/alerts.md)."""

    kind: AlertKind
    since: date
    detail: str


class LastInspection(ApiModel):
    """The location's last inspection on or before `on`, as recorded by `asKnownAt` (its plain facts)."""

    inspection_id: UUID
    inspected_on: date
    occupants_found: int
    outcome: str

    @classmethod
    def of(cls, inspection: InspectionFacts) -> LastInspection:
        """From the query's inspection."""
        return cls(
            inspection_id=inspection.id,
            inspected_on=inspection.inspected_on,
            occupants_found=inspection.occupants_found,
            outcome=inspection.outcome,
        )


class HousingLocationPublic(ApiModel):
    """A housing location as registered, and on `on` as known at `asKnownAt`: its limit, occupants and alerts.

    For a caller that is an employer: `headcount` counts its own workers;
    `overCapacity`, `overBy`, `freePlaces`, `utilisation`, `openAlerts`,
    `lastInspection` and `proposedMaxOccupants`, which depend on everyone's
    workers or are the municipality's, are `null` (or empty).
    """

    id: UUID
    bag_id: str
    label: str = Field(description=LABEL)
    address: AddressPublic
    kind: str
    floor_area_m2: int | None
    owner_kvk_number: str | None
    registered_at: Instant
    on: date
    as_known_at: Instant
    max_occupants: int | None = Field(
        description="The permitted maximum on `on` (the municipality's, else from the floor area and its kind's "
        "norm); `null`: not assessed."
    )
    limit_basis: LimitBasis | None
    proposed_max_occupants: int | None = Field(description="An employer's number at registration, never counted.")
    limits: list[OccupancyLimitPublic] = Field(description="Every limit the municipality set, in recorded order.")
    headcount: int = Field(description="Living there on `on`.")
    over_capacity: bool | None = Field(description="`null` while the permitted maximum is unknown.")
    over_by: int | None = Field(description="How many live there beyond the maximum (0 when not over).")
    free_places: int | None = Field(description="Never negative: 0 when full or over (see `overBy`).")
    utilisation: float | None = Field(
        description="`headcount` ÷ `maxOccupants` (1.0: full), to four decimals; `null` with the maximum unknown or 0."
    )
    open_alerts: list[LocationAlertPublic]
    last_inspection: LastInspection | None

    @classmethod
    def of(cls, record: LocationRecord, *, on: date, as_known_at: datetime) -> HousingLocationPublic:
        """From the locations query."""
        room = record.capacity
        return cls(
            id=record.id,
            bag_id=record.bag_id,
            label=record.label,
            address=AddressPublic.of(record.address),
            kind=record.kind,
            floor_area_m2=record.floor_area_m2,
            owner_kvk_number=record.owner_kvk_number,
            registered_at=record.registered_at,
            on=on,
            as_known_at=as_known_at,
            max_occupants=record.max_occupants,
            limit_basis=record.limit_basis,
            proposed_max_occupants=record.proposed_max_occupants,
            limits=[OccupancyLimitPublic.of(limit) for limit in record.limits],
            headcount=record.headcount,
            over_capacity=room.over_capacity,
            over_by=room.over_by,
            free_places=room.free_places,
            utilisation=room.utilisation,
            open_alerts=[LocationAlertPublic(kind=a.kind, since=a.since, detail=a.detail) for a in record.alerts],
            last_inspection=LastInspection.of(record.last_inspection) if record.last_inspection else None,
        )


class HousingLocationsPage(ApiModel):
    """A page of housing locations in id order."""

    items: list[HousingLocationPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; `null` on the last page.")
