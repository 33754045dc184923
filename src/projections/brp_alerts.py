"""The BRP registration alerts as pure functions: a worker's facts, its stays, today and the terms in; alerts out.

The sources (docs/alerts.md, docs/algorithm-register.md):

- Wet BRP art. 2.38: whoever may reasonably expect to stay in the Netherlands
  at least two thirds of a half year (4 months within 6) declares stay and
  address within 5 days of arrival; a shorter stay goes into the RNI, the
  BRP's part for non-residents. `no_brp_after_four_months` counts the days
  housed in the municipality in the 6 months before a day: the condition holds
  on a day the worker is housed and those days are at least as many as the 4
  months before that day have. `no_brp_after_arrival`: an expected stay of at
  least 4 months from arrival (the first day of the unbroken housing that
  holds today), or temporary protection, and no BRP registration 5 days on.
- Art. 2.39: a resident who moves declares the new address within 5 days:
  `brp_address_differs` when the BRP address is not the registered housing for
  more than 5 days. `deregistered_while_housed`: the BRP deregistered the
  worker (emigrated, whereabouts unknown) and the ledger still has them housed.

A stay in Medemblik's housing stands in for a stay in the Netherlands: the
ledger knows no other. Any BRP registration dated on or before today clears
the first two alerts for good. Months are calendar months (`relativedelta`:
31 October - 4 months = 30 June); a day's window is the 6 months before it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from ledger.domain.housing_location import housing_location_id_for

# "Two thirds of a half year" (Wet BRP art. 2.38): the months counted (a setting) within this many.
WINDOW_MONTHS = 6
ONE_DAY = timedelta(days=1)

Stay = tuple[str, date, date | None]  # (housing location id, hex; valid_from; valid_to or None)


class BrpAlertKind(StrEnum):
    """The BRP alerts (the same names as `projections.alert_rules.AlertKind`'s)."""

    NO_BRP_AFTER_FOUR_MONTHS = "no_brp_after_four_months"
    NO_BRP_AFTER_ARRIVAL = "no_brp_after_arrival"
    BRP_ADDRESS_DIFFERS = "brp_address_differs"
    DEREGISTERED_WHILE_HOUSED = "deregistered_while_housed"


@dataclass(frozen=True)
class BrpFacts:
    """What the municipality recorded of a worker's BRP/RNI registration, and the employment's expected end.

    `brp_registered_on` is the first BRP registration; `brp_bag_id` and
    `brp_address_since` the address of the latest registration recorded, if it
    was a BRP one with a known address; `deregistered_on` is set when the
    latest fact recorded is a deregistration.
    """

    brp_registered_on: date | None = None
    expected_end_date: date | None = None
    brp_bag_id: str | None = None
    brp_address_since: date | None = None
    deregistered_on: date | None = None
    temporary_protection_from: date | None = None


@dataclass(frozen=True)
class BrpThresholds:
    """The terms of the rules (settings `LEDGER_ALERT_*`); the defaults are the law's."""

    months_without_brp: int = 4  # art. 2.38: two thirds of a half year
    registration_days: int = 5  # art. 2.38: within 5 days of arrival
    expected_stay_months: int = 4  # art. 2.38: reasonably expects to stay at least that long
    address_days: int = 5  # art. 2.39: an address change within 5 days


@dataclass(frozen=True)
class BrpAlert:
    """A BRP alert in force today: its kind, the first day it holds, and a detail without personal data."""

    kind: BrpAlertKind
    since: date
    detail: str


@dataclass(frozen=True)
class BrpSpan:
    """A BRP alert over the days [valid_from, valid_to) it holds (None: open), with the same since and detail.

    `detail` None: the detail depends on the day asked (`four_months_detail`).
    """

    kind: BrpAlertKind
    valid_from: date
    valid_to: date | None
    since: date
    detail: str | None

    def holds_on(self, day: date) -> bool:
        """Whether the alert is in force on `day`."""
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class _Housing:
    """A worker's stays, and the same merged into runs of consecutive housed days (at any location)."""

    def __init__(self, stays: Sequence[Stay]) -> None:
        self.stays = sorted(stays, key=lambda s: s[1])
        runs: list[tuple[date, date]] = []
        for _, start, end in self.stays:
            stop = end or date.max  # date.max: still housed
            if runs and start <= runs[-1][1]:
                runs[-1] = (runs[-1][0], max(runs[-1][1], stop))
            else:
                runs.append((start, stop))
        self.runs = runs

    def days_between(self, first: date, stop: date) -> int:
        """How many days of [first, stop) the worker was housed."""
        return sum(max(0, (min(stop, end) - max(first, start)).days) for start, end in self.runs)


@functools.lru_cache(maxsize=65_536)
def _months_before(day: date, months: int) -> date:
    # Calendar months back (31 October - 4 months = 30 June); the rule asks it for every day of a run's
    # first months, and workers share their days: cached.
    return day - relativedelta(months=months)


@functools.lru_cache(maxsize=65_536)
def _months_after(day: date, months: int) -> date:
    # Calendar months on (31 August + 6 months = 28 February); workers share their arrivals: cached.
    return day + relativedelta(months=months)


def days_housed_in_window(stays: Sequence[Stay], day: date) -> int:
    """Days housed in the 6 months before `day` (from `day` - 6 months up to, not including, `day`)."""
    return _Housing(stays).days_between(_months_before(day, WINDOW_MONTHS), day)


def four_months_detail(stays: Sequence[Stay], day: date) -> str:
    """The detail of `no_brp_after_four_months` on `day`: the days housed in the window before it."""
    housed = days_housed_in_window(stays, day)
    return f"housed {housed} days in the {WINDOW_MONTHS} months before today, without BRP registration"


def brp_alerts(facts: BrpFacts, stays: Sequence[Stay], today: date, terms: BrpThresholds) -> list[BrpAlert]:
    """The BRP alerts in force for one worker on `today` (none unless housed today): its spans read on the day."""
    found = [span for span in brp_spans(facts, stays, terms) if span.holds_on(today)]
    return [
        BrpAlert(span.kind, span.since, four_months_detail(stays, today) if span.detail is None else span.detail)
        for span in sorted(found, key=lambda span: _ORDER.index(span.kind))
    ]


_ORDER = list(BrpAlertKind)


def brp_spans(facts: BrpFacts, stays: Sequence[Stay], terms: BrpThresholds) -> list[BrpSpan]:
    """The BRP alerts of one worker over every day: each rule, run by run of housing (none while not housed).

    The rules hold only on housed days, and `since` is counted within the run
    of housing (at any location) that holds the day: the arrival is its first
    day. Any BRP registration clears the first two for good from its date on.
    """
    housing = _Housing(stays)
    found: list[BrpSpan] = []
    cleared = facts.brp_registered_on  # from this day on, registered in the BRP
    for arrival, stop in housing.runs:
        end = min(stop, cleared or date.max)  # the days of the run before the BRP registration
        if arrival < end:
            found += _four_months(housing, arrival, stop, end, terms)
            found += _after_arrival(facts, arrival, end, terms)
        if facts.deregistered_on is not None:
            since = max(facts.deregistered_on, arrival)
            detail = f"deregistered from the BRP on {facts.deregistered_on}"
            found += _span(BrpAlertKind.DEREGISTERED_WHILE_HOUSED, since, stop, since, detail)
    return found + _address_differs(facts, housing, terms)


def _span(kind: BrpAlertKind, start: date, stop: date, since: date, detail: str | None) -> list[BrpSpan]:
    """The alert over [start, stop) (date.max: open), if that holds a day."""
    if start >= stop:
        return []
    return [BrpSpan(kind, start, None if stop == date.max else stop, since, detail)]


def _four_months(housing: _Housing, arrival: date, stop: date, end: date, terms: BrpThresholds) -> list[BrpSpan]:
    """`no_brp_after_four_months` in the run [arrival, stop), on its days before `end` (the BRP registration)."""
    months = terms.months_without_brp

    def reached(day: date) -> bool:
        # Housed `day` (within the run) and housed at least the N months before `day`.
        window = housing.days_between(_months_before(day, WINDOW_MONTHS), day)
        return window >= (day - _months_before(day, months)).days

    # From the day the 6 months before it all lie in this run on, the rule holds on every day (6 months >= N).
    full = _months_after(arrival, WINDOW_MONTHS)
    while _months_before(full, WINDOW_MONTHS) < arrival:  # 31 August + 6 months - 6 months = 28 August
        full += ONE_DAY
    # The days housed before the run that a window of a day in it can reach.
    before = housing.days_between(_months_before(arrival, WINDOW_MONTHS + 1), arrival)
    if before == 0:
        # Housed only since arrival: the window counts the days since arrival, which reach the N months the first
        # day whose N months back are on or after arrival, and every day after it (the shortcut of the scan below).
        reached_on = _months_after(arrival, months)
        while _months_before(reached_on, months) < arrival:
            reached_on += ONE_DAY
        while reached_on > arrival and _months_before(reached_on - ONE_DAY, months) >= arrival:
            reached_on -= ONE_DAY
        return _span(BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS, reached_on, end, reached_on, None)
    # N months hold at least 28 + 30 (N - 1) days: no day earlier than this can reach N months.
    day = max(arrival, arrival + timedelta(days=28 + 30 * (months - 1) - before))
    found: list[BrpSpan] = []
    since: date | None = None  # the first day of the run of days on which the rule holds
    last = min(full, end)
    while day < last:
        if reached(day):
            since = since or day
        elif since is not None:
            found += _span(BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS, since, day, since, None)
            since = None
        day += ONE_DAY
    if last == full:  # on and after `full` it holds, since the first day of the run that holds on `full`
        since = since or full
        return found + _span(BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS, since, end, since, None)
    if since is not None:
        found += _span(BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS, since, end, since, None)
    return found


def _after_arrival(facts: BrpFacts, arrival: date, end: date, terms: BrpThresholds) -> list[BrpSpan]:
    # The term runs from arrival; under temporary protection from the later of arrival and the protection's start.
    starts: list[tuple[date, str]] = []
    expected = facts.expected_end_date
    # A stay through the expected end: arrival + 4 months is reached when the day after it is.
    if expected is not None and expected + ONE_DAY >= _months_after(arrival, terms.expected_stay_months):
        starts.append((arrival, f"expected stay until {expected}, arrived {arrival}"))
    protected = facts.temporary_protection_from
    if protected is not None:
        starts.append((max(arrival, protected), f"temporary protection from {protected}, arrived {arrival}"))
    due = [(start + timedelta(days=terms.registration_days + 1), detail) for start, detail in starts]
    if not due:
        return []
    # The earliest term to run out is in force from its day on; the later ones never come first.
    since, detail = min(due)
    return _span(BrpAlertKind.NO_BRP_AFTER_ARRIVAL, since, end, since, detail)


def _address_differs(facts: BrpFacts, housing: _Housing, terms: BrpThresholds) -> list[BrpSpan]:
    if facts.brp_bag_id is None or facts.brp_address_since is None:
        return []  # no BRP address recorded (an RNI registration, a deregistration, one recorded before addresses)
    # A housing location's id is derived from its BAG id, so the BRP address's location id is too.
    brp_location, address_since = housing_location_id_for(facts.brp_bag_id).hex, facts.brp_address_since
    found: list[BrpSpan] = []
    first: date | None = None  # the first day of the unbroken stays elsewhere than the BRP address
    previous_end: date | None = None
    for location, start, end in housing.stays:
        if location == brp_location or start != previous_end:
            first = None  # at the BRP address, or after a gap: the run of stays elsewhere ends
        if location != brp_location:
            first = first or start
            # Every day from the first of the unbroken stays elsewhere differs, once the BRP address holds.
            since = max(first, address_since) + timedelta(days=terms.address_days + 1)
            detail = "the BRP address is not the registered housing"
            found += _span(BrpAlertKind.BRP_ADDRESS_DIFFERS, max(since, start), end or date.max, since, detail)
        previous_end = end
    return found
