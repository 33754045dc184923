"""The overview's figures, each the answer the API gives to the same question (docs/web.md § Overzicht).

The tests compare them with the API's answers:

- housed workers: as `GET /headcounts`, on the day as known at the instant;
  the first day of each of the last 12 months (the chart) likewise (the
  headcounts report by month's `headcountAtStart`), the day and the month
  starts counted in one scan (`projections.location_figures.housed_on`);
- locations, over capacity, permitted places and places taken, and the
  locations that need attention: what `GET /housing-locations` answers read
  to its end, on the day as known at the instant, summed and ranked by the
  database in one statement (`projections.location_figures`) instead of
  reading every location's record;
- open alerts by kind: the alerts view (as `GET /alerts`), on the day as
  known at the instant, counted by one grouped query
  (`projections.alert_summary.alert_counts`) instead of reading each alert;
- registered workers (active today): the register is of today as known now
  (as `GET /workers?status=active`, which answers for no other moment), and
  the page says so when it travels in time.

No figure names a person: the overview writes no processing-log line.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from api.parameters import Moment
from api.services import Services
from ledger.persistence.database import reading
from projections.alert_summary import alert_counts
from projections.alerts import AlertQuery
from projections.location_figures import LocationInNeed, LocationTotals, housed_on, location_figures
from projections.register_queries import count_active

MONTHS = 12
ATTENTION = 10

# The overview's other scans, beside the one its request's thread runs (`_figures`); shared by every request.
_SIDE_BY_SIDE = ThreadPoolExecutor(max_workers=6, thread_name_prefix="overview-figures")


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
    attention: list[LocationInNeed]


def month_starts(on: date, count: int = MONTHS) -> list[date]:
    """The first days of the `count` months up to and including `on`'s month, oldest first."""
    first = on.replace(day=1)
    return [first - relativedelta(months=back) for back in range(count - 1, -1, -1)]


def _registered_workers(services: Services) -> int:
    with reading(services.ledger.database.engine) as conn:
        return count_active(conn, services.ledger.today())


def overview_figures(services: Services, moment: Moment) -> OverviewFigures:
    """Every figure of the overview for `moment`, its scans side by side.

    Each is a scan of a view of its own (the stays per location, the stays on
    the days, the alerts, the register): they run at once, each on its own
    connection, so the page waits for the longest rather than the sum (bench
    B14; on a server of two cores, about half).
    """
    months = month_starts(moment.on)
    engine = services.ledger.database.engine
    on, at, norms = moment.on, moment.as_known_at, services.settings.floor_area_norms_m2

    def locations() -> tuple[LocationTotals, list[LocationInNeed]]:
        with reading(engine) as conn:
            return location_figures(conn, on, at, norms, ATTENTION)

    def housed() -> list[int]:
        with reading(engine) as conn:
            return housed_on(conn, [on, *months], at)

    alerts = _SIDE_BY_SIDE.submit(alert_counts, engine, services.ledger.keys, services.settings, AlertQuery(on, at))
    registered = _SIDE_BY_SIDE.submit(_registered_workers, services)
    on_days = _SIDE_BY_SIDE.submit(housed)
    totals, in_need = locations()
    housed_today, *on_month_starts = on_days.result()
    numbers = CurrentFigures(
        workers_registered=registered.result(),
        workers_housed=housed_today,
        locations=totals.locations,
        locations_over_capacity=totals.over_capacity,
        places_permitted=totals.places_permitted,
        places_taken=totals.places_taken,
        alerts=alerts.result(),
    )
    return OverviewFigures(moment, numbers, list(zip(months, on_month_starts, strict=True)), in_need)
