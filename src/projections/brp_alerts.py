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

from collections.abc import Callable, Sequence
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

    def run_start(self, day: date) -> date | None:
        """The first day of the run of housed days that holds `day`, if housed that day."""
        return next((start for start, stop in self.runs if start <= day < stop), None)

    def days_between(self, first: date, stop: date) -> int:
        """How many days of [first, stop) the worker was housed."""
        return sum(max(0, (min(stop, end) - max(first, start)).days) for start, end in self.runs)


def days_housed_in_window(stays: Sequence[Stay], day: date) -> int:
    """Days housed in the 6 months before `day` (from `day` - 6 months up to, not including, `day`)."""
    return _Housing(stays).days_between(day - relativedelta(months=WINDOW_MONTHS), day)


def brp_alerts(facts: BrpFacts, stays: Sequence[Stay], today: date, terms: BrpThresholds) -> list[BrpAlert]:
    """The BRP alerts in force for one worker on `today` (none unless housed today)."""
    housing = _Housing(stays)
    arrival = housing.run_start(today)
    if arrival is None:
        return []
    found: list[BrpAlert] = []
    if facts.brp_registered_on is None or facts.brp_registered_on > today:
        found += _four_months(housing, arrival, today, terms)
        found += _after_arrival(facts, arrival, today, terms)
    found += _address_differs(facts, housing, today, terms)
    if facts.deregistered_on is not None and facts.deregistered_on <= today:
        detail = f"deregistered from the BRP on {facts.deregistered_on}"
        found.append(BrpAlert(BrpAlertKind.DEREGISTERED_WHILE_HOUSED, max(facts.deregistered_on, arrival), detail))
    return found


def _four_months(housing: _Housing, arrival: date, today: date, terms: BrpThresholds) -> list[BrpAlert]:
    def reached(day: date) -> bool:
        # Housed `day` (callers stay within the current run) and housed at least the N months before `day`.
        window = housing.days_between(day - relativedelta(months=WINDOW_MONTHS), day)
        return window >= (day - (day - relativedelta(months=terms.months_without_brp))).days

    # From the day the 6 months before it all lie in this run on, the rule holds on every day (6 months >= 4):
    # the search for the run's first day starts there, not at today (a run may last years).
    full = arrival + relativedelta(months=WINDOW_MONTHS)
    while full - relativedelta(months=WINDOW_MONTHS) < arrival:  # 31 August + 6 months - 6 months = 28 August
        full += ONE_DAY
    since = _run_start(reached, min(today, full), arrival)
    if since is None:
        return []
    housed = days_housed_in_window(housing.stays, today)
    detail = f"housed {housed} days in the {WINDOW_MONTHS} months before today, without BRP registration"
    return [BrpAlert(BrpAlertKind.NO_BRP_AFTER_FOUR_MONTHS, since, detail)]


def _after_arrival(facts: BrpFacts, arrival: date, today: date, terms: BrpThresholds) -> list[BrpAlert]:
    # The term runs from arrival; under temporary protection from the later of arrival and the protection's start.
    starts: list[tuple[date, str]] = []
    expected = facts.expected_end_date
    # A stay through the expected end: arrival + 4 months is reached when the day after it is.
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
    return [BrpAlert(BrpAlertKind.NO_BRP_AFTER_ARRIVAL, since, detail)]


def _address_differs(facts: BrpFacts, housing: _Housing, today: date, terms: BrpThresholds) -> list[BrpAlert]:
    if facts.brp_bag_id is None or facts.brp_address_since is None:
        return []  # no BRP address recorded (an RNI registration, a deregistration, one recorded before addresses)
    # A housing location's id is derived from its BAG id, so the BRP address's location id is too.
    brp_location, address_since = housing_location_id_for(facts.brp_bag_id).hex, facts.brp_address_since
    first = _first_differing_day(housing, brp_location, today)
    if first is None or today < address_since:
        return []
    # Every day from the first of the unbroken stays elsewhere differs, once the BRP address holds.
    since = max(first, address_since) + timedelta(days=terms.address_days + 1)
    if since > today:
        return []
    return [BrpAlert(BrpAlertKind.BRP_ADDRESS_DIFFERS, since, "the BRP address is not the registered housing")]


def _first_differing_day(housing: _Housing, brp_location: str, today: date) -> date | None:
    """The first day of the unbroken stays elsewhere than the BRP address that hold today (None: at it today)."""
    current = next((s for s in housing.stays if s[1] <= today and (s[2] is None or today < s[2])), None)
    if current is None or current[0] == brp_location:
        return None
    ending = {end: (loc, start) for loc, start, end in housing.stays if end is not None}
    first = current[1]
    while first in ending and ending[first][0] != brp_location:  # a stay elsewhere ended the day this one began
        first = ending[first][1]
    return first


def _run_start(holds: Callable[[date], bool], today: date, earliest: date) -> date | None:
    """The first day of the unbroken run of days, not before `earliest`, on which `holds` holds up to today."""
    if not holds(today):
        return None
    since = today
    while since > earliest and holds(since - ONE_DAY):
        since -= ONE_DAY
    return since
