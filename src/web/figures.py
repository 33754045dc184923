"""The overview's figures, from the queries the API's routes read (docs/web.md § Overzicht).

Each figure is the answer the API gives to the same question, read from the
same query function (the tests compare them):

- housed workers: `projections.headcounts` (as `GET /headcounts`), on the day
  as known at the instant; the first day of each of the last 12 months (the
  chart) is one headcounts report by month (as `GET /reports/headcounts`,
  its `headcountAtStart`);
- locations, over capacity, permitted places and places taken, and the
  locations that need attention: `projections.location_queries` (as `GET
  /housing-locations`), on the day as known at the instant;
- open alerts by kind: the alerts view (as `GET /alerts`), on the day as
  known at the instant, counted by one grouped query
  (`projections.alert_summary.alert_counts`) instead of reading each alert;
- registered workers (active today): the register is of today as known now
  (as `GET /workers?status=active`, which answers for no other moment), and
  the page says so when it travels in time.

No figure names a person: the overview writes no processing-log line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from api.parameters import Moment
from api.services import Services
from ledger.persistence.database import reading
from projections.alert_summary import alert_counts
from projections.alerts import AlertQuery
from projections.headcounts import GroupBy, headcounts
from projections.location_queries import Asked, LocationFilter, LocationRecord, locations
from projections.register_queries import register_select
from projections.register_records import WorkerStatus
from projections.reports.headcounts import headcounts_report
from projections.reports.periods import Interval, periods
from projections.reports.table import PeriodQuestion

MONTHS = 12
ATTENTION = 10
_PAGE = 500


@dataclass(frozen=True)
class CurrentFigures:
    """The overview's numbers for one moment: counts only, what its live block shows (`web.live`)."""

    workers_registered: int
    workers_housed: int
    locations: int
    locations_over_capacity: int
    places_permitted: int
    places_taken: int
    alerts: dict[str, int]

    @property
    def utilisation(self) -> float | None:
        """Places taken ÷ places permitted, at the locations whose maximum is known; None without any."""
        return self.places_taken / self.places_permitted if self.places_permitted else None


@dataclass(frozen=True)
class OverviewFigures:
    """What the overview shows for one moment: its numbers, the month starts, what needs attention first."""

    moment: Moment
    numbers: CurrentFigures
    months: list[tuple[date, int]]
    attention: list[LocationRecord]


def month_starts(on: date, count: int = MONTHS) -> list[date]:
    """The first days of the `count` months up to and including `on`'s month, oldest first."""
    first = on.replace(day=1)
    return [first - relativedelta(months=back) for back in range(count - 1, -1, -1)]


def monthly_headcounts(services: Services, moment: Moment) -> list[tuple[date, int]]:
    """Housed workers on the first day of each of the last 12 months, as known at the moment's instant.

    One headcounts report by month (`GET /reports/headcounts`): each period's
    `headcountAtStart` is the headcount of its first day, a month start.
    """
    months = periods(month_starts(moment.on)[0], moment.on, Interval.MONTH)
    table = headcounts_report(services.ledger.database.engine, PeriodQuestion(months, None, moment.as_known_at))
    return [(row.period_start, int(row.measures["headcountAtStart"] or 0)) for row in table.totals or table.rows]


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


def current_figures(services: Services, moment: Moment, found: list[LocationRecord] | None = None) -> CurrentFigures:
    """The overview's numbers for `moment` (`found`: every location for it, when the caller has read them)."""
    engine = services.ledger.database.engine
    found = _all_locations(services, moment) if found is None else found
    assessed = [record for record in found if record.max_occupants is not None]
    housed = headcounts(engine, group_by=GroupBy.HOUSING_LOCATION, on=moment.on, as_known_at=moment.as_known_at)
    asked = AlertQuery(moment.on, moment.as_known_at)
    open_alerts = alert_counts(engine, services.ledger.keys, services.settings, asked)
    return CurrentFigures(
        workers_registered=_registered_workers(services),
        workers_housed=housed.total,
        locations=len(found),
        locations_over_capacity=sum(1 for record in found if record.capacity.over_capacity),
        places_permitted=sum(record.max_occupants or 0 for record in assessed),
        places_taken=sum(record.headcount for record in assessed),
        alerts=open_alerts,
    )


def overview_figures(services: Services, moment: Moment) -> OverviewFigures:
    """Every figure of the overview for `moment`."""
    found = _all_locations(services, moment)
    attention = sorted(
        (r for r in found if r.capacity.over_capacity or (r.capacity.utilisation or 0) >= 1), key=_needs_attention
    )
    return OverviewFigures(
        moment=moment,
        numbers=current_figures(services, moment, found),
        months=monthly_headcounts(services, moment),
        attention=attention[:ATTENTION],
    )
