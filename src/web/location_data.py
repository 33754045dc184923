"""What the location page shows, read as the API's routes read it, and logged as they log it (docs/web.md § Locaties).

- the location, its limits' history, headcount and maximum: `projections.location_queries.location`
  (as `GET /housing-locations/{id}`; no person named, no log line);
- who lives there on the day: `projections.occupancy.occupancy` with the register's names (as `GET
  …/occupancy`: a `housing_supervision` read line per occupant);
- who lived there in the period, and the timeline drawn from it: `projections.occupancy.residents` (as `GET
  …/residents`: a line per resident);
- its inspections and their sanctions: the inspections view (as `GET /inspections?housingLocationId=`: coded
  facts, no notes, no log line);
- its alerts: `projections.alerts.alert_page` (as `GET /alerts?housingLocationId=`: on the day as known at the
  instant; a line per worker an alert is about).

The counts at the top of the page (`LocationCounts`: headcount, maximum, free places, over capacity, open alerts)
are its live block (`web.live`): the fragment reads them alone (`location_counts`), names no one and writes no line.

The answers are the API's own response models, built by the same `of`, so the page and the API cannot
disagree on what a name, a limit or a sanction is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from dateutil.relativedelta import relativedelta

from api.deps import Processing
from api.parameters import Moment
from api.routers.alerts import about_people
from api.schemas.alerts import AlertPublic
from api.schemas.directory import HousingLocationPublic
from api.schemas.inspection_queries import InspectionSummary
from api.schemas.occupancy import OccupancyPublic, ResidentPublic, ResidentsPublic
from api.services import Services
from ledger.audit.processing_log import Activity, Operation
from projections.alert_spans import Alert
from projections.alert_summary import alert_counts
from projections.alerts import AlertQuery, alert_page
from projections.inspection_queries import InspectionFilter
from projections.inspections import InspectionsView
from projections.labels import read_labels
from projections.location_queries import Asked, LocationRecord, location
from projections.occupancy import Occupancy, occupancy, residents

# The inspections shown on the page (the latest; the Inspecties page lists them all).
INSPECTIONS = 50
# The inspections view's largest page.
_VIEW_PAGE = 1000
# A timeline in days up to this many days, in months beyond.
DAYS_AT_MOST = 31


@dataclass(frozen=True)
class Column:
    """A column of the timeline: a day or a month, the days [first, last] of it inside the period."""

    first: date
    last: date
    by_month: bool

    @property
    def key(self) -> str:
        """`YYYY-MM` or `YYYY-MM-DD`: what the column's cells are marked with."""
        return self.first.strftime("%Y-%m") if self.by_month else self.first.isoformat()


@dataclass(frozen=True)
class TimelineRow:
    """A resident over the period: whether they lived there on any day of each column."""

    resident: ResidentPublic
    present: tuple[bool, ...]


@dataclass(frozen=True)
class Timeline:
    """Residents over a period, a row each, a column a day or a month: drawn on the server, as a table."""

    first: date
    last: date
    columns: tuple[Column, ...]
    rows: tuple[TimelineRow, ...]


@dataclass(frozen=True)
class LocationCounts:
    """A location's counts on a day as known at an instant: its live block, no names (`web.live`)."""

    headcount: int
    max_occupants: int | None
    free_places: int | None  # as the API's `freePlaces`: never negative, None with the maximum unknown
    over_capacity: bool | None
    over_capacity_since: date | None
    open_alerts: int  # on the day as known at the instant (as `GET /alerts?housingLocationId=`)

    @classmethod
    def of(cls, shown: HousingLocationPublic, found: Occupancy, open_alerts: int) -> LocationCounts:
        """The counts from the API's answer about the location and the occupancy query (its ids, never names)."""
        return cls(
            headcount=found.headcount,
            max_occupants=found.max_occupants,
            free_places=shown.free_places,
            over_capacity=found.over_capacity,
            over_capacity_since=found.over_capacity_since,
            open_alerts=open_alerts,
        )


@dataclass(frozen=True)
class LocationPage:
    """Everything the location page shows for one moment and one period."""

    location: HousingLocationPublic
    counts: LocationCounts
    occupancy: OccupancyPublic
    residents: ResidentsPublic
    timeline: Timeline
    inspections: list[InspectionSummary]
    alerts: list[AlertPublic]


def default_period(on: date) -> tuple[date, date]:
    """The period a timeline shows unless asked otherwise: the three calendar months up to `on`."""
    return on.replace(day=1) - relativedelta(months=2), on


def columns(first: date, last: date) -> tuple[Column, ...]:
    """The period cut into days (up to `DAYS_AT_MOST` of them) or else calendar months, clipped to the period."""
    if (last - first).days < DAYS_AT_MOST:
        return tuple(Column(first + timedelta(d), first + timedelta(d), False) for d in range((last - first).days + 1))
    found: list[Column] = []
    start = first
    while start <= last:
        month_end = start.replace(day=1) + relativedelta(months=1) - timedelta(days=1)
        found.append(Column(start, min(month_end, last), True))
        start = month_end + timedelta(days=1)
    return tuple(found)


