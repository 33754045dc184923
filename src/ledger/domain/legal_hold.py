"""Legal holds: what a hold on a worker or an inspection carries, and when it is due for review.

A hold keeps a subject's personal data from being erased while an enforcement
case is open (AVG art. 17(3)(e): data needed for legal claims). Keeping data
past its retention period is itself processing that must stay justified, so
every hold carries a review date (issue 16 §4): from that day on it is listed
as due for review, until it is lifted. A review date lies from today up to a
year ahead: a hold is looked at again at least once a year, and a later date
is more likely a typo than a decision. Holds placed before review dates
existed (`Worker.LegalHoldPlaced` version 1) have none; they are due the
default period after they were placed (`review_date`), a setting
(`LEDGER_LEGAL_HOLD_REVIEW_MONTHS`, docs/retention.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ledger.domain.checks import (
    checked_case_reference,
    checked_date_in_range,
    checked_free_text,
    checked_not_too_far_ahead,
)
from ledger.domain.errors import Violations
from ledger.domain.timeline import months_after


@dataclass(frozen=True)
class HoldReview:
    """When a hold was placed and the review date it was given (None: placed before review dates)."""

    placed_at: datetime
    review_on: date | None


def checked_hold(case_reference: str, reason: str, review_on: date, today: date, v: Violations) -> str:
    """Check a hold's case reference, reason and review date; answer the reason as the text rule normalises it."""
    checked_case_reference(case_reference, "case_reference", v)
    reason = checked_free_text(reason, "reason", v)
    if checked_date_in_range(review_on, "review_on", v):
        v.check(review_on >= today, "review_on", "in_past", "must not be in the past")
        checked_not_too_far_ahead(review_on, today, "review_on", v)
    return reason


def review_date(placed_on: date, review_on: date | None, *, months: int) -> date:
    """The day a hold is due for review: its own review date, else `months` after the day it was placed."""
    return review_on if review_on is not None else months_after(placed_on, months)
