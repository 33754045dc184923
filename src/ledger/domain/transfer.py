"""Transfers: a worker who moves to another employer stays one worker.

Issue 16, §2 ("one person, one worker"): a worker who moved from one agency
to another became a second registration, which counted the person twice and
kept the first registration (and its personal data) for ever, since the old
employer never reported its end. So the employer is a valid-time timeline of
the worker, like its housing (docs/time.md): the registrar records a transfer
(`Worker.EmployerChanged`) from a date on; the new employer's own attempt to
register the person again meets the identity-document claim (409,
docs/claims.md), and the registrar resolves it by the transfer.

- Only the municipality transfers (registrar, admin): an employer cannot take
  over, or hand off, another employer's worker.
- A transfer is dated within the employment (not before its start, not after
  today: it is recorded once it happened).
- Only an **active** registration moves: once a contract end or a departure
  is recorded, the identity document is free again (docs/claims.md) and the
  new employer registers the person anew; moving an ended registration would
  revive it without its claim.
- The employer in force now is the one of the latest-dated transfer (the later
  recorded of two on one date), whatever order they were recorded in: a
  back-dated correction changes the past, not the present (`employer_after`,
  which the read models apply too).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.domain.errors import Conflict, Violations
from ledger.domain.timeline import Timeline
from ledger.domain.values import checked_date_in_range, checked_not_in_future


def checked_transfer(valid_from: date, *, employment_start: date, ended: bool, today: date) -> None:
    """Refuse a transfer dated outside the employment (400) or of a registration that has ended (409)."""
    v = Violations()
    if checked_date_in_range(valid_from, "valid_from", v):
        checked_not_in_future(valid_from, today, "valid_from", v)
        v.check(
            valid_from >= employment_start,
            "valid_from",
            "before_start",
            "must not be before the employment started",
        )
    v.raise_if_any()
    if ended:
        raise Conflict(
            "the registration has ended (a contract end or a departure is recorded): the new employer registers"
            " the worker anew"
        )


def employer_after(since: date, valid_from: date) -> bool:
    """Whether a transfer dated `valid_from` replaces the employer in force now, in force since `since`.

    Transfers are never dated after the day they are recorded, so the employer
    in force now is the one of the latest date; of two on one date, the later
    recorded (a correction). A read model that keeps only the employer now and
    its date applies this to each transfer in recording order.
    """
    return valid_from >= since


def current_employer(employers: Timeline[UUID]) -> UUID:
    """The employer in force now: the last interval of the timeline (no transfer is dated after today)."""
    return employers.intervals()[-1].value
