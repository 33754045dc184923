"""Legal holds due for review: every hold in place whose review date has come (issue 16 §4).

A hold carries a review date (`ledger.domain.legal_hold`); one placed before
review dates existed is due `LEDGER_LEGAL_HOLD_REVIEW_MONTHS` after the day it
was placed, worked out when asked so that a changed setting applies at once.
The holds are read from the event store, which is authoritative for them (as
for the shredding they block): the subjects that ever had one are found by
the topics of the placing events, so only those are loaded, with their facts
only (no key is opened: the reasons are not needed here).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from ledger.application.service import Ledger
from ledger.domain.inspection import Inspection
from ledger.domain.legal_hold import review_date
from ledger.domain.worker import Worker

_PAGE = 1000
_PLACED = {get_topic(Worker.LegalHoldPlaced): "worker", get_topic(Inspection.LegalHoldPlaced): "inspection"}


@dataclass(frozen=True)
class HoldDueForReview:
    """A legal hold in place whose review date is on or before the day asked about."""

    subject_id: UUID
    subject_type: str  # "worker" or "inspection"
    case_reference: str
    placed_on: date
    review_on: date


def holds_due_for_review(ledger: Ledger, *, on: date) -> list[HoldDueForReview]:
    """Every hold in place, on a worker or an inspection, due for review on or before `on`; oldest review first."""
    zone = ZoneInfo(ledger.settings.timezone)
    months = ledger.settings.legal_hold_review_months
    due = []
    for subject_id, subject_type in _held_subjects(ledger):
        subject = ledger.get_facts(Aggregate, subject_id)
        if not isinstance(subject, Worker | Inspection):
            continue
        for case_reference, review in subject.hold_reviews.items():
            placed_on = review.placed_at.astimezone(zone).date()
            review_on = review_date(placed_on, review.review_on, months=months)
            if review_on <= on:
                due.append(HoldDueForReview(subject_id, subject_type, case_reference, placed_on, review_on))
    return sorted(due, key=lambda hold: (hold.review_on, hold.subject_id.hex, hold.case_reference))


def _held_subjects(ledger: Ledger) -> Iterator[tuple[UUID, str]]:
    """Each worker and inspection that ever had a hold placed, once, with its type."""
    seen: set[UUID] = set()
    position = 0
    while notifications := ledger.recorder.select_notifications(start=position + 1, limit=_PAGE, topics=[*_PLACED]):
        position = notifications[-1].id
        for notification in notifications:
            subject = UUID(str(notification.originator_id))
            if subject not in seen:
                seen.add(subject)
                yield subject, _PLACED[notification.topic]
