"""The retention clock of a worker's registration: the earliest of its reported end and its stale end.

`ledger.application.retention.registration_end` says when a registration ended by what
was reported (contract end, departure, housing). A registration whose
employer reports no end becomes stale (`ledger.domain.staleness`), and its
clock then starts a further period later as if it had ended. The earlier of
the two starts the clock; a later event (a confirmation, a contract end, a
housing change) changes the facts and so moves it, as due dates are computed
when asked. docs/retention.md, *Policies*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.application.retention import registration_end
from ledger.domain.staleness import StalePeriods, stale_registration


@dataclass(frozen=True)
class RegistrationClock:
    """The day the retention clock of a registration starts, and why (words without personal data)."""

    starts_on: date
    reason: str


def registration_clock(
    *,
    employment_start: date,
    expected_end_date: date | None,
    confirmed_on: date | None,
    contract_end: date | None,
    departed_on: date | None,
    last_housing_end: date | None,
    housed_now: bool,
    periods: StalePeriods,
) -> RegistrationClock | None:
    """When the registration's clock starts (None: not yet known), the reported end winning a tie."""
    clocks: list[RegistrationClock] = []
    ended = registration_end(
        contract_end=contract_end, departed_on=departed_on, last_housing_end=last_housing_end, housed_now=housed_now
    )
    if ended is not None:
        clocks.append(RegistrationClock(ended, f"registration ended {ended.isoformat()}"))
    stale = stale_registration(
        employment_start=employment_start,
        expected_end_date=expected_end_date,
        confirmed_on=confirmed_on,
        contract_end=contract_end,
        departed_on=departed_on,
        periods=periods,
    )
    if stale is not None:
        clocks.append(
            RegistrationClock(stale.retention_from, f"stale since {stale.since.isoformat()}: {stale.describe()}")
        )
    return min(clocks, key=lambda clock: clock.starts_on, default=None)
