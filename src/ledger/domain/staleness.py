"""A stale registration: one whose employer reports no end and no longer vouches for it.

A registration is kept until it ends (docs/retention.md), and it ends when the
employer reports a contract end or a departure. An employer that never does
would keep it, and the worker's identifying data, for ever. So a registration
without a reported end becomes **stale**:

- past its expected end: from the day after the expected end;
- without an expected end: once the employer has not confirmed it for
  `unconfirmed_months` (since the last confirmation, or the employment start).

A confirmation (`Worker.RegistrationConfirmed`) says the worker is still
employed on a day and gives the expected end from then on (none: not known),
so it ends the staleness until the new expected end passes, or the period runs
out again. After `retention_months` more, the retention clock starts as if the
registration had ended then. The periods are the municipality's local policy
(settings `LEDGER_STALE_REGISTRATION_MONTHS`, `LEDGER_STALE_RETENTION_MONTHS`,
policy of 2026-12-06); the storage-limitation principle they serve is AVG
art. 5(1)(e). docs/domain-rules.md, *Stale registrations*.

Dates are valid time (docs/time.md): the employment start, not the instant the
registration was recorded, starts the first period, so a replay "as known at"
gives the same answer as the live system did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from ledger.domain.checks import checked_date_in_range, checked_not_in_future
from ledger.domain.errors import Violations
from ledger.domain.timeline import months_after


class StaleBasis(StrEnum):
    """Why a registration is stale."""

    PAST_EXPECTED_END = "past_expected_end"
    NOT_CONFIRMED = "not_confirmed"


@dataclass(frozen=True)
class StalePeriods:
    """The municipality's periods: unconfirmed this long is stale; stale this long starts the retention clock."""

    unconfirmed_months: int
    retention_months: int


@dataclass(frozen=True)
class StaleRegistration:
    """When a registration became stale, from which date, and when its retention clock starts."""

    basis: StaleBasis
    reference: date  # the expected end that passed, or the last confirmation (the employment start if none)
    since: date  # the first day it is stale
    retention_from: date  # the day its retention clock starts, as if it had ended then

    def describe(self) -> str:
        """Why and since when, in words without personal data (alerts, `ledger retention due`)."""
        if self.basis is StaleBasis.PAST_EXPECTED_END:
            return f"past its expected end {self.reference.isoformat()}"
        return f"not confirmed since {self.reference.isoformat()}"


def stale_registration(
    *,
    employment_start: date,
    expected_end_date: date | None,
    confirmed_on: date | None,
    contract_end: date | None,
    departed_on: date | None,
    periods: StalePeriods,
) -> StaleRegistration | None:
    """When the registration is (or will be) stale, given its facts; None once an end is reported.

    `expected_end_date` is the current one (the latest confirmation's, else the
    registration's); `confirmed_on` the day of the latest confirmation.
    """
    if contract_end is not None or departed_on is not None:
        return None  # an end was reported: the registration's own clock runs (docs/retention.md)
    if expected_end_date is not None:
        basis, reference, since = StaleBasis.PAST_EXPECTED_END, expected_end_date, expected_end_date + timedelta(days=1)
    else:
        reference = max(employment_start, confirmed_on or employment_start)
        basis, since = StaleBasis.NOT_CONFIRMED, months_after(reference, periods.unconfirmed_months)
    return StaleRegistration(basis, reference, since, months_after(since, periods.retention_months))


def checked_confirmation(
    *,
    confirmed_on: date,
    expected_end_date: date | None,
    employment_start: date,
    contract_end: date | None,
    today: date,
    v: Violations,
) -> None:
    """The rules of a confirmation: a day the worker was employed, and an expected end not before it.

    A confirmation after the reported contract end contradicts it: the employer
    reports a later contract end instead (a later one corrects an earlier one).
    """
    if checked_date_in_range(confirmed_on, "confirmed_on", v):
        checked_not_in_future(confirmed_on, today, "confirmed_on", v)
        v.check(
            confirmed_on >= employment_start,
            "confirmed_on",
            "before_start",
            "must not be before the employment started",
        )
        if contract_end is not None:
            v.check(
                confirmed_on <= contract_end,
                "confirmed_on",
                "after_contract_end",
                "must not be after the reported contract end; report a later contract end instead",
            )
    if expected_end_date is not None and checked_date_in_range(expected_end_date, "expected_end_date", v):
        v.check(
            v.has("confirmed_on") or expected_end_date >= confirmed_on,
            "expected_end_date",
            "before_confirmation",
            "must not be before the day confirmed",
        )
