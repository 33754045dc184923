"""The Inspection aggregate: a visit to a housing location and what followed.

Free-text notes may describe people, so they are personal data, sealed under
the inspection's own key and shredded when the supervision retention period
(5 years) ends; the coded findings, counts and outcome stay readable. A legal
hold (an appeal, a case before the court) keeps the notes past that period
until it is lifted; its reason is free text too, sealed under the same key.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from ledger.domain.checks import (
    checked_amount_eur,
    checked_date_in_range,
    checked_enum,
    checked_kvk_number,
    checked_not_in_future,
    checked_not_too_far_ahead,
    checked_optional_text,
)
from ledger.domain.erasure import ErasureReason, upcast_shredding_v1_v2
from ledger.domain.errors import Conflict, NotFound, Violations
from ledger.domain.legal_hold import HoldReview, checked_hold
from ledger.domain.values import Finding, Outcome, SanctionKind, SanctionTarget, Sealable


class Inspection(Aggregate):
    """An inspection of a housing location, with the sanctions imposed after it."""

    class Recorded(Aggregate.Created):
        """An inspector recorded an inspection: occupants found, findings, outcome."""

        personal_fields: ClassVar[tuple[str, ...]] = ("notes",)
        housing_location_id: UUID
        inspected_on: date
        occupants_found: int
        findings: list[str]
        outcome: str
        notes: Sealable[str | None]

        def apply(self, inspection: Inspection) -> None:
            inspection.housing_location_id = self.housing_location_id
            inspection.inspected_on = self.inspected_on
            inspection.occupants_found = self.occupants_found
            inspection.findings = list(self.findings)
            inspection.outcome = self.outcome
            inspection.notes = self.notes
            inspection.sanctions = []
            inspection.sanction_dates = []
            inspection.legal_holds = {}
            inspection.hold_reviews = {}
            # Whether anything was sealed under the inspection's key: notes, or later a hold's reason.
            inspection.has_personal_data = self.notes is not None
            inspection.shredded = False

    class SanctionImposed(Aggregate.Event):
        """A sanction was imposed on the employer or the owner after the inspection.

        It names whom: the employer's id (`against` employer) or the owner's KvK
        number (`against` owner). Version 1 of the event named neither; it reads
        with both None.
        """

        class_version = 2
        kind: str
        against: str
        employer_id: UUID | None
        owner_kvk_number: str | None
        amount_eur: Decimal | None
        deadline: date | None
        imposed_on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["employer_id"] = None
            state["owner_kvk_number"] = None

        def apply(self, inspection: Inspection) -> None:
            inspection.sanctions.append(self.kind)
            inspection.sanction_dates.append((self.kind, self.imposed_on))

    class LegalHoldPlaced(Aggregate.Event):
        """An inspector placed a legal hold: the notes are kept until it is lifted.

        The reason is free text, sealed under the inspection's key like the
        notes; the hold is due for review from `review_on`.
        """

        personal_fields: ClassVar[tuple[str, ...]] = ("reason",)
        case_reference: str
        reason: Sealable[str]
        review_on: date

        def apply(self, inspection: Inspection) -> None:
            inspection.legal_holds[self.case_reference] = self.reason
            inspection.hold_reviews[self.case_reference] = HoldReview(self.timestamp, self.review_on)
            inspection.has_personal_data = True

    class LegalHoldLifted(Aggregate.Event):
        """The case closed; its hold no longer keeps the notes."""

        case_reference: str

        def apply(self, inspection: Inspection) -> None:
            inspection.legal_holds.pop(self.case_reference, None)
            inspection.hold_reviews.pop(self.case_reference, None)

    class PersonalDataShredded(Aggregate.Event):
        """The inspection's data key was destroyed: its notes are unreadable for ever.

        `reason_code` says why (an `ErasureReason`), as on the worker's event.
        """

        class_version = 2
        policy: str
        due_on: date | None
        reason_code: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_shredding_v1_v2(state)

        def apply(self, inspection: Inspection) -> None:
            inspection.shredded = True

    if TYPE_CHECKING:
        shredded: bool
        housing_location_id: UUID
        inspected_on: date
        occupants_found: int
        findings: list[str]
        outcome: str
        notes: Sealable[str | None]
        sanctions: list[str]
        sanction_dates: list[tuple[str, date]]
        legal_holds: dict[str, Sealable[str]]
        hold_reviews: dict[str, HoldReview]
        has_personal_data: bool

    def __repr__(self) -> str:
        # The library's repr lists every attribute, personal data included; a
        # repr ends up in logs and tracebacks, so it names the aggregate only.
        return f"Inspection(id={self.id}, version={self.version})"

    @classmethod
    def record(
        cls,
        *,
        housing_location_id: UUID,
        inspected_on: date,
        occupants_found: int,
        findings: list[str],
        outcome: str,
        notes: str | None,
        today: date,
    ) -> Inspection:
        """Record an inspection that took place on `inspected_on`."""
        v = Violations()
        if checked_date_in_range(inspected_on, "inspected_on", v):
            checked_not_in_future(inspected_on, today, "inspected_on", v)
        v.check(0 <= occupants_found <= 10_000, "occupants_found", "out_of_range", "between 0 and 10000")
        for i, finding in enumerate(findings):
            checked_enum(finding, Finding, f"findings.{i}", v)
        v.check(len(set(findings)) == len(findings), "findings", "duplicate", "each finding at most once")
        checked_enum(outcome, Outcome, "outcome", v)
        if outcome == Outcome.VIOLATIONS:
            v.check(bool(findings), "findings", "required", "an inspection with violations names at least one finding")
        notes = checked_optional_text(notes, "notes", v, max_length=10_000)
        v.raise_if_any()
        return cls._create(
            cls.Recorded,
            id=uuid4(),
            housing_location_id=housing_location_id,
            inspected_on=inspected_on,
            occupants_found=occupants_found,
            findings=list(findings),
            outcome=outcome,
            notes=notes,
        )

    def impose_sanction(
        self,
        *,
        kind: str,
        against: str,
        employer_id: UUID | None = None,
        owner_kvk_number: str | None = None,
        amount_eur: Decimal | None,
        deadline: date | None,
        max_amount_eur: Decimal,
        today: date,
    ) -> None:
        """Impose a sanction after an inspection that found violations.

        The sanction names whom it is imposed on: an employer by its id (the
        application checks it is registered), an owner by its KvK number. An
        amount is in euros, at most 2 decimals and at most `max_amount_eur`
        (the municipality's maximum, a setting: docs/domain-rules.md).
        """
        v = Violations()
        checked_enum(kind, SanctionKind, "kind", v)
        checked_enum(against, SanctionTarget, "against", v)
        if against == SanctionTarget.EMPLOYER:
            v.check(employer_id is not None, "employer_id", "required", "a sanction against an employer names it")
            v.check(owner_kvk_number is None, "owner_kvk_number", "not_applicable", "only for a sanction on the owner")
        elif against == SanctionTarget.OWNER:
            v.check(employer_id is None, "employer_id", "not_applicable", "only for a sanction on an employer")
            if v.check(
                owner_kvk_number is not None, "owner_kvk_number", "required", "a sanction against the owner names it"
            ):
                assert owner_kvk_number is not None
                owner_kvk_number = checked_kvk_number(owner_kvk_number.strip(), "owner_kvk_number", v)
        if kind in (SanctionKind.ADMINISTRATIVE_FINE, SanctionKind.ORDER_SUBJECT_TO_PENALTY):
            v.check(amount_eur is not None, "amount_eur", "required", f"required for {kind}")
        if amount_eur is not None:
            amount_eur = checked_amount_eur(amount_eur, max_amount_eur, "amount_eur", v)
        if kind == SanctionKind.ORDER_SUBJECT_TO_PENALTY:
            # A last onder dwangsom must give a term to comply (begunstigingstermijn).
            v.check(deadline is not None, "deadline", "required", "an order subject to penalty needs a deadline")
        if deadline is not None:
            # Today is after the inspection (it was not in the future when recorded), so a deadline
            # from today on is after both the imposition and the inspection.
            v.check(deadline >= today, "deadline", "in_past", "must not be in the past")
            checked_not_too_far_ahead(deadline, today, "deadline", v)
        v.raise_if_any()
        if self.outcome != Outcome.VIOLATIONS:
            raise Conflict("a sanction needs an inspection that found violations")
        self.trigger_event(
            self.SanctionImposed,
            kind=kind,
            against=against,
            employer_id=employer_id,
            owner_kvk_number=owner_kvk_number,
            amount_eur=amount_eur,
            deadline=deadline,
            imposed_on=today,
        )

    def place_legal_hold(self, case_reference: str, reason: str, *, review_on: date, today: date) -> None:
        """Keep the notes past their retention while a case is open; due for review from `review_on`."""
        v = Violations()
        reason = checked_hold(case_reference, reason, review_on, today, v)
        v.raise_if_any()
        if case_reference in self.legal_holds:
            raise Conflict(f"legal hold {case_reference} is already in place")
        if self.shredded:
            # The key is gone: nothing is left to keep, and the reason could not be sealed.
            raise Conflict("the inspection's notes have been shredded; a hold has nothing left to keep")
        self.trigger_event(self.LegalHoldPlaced, case_reference=case_reference, reason=reason, review_on=review_on)

    def lift_legal_hold(self, case_reference: str) -> None:
        """Lift the hold of a closed case."""
        if case_reference not in self.legal_holds:
            raise NotFound("legal hold", case_reference)
        self.trigger_event(self.LegalHoldLifted, case_reference=case_reference)

    def record_shredding(self, policy: str, due_on: date | None, reason_code: ErasureReason) -> None:
        """Record that the notes' data key was destroyed, and why (after it is gone, never before)."""
        if self.shredded:
            return
        self.trigger_event(self.PersonalDataShredded, policy=policy, due_on=due_on, reason_code=reason_code.value)
