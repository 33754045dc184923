"""The overview's figures, from the queries the API's routes read (docs/web.md § Overzicht).

Each figure is the answer the API gives to the same question, read from the
same query function (the tests compare them):

- housed workers: `projections.headcounts` (as `GET /headcounts`), on the day
  as known at the instant; the same for the first day of each of the last 12
  months (the chart). The period headcounts of the reports (issue 19's
  previous issue) will replace the 12 calls when they land;
- locations, over capacity, permitted places and places taken, and the
  locations that need attention: `projections.location_queries` (as `GET
  /housing-locations`), on the day as known at the instant;
- registered workers (active today) and open alerts: the register and the
  alerts are of today as known now (as `GET /workers?status=active` and `GET
  /alerts`; neither answers for another moment), and the page says so when it
  travels in time.

No figure names a person: the overview writes no processing-log line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from api.parameters import Moment
from api.services import Services
from ledger.persistence.database import reading
from projections.alerts import alerts
from projections.headcounts import GroupBy, headcounts
from projections.location_queries import Asked, LocationFilter, LocationRecord, locations
from projections.register_queries import register_select
from projections.register_records import WorkerStatus

MONTHS = 12
ATTENTION = 10
_PAGE = 500


@dataclass(frozen=True)
class OverviewFigures:
    """What the overview shows for one moment."""

    moment: Moment
    workers_registered: int
    workers_housed: int
    locations: int
    locations_over_capacity: int
    places_permitted: int
    places_taken: int
    alerts: dict[str, int]
    months: list[tuple[date, int]]
    attention: list[LocationRecord]

    @property
    def utilisation(self) -> float | None:
        """Places taken ÷ places permitted, at the locations whose maximum is known; None without any."""
        return self.places_taken / self.places_permitted if self.places_permitted else None


def month_starts(on: date, count: int = MONTHS) -> list[date]:
    """The first days of the `count` months up to and including `on`'s month, oldest first."""
    first = on.replace(day=1)
    return [first - relativedelta(months=back) for back in range(count - 1, -1, -1)]


def monthly_headcounts(services: Services, moment: Moment) -> list[tuple[date, int]]:
    """Housed workers on the first day of each of the last 12 months, as known at the moment's instant."""
    engine = services.ledger.database.engine
    return [
        (day, headcounts(engine, group_by=GroupBy.HOUSING_LOCATION, on=day, as_known_at=moment.as_known_at).total)
        for day in month_starts(moment.on)
    ]


def _all_locations(services: Services, moment: Moment) -> list[LocationRecord]:
    asked = Asked(moment.on, moment.as_known_at, services.settings)
    found: list[LocationRecord] = []
    while True:
        page = locations(
            services.ledger.database.engine, asked, LocationFilter(), limit=_PAGE, after=found[-1].id if found else None
        )
        found += page
        if len(page) < _PAGE:
            return found


def _needs_attention(record: LocationRecord) -> tuple[int, float, str]:
    """Over-full first (most too many first), then the fullest; a location without a known maximum last."""
    over_by = record.capacity.over_by or 0
    return (-over_by, -(record.capacity.utilisation or 0.0), record.label)


def _registered_workers(services: Services) -> int:
    statement, (status, _housing) = register_select(services.ledger.today())
    counted = select(func.count()).select_from(statement.where(status == WorkerStatus.ACTIVE.value).subquery())
    with reading(services.ledger.database.engine) as conn:
        return int(conn.execute(counted).scalar_one())


def overview_figures(services: Services, moment: Moment) -> OverviewFigures:
    """Every figure of the overview for `moment`."""
    engine = services.ledger.database.engine
    found = _all_locations(services, moment)
    assessed = [record for record in found if record.max_occupants is not None]
    over = [record for record in found if record.capacity.over_capacity]
    housed = headcounts(engine, group_by=GroupBy.HOUSING_LOCATION, on=moment.on, as_known_at=moment.as_known_at)
    open_alerts = alerts(engine, services.settings, today=services.ledger.today(), keys=services.ledger.keys)
    attention = sorted(
        (r for r in found if r.capacity.over_capacity or (r.capacity.utilisation or 0) >= 1), key=_needs_attention
    )
    return OverviewFigures(
        moment=moment,
        workers_registered=_registered_workers(services),
        workers_housed=housed.total,
        locations=len(found),
        locations_over_capacity=len(over),
        places_permitted=sum(record.max_occupants or 0 for record in assessed),
        places_taken=sum(record.headcount for record in assessed),
        alerts=dict(sorted(Counter(alert.kind.value for alert in open_alerts).items())),
        months=monthly_headcounts(services, moment),
        attention=attention[:ATTENTION],
    )
