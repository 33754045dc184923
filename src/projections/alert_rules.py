"""The alert rules as pure functions: a worker's or a location's facts, its stays, today and the terms in; alerts out.

Every alert depends on today's date, so all of them are evaluated when asked
(`projections.alerts`), from the current belief the views hold; the rules
themselves read nothing. The BRP rules are `projections.brp_alerts`'; the
thresholds are settings (`AlertTerms.of`), and docs/alerts.md says where
each rule comes from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from ledger.domain.floor_area_norms import floor_area_norm_on
from ledger.domain.housing_location import LimitBasis
from ledger.domain.staleness import StalePeriods, stale_registration
from ledger.domain.values import ADULT_AGE, years_after
from ledger.settings import Settings
from projections.brp_alerts import BrpFacts, BrpThresholds, Stay, brp_alerts
from projections.occupancy import LocationHistory, not_assessed, over_capacity

Interval = tuple[date, date | None]  # [valid_from, valid_to)


class AlertKind(StrEnum):
    """The kinds of alert (the API's `kind`)."""

    OVER_CAPACITY = "over_capacity"
    FLOOR_AREA_BELOW_NORM = "floor_area_below_norm"
    LIMIT_NOT_ASSESSED = "limit_not_assessed"
    NO_HOUSING = "no_housing"
    HOUSED_AFTER_CONTRACT_END = "housed_after_contract_end"
    NO_BRP_AFTER_FOUR_MONTHS = "no_brp_after_four_months"
    NO_BRP_AFTER_ARRIVAL = "no_brp_after_arrival"
    BRP_ADDRESS_DIFFERS = "brp_address_differs"
    DEREGISTERED_WHILE_HOUSED = "deregistered_while_housed"
    MINOR_IN_HOUSING = "minor_in_housing"
    STALE_REGISTRATION = "stale_registration"


@dataclass(frozen=True)
class Alert:
    """One warning: what, about whom or what, since when, and a detail without personal data."""

    kind: AlertKind
    subject_id: UUID
    since: date
    detail: str
    housing_location_id: UUID | None = None
    employer_id: UUID | None = None


@dataclass(frozen=True)
class AlertTerms:
    """The thresholds of the worker alerts (settings)."""

    housed_after_contract_days: int
    stale_periods: StalePeriods
    brp: BrpThresholds

    @classmethod
    def of(cls, settings: Settings) -> AlertTerms:
        """The terms the settings configure."""
        return cls(
            housed_after_contract_days=settings.alert_housed_after_contract_days,
            stale_periods=settings.stale_periods,
            brp=BrpThresholds(
                months_without_brp=settings.alert_without_brp_months,
                registration_days=settings.alert_brp_registration_days,
                expected_stay_months=settings.alert_expected_stay_months,
                address_days=settings.alert_brp_address_days,
            ),
        )


@dataclass(frozen=True)
class WorkerFacts:
    """What the alerts know of a worker's employment and registrations (the `alert_workers` row)."""

    worker_id: UUID
    employer_id: UUID
    employment_start: date
    expected_end_date: date | None
    contract_end: date | None
    departed_on: date | None
    brp: BrpFacts
    confirmed_on: date | None


# -- housing locations -----------------------------------------------------------------------


def location_alerts(location: UUID, history: LocationHistory, today: date, *, registered_on: date) -> list[Alert]:
    """Over capacity, the limit not assessed, the floor area below its norm: what holds today at `location`.

    `registered_on` is the day (in the municipality) the ledger learned of the location.
    """
    found = []
    facts = history.facts
    headcount, (maximum, basis) = history.headcount_on(today), history.limit_on(today)
    since = history.since(today, over_capacity)
    if since is not None:
        detail = f"{headcount} occupants, {maximum} permitted"
        if basis == LimitBasis.FLOOR_AREA_NORM:
            norm = floor_area_norm_on(history.norms, today)  # the norm of the location's kind
            detail += f" (no limit set by the municipality: {facts.floor_area_m2} m² at {norm:g} m² a person)"
        found.append(Alert(AlertKind.OVER_CAPACITY, location, since, detail, housing_location_id=location))
    if maximum is None:
        found.append(_not_assessed_alert(location, history, today, registered_on))
    if facts.floor_area_m2 is not None:
        found += _floor_area_alert(location, facts.floor_area_m2, history, today)
    return found


def _not_assessed_alert(location: UUID, history: LocationHistory, today: date, registered_on: date) -> Alert:
    # Unknown from the beginning of time, typically: since the day the ledger learned of the
    # location, then (never after today, whatever clock recorded the registration).
    run_start = history.since(today, not_assessed) or today
    since = min(max(run_start, registered_on), today)
    if history.facts.floor_area_m2 is None:
        detail = "no limit set by the municipality and no floor area to derive one from"
    else:  # the settings hold no norm for this kind of location (docs/occupancy.md)
        detail = f"no limit set by the municipality and no floor-area norm for a {history.facts.kind}"
    proposed = history.facts.proposed_max_occupants
    if proposed is not None:
        detail += f"; the registrant proposed {proposed}"
    return Alert(AlertKind.LIMIT_NOT_ASSESSED, location, since, detail, housing_location_id=location)


def _floor_area_alert(location: UUID, floor_area: int, history: LocationHistory, today: date) -> list[Alert]:
    # The norms of the location's kind (a caravan site's are not a dwelling's).
    def below_norm(day: date, headcount: int, _maximum: int | None) -> bool:
        norm = floor_area_norm_on(history.norms, day)
        return headcount > 0 and norm is not None and floor_area / headcount < norm

    since = history.since(today, below_norm)
    if since is None:
        return []
    per_person = floor_area / history.headcount_on(today)
    norm = floor_area_norm_on(history.norms, today)
    detail = f"{per_person:.1f} m² per person, norm {norm:g} m²"
    return [Alert(AlertKind.FLOOR_AREA_BELOW_NORM, location, since, detail, housing_location_id=location)]


# -- workers ------------------------------------------------------------------------------------


def worker_alerts(
    w: WorkerFacts, stays: Sequence[Stay], today: date, terms: AlertTerms, outside: Sequence[Interval] = ()
) -> list[Alert]:
    """The alerts about a worker in force today: no housing, housed after the contract, stale, the BRP ones.

    `stays` are the worker's stays as believed now, `outside` the intervals it
    is known to live outside the municipality (a commuter is not unhoused).
    """
    here = stay_on(stays, today)
    location = UUID(here[0]) if here else None

    def alert(kind: AlertKind, since: date, detail: str) -> Alert:
        return Alert(kind, w.worker_id, since, detail, housing_location_id=location, employer_id=w.employer_id)

    found = []
    ended, departed, start = w.contract_end, w.departed_on, w.employment_start
    employed = start <= today and (ended is None or today <= ended) and (departed is None or today < departed)
    # A worker known to live outside the municipality (a commuter) is not unhoused (docs/alerts.md).
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
    if stale is not None and today >= stale.since:  # the rule and its source: ledger.domain.staleness
        found.append(alert(AlertKind.STALE_REGISTRATION, stale.since, f"{stale.describe()}; no end reported"))
    found += [alert(AlertKind(a.kind.value), a.since, a.detail) for a in brp_alerts(w.brp, stays, today, terms.brp)]
    return found


def minor_alert(worker: UUID, born: date, stays: Sequence[Stay], today: date, employer_id: UUID) -> Alert | None:
    """A worker under 18 housed today: a minor (jeugdige, Arbeidstijdenwet art. 1:3) in migrant housing.

    Registration refuses anyone under 16 at the employment start.
    """
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
    """The stay that holds on `day`, if any."""
    return next((s for s in stays if s[1] <= day and (s[2] is None or day < s[2])), None)


def housed_since(stays: Sequence[Stay], today: date) -> date:
    """The first day of the unbroken run of stays (any location) that holds today (today if none holds)."""
    current = stay_on(stays, today)
    if current is None:
        return today
    since = current[1]
    starts = {end: start for _, start, end in stays if end is not None}
    while since in starts:  # a stay ended the day this run began: the run began earlier
        since = starts[since]
    return since
