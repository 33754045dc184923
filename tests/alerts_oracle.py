"""The oracle of the alerts view: the alerts as the code before issue 18 evaluated them, when asked, per day.

This is that code (`projections.alerts`, `projections.alert_rules`,
`projections.brp_alerts` of commit 927b037), kept in the tests unchanged but
for its imports and for the instant it reads the views as known at (it read
them "now"): the rules as they were written for one day, and the reading of
the current belief of the views. The alerts view (`projections.alert_view`)
keeps alert intervals instead, built by rules written over intervals; the
tests check that the view answers, for a day as known at an instant, what
this code answered on that day when the ledger knew what it knew then.

It reads the views' current belief, so it is called right after the views
have caught up with the events recorded up to the instant it stands for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection, Engine, select

from ledger.crypto.keystore import KeyStore
from ledger.domain.floor_area_norms import floor_area_norm_on
from ledger.domain.housing_location import LimitBasis, housing_location_id_for
from ledger.domain.staleness import stale_registration
from ledger.domain.values import ADULT_AGE, years_after
from ledger.persistence.database import reading
from ledger.settings import Settings
from projections.alert_rules import Alert, AlertKind, AlertTerms
from projections.alert_tables import alert_workers
from projections.brp_alerts import BrpThresholds
from projections.occupancy import LocationHistory, location_history, not_assessed, over_capacity, read_facts
from projections.register_queries import lived_outside, opened_birth_dates
from projections.residence import BEGINNING, location_facts, residence_history

WINDOW_MONTHS = 6
ONE_DAY = timedelta(days=1)
Stay = tuple[str, date, date | None]
Interval = tuple[date, date | None]


@dataclass(frozen=True)
class BrpFacts:
    brp_registered_on: date | None = None
    expected_end_date: date | None = None
    brp_bag_id: str | None = None
    brp_address_since: date | None = None
    deregistered_on: date | None = None
    temporary_protection_from: date | None = None


@dataclass(frozen=True)
class WorkerFacts:
    worker_id: UUID
    employer_id: UUID
    employment_start: date
    expected_end_date: date | None
    contract_end: date | None
    departed_on: date | None
    brp: BrpFacts
    confirmed_on: date | None


# -- the BRP rules (projections.brp_alerts) ---------------------------------------------------


class _Housing:
    def __init__(self, stays: Sequence[Stay]) -> None:
        self.stays = sorted(stays, key=lambda s: s[1])
        runs: list[tuple[date, date]] = []
        for _, start, end in self.stays:
            stop = end or date.max
            if runs and start <= runs[-1][1]:
                runs[-1] = (runs[-1][0], max(runs[-1][1], stop))
            else:
                runs.append((start, stop))
        self.runs = runs

    def run_start(self, day: date) -> date | None:
        return next((start for start, stop in self.runs if start <= day < stop), None)

    def days_between(self, first: date, stop: date) -> int:
        return sum(max(0, (min(stop, end) - max(first, start)).days) for start, end in self.runs)


def days_housed_in_window(stays: Sequence[Stay], day: date) -> int:
    return _Housing(stays).days_between(day - relativedelta(months=WINDOW_MONTHS), day)


def brp_alerts(
    facts: BrpFacts, stays: Sequence[Stay], today: date, terms: BrpThresholds
) -> list[tuple[str, date, str]]:
    housing = _Housing(stays)
    arrival = housing.run_start(today)
    if arrival is None:
        return []
    found: list[tuple[str, date, str]] = []
    if facts.brp_registered_on is None or facts.brp_registered_on > today:
        found += _four_months(housing, arrival, today, terms)
        found += _after_arrival(facts, arrival, today, terms)
    found += _address_differs(facts, housing, today, terms)
    if facts.deregistered_on is not None and facts.deregistered_on <= today:
        detail = f"deregistered from the BRP on {facts.deregistered_on}"
        found.append(("deregistered_while_housed", max(facts.deregistered_on, arrival), detail))
    return found


def _four_months(housing: _Housing, arrival: date, today: date, terms: BrpThresholds) -> list[tuple[str, date, str]]:
    def reached(day: date) -> bool:
        window = housing.days_between(day - relativedelta(months=WINDOW_MONTHS), day)
        return window >= (day - (day - relativedelta(months=terms.months_without_brp))).days

    full = arrival + relativedelta(months=WINDOW_MONTHS)
    while full - relativedelta(months=WINDOW_MONTHS) < arrival:
        full += ONE_DAY
    since = _run_start(reached, min(today, full), arrival)
    if since is None:
        return []
    housed = days_housed_in_window(housing.stays, today)
    detail = f"housed {housed} days in the {WINDOW_MONTHS} months before today, without BRP registration"
    return [("no_brp_after_four_months", since, detail)]


def _after_arrival(facts: BrpFacts, arrival: date, today: date, terms: BrpThresholds) -> list[tuple[str, date, str]]:
    starts: list[tuple[date, str]] = []
    expected = facts.expected_end_date
    if expected is not None and expected + ONE_DAY >= arrival + relativedelta(months=terms.expected_stay_months):
        starts.append((arrival, f"expected stay until {expected}, arrived {arrival}"))
    protected = facts.temporary_protection_from
    if protected is not None:
        starts.append((max(arrival, protected), f"temporary protection from {protected}, arrived {arrival}"))
    due = [(start + timedelta(days=terms.registration_days + 1), detail) for start, detail in starts]
    in_force = [(since, detail) for since, detail in due if since <= today]
    if not in_force:
        return []
    since, detail = min(in_force)
    return [("no_brp_after_arrival", since, detail)]


def _address_differs(
    facts: BrpFacts, housing: _Housing, today: date, terms: BrpThresholds
) -> list[tuple[str, date, str]]:
    if facts.brp_bag_id is None or facts.brp_address_since is None:
        return []
    brp_location, address_since = housing_location_id_for(facts.brp_bag_id).hex, facts.brp_address_since
    first = _first_differing_day(housing, brp_location, today)
    if first is None or today < address_since:
        return []
    since = max(first, address_since) + timedelta(days=terms.address_days + 1)
    if since > today:
        return []
    return [("brp_address_differs", since, "the BRP address is not the registered housing")]


def _first_differing_day(housing: _Housing, brp_location: str, today: date) -> date | None:
    current = next((s for s in housing.stays if s[1] <= today and (s[2] is None or today < s[2])), None)
    if current is None or current[0] == brp_location:
        return None
    ending = {end: (loc, start) for loc, start, end in housing.stays if end is not None}
    first = current[1]
    while first in ending and ending[first][0] != brp_location:
        first = ending[first][1]
    return first


def _run_start(holds: Callable[[date], bool], today: date, earliest: date) -> date | None:
    if not holds(today):
        return None
    since = today
    while since > earliest and holds(since - ONE_DAY):
        since -= ONE_DAY
    return since


# -- the other rules (projections.alert_rules) ------------------------------------------------


def _since(history: LocationHistory, on: date, condition: Callable[[date, int, int | None], bool]) -> date | None:
    """`LocationHistory.since` as it was: walk the change points back from `on`."""
    stays, limits = history.stays, history.limits
    changes = {BEGINNING, *(s.valid_from for s in stays), *(s.valid_to for s in stays if s.valid_to)}
    changes |= {start for start, _, _ in limits} | {end for _, end, _ in limits if end}
    changes |= {start for start in history.norms if start > BEGINNING}
    first = None
    for day in sorted((d for d in changes if d <= on), reverse=True):
        if not condition(day, history.headcount_on(day), history.max_occupants_on(day)):
            break
        first = day
    return first


def location_alerts(location: UUID, history: LocationHistory, today: date, *, registered_on: date) -> list[Alert]:
    found = []
    facts = history.facts
    headcount, (maximum, basis) = history.headcount_on(today), history.limit_on(today)
    since = _since(history, today, over_capacity)
    if since is not None:
        detail = f"{headcount} occupants, {maximum} permitted"
        if basis == LimitBasis.FLOOR_AREA_NORM:
            norm = floor_area_norm_on(history.norms, today)
            detail += f" (no limit set by the municipality: {facts.floor_area_m2} m² at {norm:g} m² a person)"
        found.append(Alert(AlertKind.OVER_CAPACITY, location, since, detail, housing_location_id=location))
    if maximum is None:
        run_start = _since(history, today, not_assessed) or today
        since = min(max(run_start, registered_on), today)
        if facts.floor_area_m2 is None:
            detail = "no limit set by the municipality and no floor area to derive one from"
        else:
            detail = f"no limit set by the municipality and no floor-area norm for a {facts.kind}"
        if facts.proposed_max_occupants is not None:
            detail += f"; the registrant proposed {facts.proposed_max_occupants}"
        found.append(Alert(AlertKind.LIMIT_NOT_ASSESSED, location, since, detail, housing_location_id=location))
    floor_area = facts.floor_area_m2
    if floor_area is not None:

        def below_norm(day: date, headcount: int, _maximum: int | None) -> bool:
            norm = floor_area_norm_on(history.norms, day)
            return headcount > 0 and norm is not None and floor_area / headcount < norm

        since = _since(history, today, below_norm)
        if since is not None:
            per_person = floor_area / history.headcount_on(today)
            norm = floor_area_norm_on(history.norms, today)
            detail = f"{per_person:.1f} m² per person, norm {norm:g} m²"
            found.append(Alert(AlertKind.FLOOR_AREA_BELOW_NORM, location, since, detail, housing_location_id=location))
    return found


def worker_alerts(
    w: WorkerFacts, stays: Sequence[Stay], today: date, terms: AlertTerms, outside: Sequence[Interval] = ()
) -> list[Alert]:
    here = stay_on(stays, today)
    location = UUID(here[0]) if here else None

    def alert(kind: AlertKind, since: date, detail: str) -> Alert:
        return Alert(kind, w.worker_id, since, detail, housing_location_id=location, employer_id=w.employer_id)

    found = []
    ended, departed, start = w.contract_end, w.departed_on, w.employment_start
    employed = start <= today and (ended is None or today <= ended) and (departed is None or today < departed)
    elsewhere = any(begin <= today and (end is None or today < end) for begin, end in outside)
    if employed and location is None and not elsewhere:
        ends = [end for _, _, end in stays] + [end for _, end in outside]
        housing_ended = max((end for end in ends if end is not None and end <= today), default=start)
        found.append(alert(AlertKind.NO_HOUSING, max(start, housing_ended), "employed without registered housing"))
    if ended is not None and location is not None:
        limit = ended + timedelta(days=terms.housed_after_contract_days + 1)
        if today >= limit:
            found.append(alert(AlertKind.HOUSED_AFTER_CONTRACT_END, limit, f"contract ended {ended.isoformat()}"))
    stale = stale_registration(
        employment_start=start,
        expected_end_date=w.expected_end_date,
        confirmed_on=w.confirmed_on,
        contract_end=ended,
        departed_on=departed,
        periods=terms.stale_periods,
    )
    if stale is not None and today >= stale.since:
        found.append(alert(AlertKind.STALE_REGISTRATION, stale.since, f"{stale.describe()}; no end reported"))
    found += [
        alert(AlertKind(kind), since, detail) for kind, since, detail in brp_alerts(w.brp, stays, today, terms.brp)
    ]
    return found


def minor_alert(worker: UUID, born: date, stays: Sequence[Stay], today: date, employer_id: UUID) -> Alert | None:
    here = stay_on(stays, today)
    if here is None or today >= years_after(born, ADULT_AGE):
        return None
    return Alert(
        AlertKind.MINOR_IN_HOUSING,
        worker,
        housed_since(stays, today),
        "a worker under 18 in migrant housing",
        housing_location_id=UUID(here[0]),
        employer_id=employer_id,
    )


def stay_on(stays: Sequence[Stay], day: date) -> Stay | None:
    return next((s for s in stays if s[1] <= day and (s[2] is None or day < s[2])), None)


def housed_since(stays: Sequence[Stay], today: date) -> date:
    current = stay_on(stays, today)
    if current is None:
        return today
    since = current[1]
    starts = {end: start for _, start, end in stays if end is not None}
    while since in starts:
        since = starts[since]
    return since


# -- the reading (projections.alerts) ---------------------------------------------------------


def oracle_alerts(engine: Engine, settings: Settings, keys: KeyStore, *, today: date, now: datetime) -> list[Alert]:
    """Every alert in force `today`, from the views' current belief (which must be the ledger's at `now`)."""
    with reading(engine) as conn:
        found = [*_location_alerts(conn, settings, today, now), *_worker_alerts(conn, settings, today)]
        found += _minor_alerts(conn, keys, today)
    return sorted(found, key=lambda a: (a.kind.value, a.since, a.subject_id.hex))


def _location_alerts(conn: Connection, settings: Settings, today: date, now: datetime) -> list[Alert]:
    found = []
    zone = ZoneInfo(settings.timezone)
    for row in conn.execute(select(location_facts)):
        location, facts = UUID(row.housing_location_id), read_facts(row)
        history = location_history(conn, location, now, settings.floor_area_norms_m2, facts)
        if history is not None:
            registered_on = facts.registered_at.astimezone(zone).date()
            found += location_alerts(location, history, today, registered_on=registered_on)
    return found


def _believed_stays(conn: Connection) -> dict[str, list[Stay]]:
    stays: dict[str, list[Stay]] = defaultdict(list)
    for row in conn.execute(
        select(
            residence_history.c.worker_id,
            residence_history.c.housing_location_id,
            residence_history.c.valid_from,
            residence_history.c.valid_to,
        ).where(residence_history.c.recorded_to.is_(None))
    ):
        stays[row.worker_id].append((row.housing_location_id, row.valid_from, row.valid_to))
    return stays


def _worker_alerts(conn: Connection, settings: Settings, today: date) -> list[Alert]:
    stays = _believed_stays(conn)
    outside = lived_outside(conn)
    terms = AlertTerms.of(settings)
    found: list[Alert] = []
    for row in conn.execute(select(alert_workers)):
        facts = WorkerFacts(
            worker_id=UUID(row.worker_id),
            employer_id=UUID(row.employer_id),
            employment_start=row.employment_start,
            expected_end_date=row.expected_end_date,
            contract_end=row.contract_end,
            departed_on=row.departed_on,
            brp=BrpFacts(
                brp_registered_on=row.brp_registered_on,
                expected_end_date=row.expected_end_date,
                brp_bag_id=row.brp_bag_id,
                brp_address_since=row.brp_address_since,
                deregistered_on=row.deregistered_on,
                temporary_protection_from=row.temporary_protection_from,
            ),
            confirmed_on=row.confirmed_on,
        )
        found += worker_alerts(facts, stays.get(row.worker_id, []), today, terms, outside.get(row.worker_id, []))
    return found


def _minor_alerts(conn: Connection, keys: KeyStore, today: date) -> list[Alert]:
    housed = {w: s for w, s in _believed_stays(conn).items() if stay_on(s, today) is not None}
    employers = {
        row.worker_id: UUID(row.employer_id)
        for row in conn.execute(select(alert_workers.c.worker_id, alert_workers.c.employer_id))
        if row.worker_id in housed
    }
    found = []
    for worker, born in opened_birth_dates(conn, keys, housed).items():
        if worker in employers:
            alert = minor_alert(UUID(worker), born, housed[worker], today, employers[worker])
            if alert is not None:
                found.append(alert)
    return found