def timeline(first: date, last: date, stays: list[ResidentPublic]) -> Timeline:
    """Each resident's presence per column: a stay [validFrom, validTo) that shares a day with the column."""
    cut = columns(first, last)

    def present(stay: ResidentPublic, column: Column) -> bool:
        return stay.valid_from <= column.last and (stay.valid_to is None or stay.valid_to > column.first)

    ordered = sorted(stays, key=lambda s: (s.valid_from, s.family_name or "", str(s.worker_id)))
    rows = tuple(TimelineRow(stay, tuple(present(stay, column) for column in cut)) for stay in ordered)
    return Timeline(first, last, cut, rows)


def _registered(
    services: Services, location_id: UUID, moment: Moment
) -> tuple[LocationRecord | None, Occupancy | None]:
    """The location's record and its occupancy at the moment (either None when not registered as of the instant)."""
    engine, settings = services.ledger.database.engine, services.settings
    record = location(engine, location_id, Asked(moment.on, moment.as_known_at, settings))
    found = occupancy(
        engine,
        location_id,
        on=moment.on,
        as_known_at=moment.as_known_at,
        norms=settings.floor_area_norms_m2,
        employer_id=None,
    )
    return record, found


def location_page(
    services: Services, location_id: UUID, moment: Moment, period: tuple[date, date], processing: Processing
) -> LocationPage | None:
    """The page's data, or None when the location was not registered as of the moment's instant."""
    engine = services.ledger.database.engine
    record, found = _registered(services, location_id, moment)
    if record is None or found is None:
        return None
    occupant_ids = [stay.worker_id for stay in found.occupants]
    processing.record(Activity.HOUSING_SUPERVISION, Operation.READ, *occupant_ids)
    shown = OccupancyPublic.of(found, services.register.names(occupant_ids), show_proposal=True, label=record.label)

    stays = (
        residents(
            engine, location_id, first=period[0], last=period[1], as_known_at=moment.as_known_at, employer_id=None
        )
        or []
    )
    resident_ids = [stay.worker_id for stay in stays]
    processing.record(Activity.HOUSING_SUPERVISION, Operation.READ, *resident_ids)
    lived = ResidentsPublic.of(location_id, moment.as_known_at, stays, services.register.names(resident_ids))

    public = HousingLocationPublic.of(record, on=moment.on, as_known_at=moment.as_known_at)
    open_alerts = _alerts(services, location_id, moment, processing)
    return LocationPage(
        location=public,
        counts=LocationCounts.of(public, found, len(open_alerts)),
        occupancy=shown,
        residents=lived,
        timeline=timeline(period[0], period[1], lived.residents),
        inspections=_inspections(services, location_id, moment),
        alerts=open_alerts,
    )


def location_counts(services: Services, location_id: UUID, moment: Moment) -> LocationCounts | None:
    """The location's counts alone (the live block's fragment); None when it was not registered as of the instant.

    The occupants are counted by the occupancy query, whose answer carries ids
    only: no name is looked up, so nothing is shown or logged about anyone.
    """
    engine, settings = services.ledger.database.engine, services.settings
    record, found = _registered(services, location_id, moment)
    if record is None or found is None:
        return None
    asked = AlertQuery(moment.on, moment.as_known_at, housing_location_id=location_id)
    open_alerts = sum(alert_counts(engine, services.ledger.keys, settings, asked).values())
    public = HousingLocationPublic.of(record, on=moment.on, as_known_at=moment.as_known_at)
    return LocationCounts.of(public, found, open_alerts)


def _inspections(services: Services, location_id: UUID, moment: Moment) -> list[InspectionSummary]:
    view: InspectionsView = services.view(InspectionsView)
    where = InspectionFilter(housing_location_id=location_id)
    # The view pages oldest first; the page keeps the latest (a location has a handful: one page, as a rule).
    found = view.inspections(where, as_known_at=moment.as_known_at, limit=_VIEW_PAGE)
    while len(found) % _VIEW_PAGE == 0 and found:
        more = view.inspections(
            where, as_known_at=moment.as_known_at, limit=_VIEW_PAGE, after=(found[-1].inspected_on, found[-1].id)
        )
        if not more:
            break
        found = [*found[-INSPECTIONS:], *more]
    found = found[-INSPECTIONS:]
    labels = read_labels(
        services.ledger.database.engine,
        employers=(s.employer_id for r in found for s in r.sanctions),
        locations=[location_id],
    )
    return [InspectionSummary.of(r, labels) for r in reversed(found)]  # the latest first


def _alerts(services: Services, location_id: UUID, moment: Moment, processing: Processing) -> list[AlertPublic]:
    """The location's alerts and its residents' on the day as known at the instant, in the API's order."""
    engine = services.ledger.database.engine
    asked = AlertQuery(moment.on, moment.as_known_at, housing_location_id=location_id)
    found: list[Alert] = []
    while True:
        after = (found[-1].kind, found[-1].subject_id) if found else None
        page = alert_page(engine, services.ledger.keys, services.settings, asked, limit=_VIEW_PAGE, after=after)
        found += page
        if len(page) < _VIEW_PAGE:
            break
    processing.record(Activity.HOUSING_SUPERVISION, Operation.READ, *about_people(found))
    labels = read_labels(engine, employers=[a.employer_id for a in found], locations=[location_id])
    return [AlertPublic.of(alert, labels) for alert in found]
