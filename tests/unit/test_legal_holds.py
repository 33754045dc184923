"""Legal holds on inspections, and the review date every hold carries (issue 16 §4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from cli.retention_commands import render_reviews
from jobs.hold_reviews import HoldDueForReview
from ledger.domain.erasure import ErasureReason
from ledger.domain.errors import Conflict, NotFound, RuleViolated
from ledger.domain.inspection import Inspection
from ledger.domain.legal_hold import review_date
from ledger.domain.personal import personal_fields_of
from ledger.domain.worker import Worker
from tests.factories import TODAY, a_worker, an_inspection, broken_rules

REVIEW = date(2027, 1, 15)


def refusal(command: Callable[[], Any]) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolated) as refused:
        command()
    return broken_rules(refused.value)


# -- on an inspection -------------------------------------------------------------------------


def test_placing_and_lifting_a_hold_on_an_inspection_emits_both_events() -> None:
    inspection = an_inspection(notes="bewoner sliep in de schuur")

    inspection.place_legal_hold("HH-2026-0042", "bezwaar tegen de last onder dwangsom", review_on=REVIEW, today=TODAY)
    assert set(inspection.legal_holds) == {"HH-2026-0042"}
    inspection.lift_legal_hold("HH-2026-0042")

    _, placed, lifted = inspection.collect_events()
    assert isinstance(placed, Inspection.LegalHoldPlaced)
    assert (placed.case_reference, placed.reason, placed.review_on) == (
        "HH-2026-0042",
        "bezwaar tegen de last onder dwangsom",
        REVIEW,
    )
    assert isinstance(lifted, Inspection.LegalHoldLifted)
    assert lifted.case_reference == "HH-2026-0042"
    assert inspection.legal_holds == {}


def test_the_reason_of_an_inspections_hold_is_sealed_like_its_notes() -> None:
    assert personal_fields_of(Inspection.LegalHoldPlaced) == ("reason",)
    assert "case_reference" not in personal_fields_of(Inspection.LegalHoldPlaced)


def test_an_inspection_without_notes_holds_personal_data_once_a_hold_gives_a_reason() -> None:
    inspection = an_inspection(notes=None)
    assert not inspection.has_personal_data

    inspection.place_legal_hold("HH-1", "appeal", review_on=REVIEW, today=TODAY)

    assert inspection.has_personal_data


def test_the_same_hold_twice_on_an_inspection_is_a_conflict() -> None:
    inspection = an_inspection()
    inspection.place_legal_hold("HH-1", "appeal", review_on=REVIEW, today=TODAY)
    inspection.collect_events()

    with pytest.raises(Conflict):
        inspection.place_legal_hold("HH-1", "appeal again", review_on=REVIEW, today=TODAY)

    assert inspection.collect_events() == []


def test_lifting_an_unknown_hold_of_an_inspection_is_not_found() -> None:
    with pytest.raises(NotFound) as missing:
        an_inspection().lift_legal_hold("HH-404")

    assert (missing.value.kind, missing.value.ident) == ("legal hold", "HH-404")


def test_a_hold_on_a_shredded_inspection_is_a_conflict() -> None:
    inspection = an_inspection(notes="notes")
    inspection.record_shredding("inspection_notes", date(2031, 6, 10), ErasureReason.RETENTION)

    with pytest.raises(Conflict):
        inspection.place_legal_hold("HH-1", "too late", review_on=REVIEW, today=TODAY)


@pytest.mark.parametrize(
    ("case_reference", "reason", "review_on", "broken"),
    [
        ("has space", "appeal", REVIEW, {("case_reference", "invalid_case_reference")}),
        ("HH-1", " ", REVIEW, {("reason", "required")}),
        ("HH-1", "appeal", date(2026, 6, 14), {("review_on", "in_past")}),
        ("HH-1", "appeal", date(2027, 6, 16), {("review_on", "too_far_ahead")}),
        ("HH-1", "appeal", date(2200, 1, 1), {("review_on", "out_of_range")}),
    ],
)
def test_a_malformed_hold_on_an_inspection_is_refused_naming_the_field(
    case_reference: str, reason: str, review_on: date, broken: set[tuple[str, str]]
) -> None:
    inspection = an_inspection()

    assert refusal(lambda: inspection.place_legal_hold(case_reference, reason, review_on=review_on, today=TODAY)) == (
        broken
    )


# -- on a worker --------------------------------------------------------------------------------


def test_a_workers_hold_carries_its_review_date() -> None:
    worker = a_worker()

    worker.place_legal_hold("HH-1", "open case", review_on=REVIEW, today=TODAY)

    _, placed = worker.collect_events()
    assert isinstance(placed, Worker.LegalHoldPlaced)
    assert placed.review_on == REVIEW
    assert worker.hold_reviews["HH-1"].review_on == REVIEW


def test_a_review_date_today_is_accepted_one_in_the_past_is_not() -> None:
    worker = a_worker()

    worker.place_legal_hold("HH-1", "open case", review_on=TODAY, today=TODAY)

    assert refusal(lambda: worker.place_legal_hold("HH-2", "open case", review_on=date(2026, 6, 1), today=TODAY)) == {
        ("review_on", "in_past")
    }


def test_a_hold_stored_before_review_dates_reads_without_one() -> None:
    state: dict[str, Any] = {"case_reference": "HH-1", "reason": "sealed:v1:…"}

    Worker.LegalHoldPlaced.upcast_v1_v2(state)

    assert state["review_on"] is None
    assert Worker.LegalHoldPlaced.class_version == 2


def test_a_hold_without_a_review_date_is_due_the_default_period_after_it_was_placed() -> None:
    assert review_date(date(2026, 2, 1), None, months=12) == date(2027, 2, 1)
    assert review_date(date(2026, 1, 31), None, months=1) == date(2026, 2, 28)  # the month's last day
    assert review_date(date(2026, 2, 1), REVIEW, months=12) == REVIEW


# -- the command line -----------------------------------------------------------------------------


def test_the_retention_commands_list_the_holds_due_for_review() -> None:
    hold = HoldDueForReview(UUID(int=1), "inspection", "HH-1", placed_on=date(2026, 6, 15), review_on=date(2026, 12, 1))

    assert render_reviews([]) == ""
    assert render_reviews([hold]).splitlines() == [
        "holds due for review: 1",
        "  review: inspection 00000000-0000-0000-0000-000000000001 legal hold HH-1, placed 2026-06-15,"
        " review on 2026-12-01",
    ]
