"""The alert rules about workers as pure functions: a worker's facts, its stays and the terms in; alerts out.

Each rule gives the alert over every day it holds (`AlertSpan`s), from the
facts as believed at one instant: the alerts view (`projections.alert_view`)
keeps them, so that an alert which begins with the passing of time (four
months without BRP registration, a registration going stale, a term running
out) is an interval whose first day may lie ahead, and no one recomputes
anything at night. `worker_alerts` and `minor_alert` read the spans on one
day. The BRP rules are `projections.brp_alerts`', the location rules
`projections.location_alert_rules`'; the thresholds are settings
(`AlertTerms.of`), and docs/alerts.md says where each rule comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from ledger.domain.staleness import StalePeriods, stale_registration
from ledger.domain.values import ADULT_AGE, years_after
from ledger.settings import Settings
from projections.alert_spans import LOCATION_KINDS, Alert, AlertKind, AlertSpan, joined, located, location_uuid
from projections.brp_alerts import BrpFacts, BrpThresholds, Stay, brp_spans
from projections.location_alert_rules import location_alerts, location_spans

__all__ = [
    "LOCATION_KINDS",
    "Alert",
    "AlertKind",
    "AlertSpan",
    "AlertTerms",
    "WorkerFacts",
    "housed_since",
    "location_alerts",
    "location_spans",
    "minor_alert",
    "minor_spans",
    "stay_on",
    "worker_alerts",
    "worker_spans",
]

Interval = tuple[date, date | None]  # [valid_from, valid_to)
# A worker's alert of a kind over [start, end), since a day, with a detail (None: counted on the day asked).
Make = Callable[[AlertKind, date, date | None, date | None, str | None], AlertSpan]


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


def worker_alerts(
    w: WorkerFacts, stays: Sequence[Stay], today: date, terms: AlertTerms, outside: Sequence[Interval] = ()
) -> list[Alert]:
    """The alerts about a worker in force today: no housing, housed after the contract, stale, the BRP ones.

    `stays` are the worker's stays as believed now, `outside` the intervals it
    is known to live outside the municipality (a commuter is not unhoused).
    """
    return [span.alert_on(today, stays) for span in worker_spans(w, stays, terms, outside) if span.holds_on(today)]


def worker_spans(
    w: WorkerFacts, stays: Sequence[Stay], terms: AlertTerms, outside: Sequence[Interval] = ()
) -> list[AlertSpan]:
    """The alerts about a worker over every day, each cut where its location changes (the stay of the day).

    In the order no housing, housed after the contract, stale, the BRP ones.
    """
    stays = sorted(stays, key=lambda s: s[1])

    def span(kind: AlertKind, start: date, end: date | None, since: date | None, detail: str | None) -> AlertSpan:
        return AlertSpan(kind, w.worker_id, start, end, since, detail, employer_id=w.employer_id)

    found = _no_housing(w, stays, outside, span)
    ended = w.contract_end
    if ended is not None:
        limit = ended + timedelta(days=terms.housed_after_contract_days + 1)
        detail = f"contract ended {ended.isoformat()}"
        found += [
            span(AlertKind.HOUSED_AFTER_CONTRACT_END, max(start, limit), end, limit, detail)
            for _, start, end in stays
            if end is None or end > limit
        ]
    stale = stale_registration(
        employment_start=w.employment_start,
        expected_end_date=w.expected_end_date,
        confirmed_on=w.confirmed_on,
        contract_end=ended,
        departed_on=w.departed_on,
        periods=terms.stale_periods,
    )
    if stale is not None:  # the rule and its source: ledger.domain.staleness
        detail = f"{stale.describe()}; no end reported"
        found.append(span(AlertKind.STALE_REGISTRATION, stale.since, None, stale.since, detail))
    for b in brp_spans(w.brp, stays, terms.brp):
        found.append(span(AlertKind(b.kind.value), b.valid_from, b.valid_to, b.since, b.detail))
    return joined([part for whole in found for part in located(whole, stays)])


def _no_housing(w: WorkerFacts, stays: Sequence[Stay], outside: Sequence[Interval], span: Make) -> list[AlertSpan]:
    """Employed, not housed here and not known to live outside the municipality (a commuter is not unhoused)."""
    start, ended, departed = w.employment_start, w.contract_end, w.departed_on
    stops = [d for d in (None if ended is None else ended + timedelta(days=1), departed) if d is not None]
    stop = min(stops, default=None)  # the first day no longer employed
    covered = sorted([(begin, end) for _, begin, end in stays] + list(outside))
    found = []
    # Each gap between the housing known (here or elsewhere), since the end of what came before it.
    gap_start: date | None = None
    for begin, end in [*covered, (date.max, None)]:
        first = start if gap_start is None else max(start, gap_start)
        last = begin if stop is None else min(begin, stop)
        if first < last:
            detail = "employed without registered housing"
            found.append(span(AlertKind.NO_HOUSING, first, None if last == date.max else last, first, detail))
        if end is None:
            break
        gap_start = end
    return found


def minor_alert(worker: UUID, born: date, stays: Sequence[Stay], today: date, employer_id: UUID) -> Alert | None:
    """A worker under 18 housed today: a minor (jeugdige, Arbeidstijdenwet art. 1:3) in migrant housing.

    Registration refuses anyone under 16 at the employment start.
    """
    spans = minor_spans(worker, stays, employer_id, adult_on=years_after(born, ADULT_AGE))
    return next((span.alert_on(today) for span in spans if span.holds_on(today)), None)


def minor_spans(worker: UUID, stays: Sequence[Stay], employer_id: UUID, *, adult_on: date) -> list[AlertSpan]:
    """`minor_in_housing` over every day: the stays that begin before the 18th birthday, `until` it.

    The span ends where the stay ends, not on the birthday, which would give
    the birth date: the birthday is its `until`, which the view keeps sealed.
    """
    found = []
    for location, start, end in sorted(stays, key=lambda s: s[1]):
        if start < adult_on:
            found.append(
                AlertSpan(
                    AlertKind.MINOR_IN_HOUSING,
                    worker,
                    start,
                    end,
                    housed_since(stays, start),
                    "a worker under 18 in migrant housing",
                    housing_location_id=location_uuid(location),
                    employer_id=employer_id,
                    until=adult_on,
                )
            )
    return found


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
