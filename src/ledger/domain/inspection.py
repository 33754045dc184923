"""The Inspection aggregate: a visit to a housing location and what followed.

Free-text notes may describe people, so they are personal data, sealed under
the inspection's own key and shredded when the supervision retention period
(5 years) ends; the coded findings, counts and outcome stay readable.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from ledger.domain.errors import Conflict, Violations
from ledger.domain.values import (
    Finding,
    Outcome,
    SanctionKind,
    SanctionTarget,
    Sealable,
    checked_enum,
    checked_not_in_future,
    checked_not_too_far_ahead,
    checked_optional_text,
)


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
            inspection.shredded = False

    class SanctionImposed(Aggregate.Event):
        """A sanction was imposed on the employer or the owner after the inspection."""

        kind: str
        against: str
        amount_eur: Decimal | None
        deadline: date | None
        imposed_on: date

        def apply(self, inspection: Inspection) -> None:
            inspection.sanctions.append(self.kind)
            inspection.sanction_dates.append((self.kind, self.imposed_on))

    class PersonalDataShredded(Aggregate.Event):
        """The inspection's data key was destroyed: its notes are unreadable for ever."""

        policy: str
        due_on: date | None

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
        self, *, kind: str, against: str, amount_eur: Decimal | None, deadline: date | None, today: date
    ) -> None:
        """Impose a sanction after an inspection that found violations."""
        v = Violations()
        checked_enum(kind, SanctionKind, "kind", v)
        checked_enum(against, SanctionTarget, "against", v)
        if kind in (SanctionKind.ADMINISTRATIVE_FINE, SanctionKind.ORDER_SUBJECT_TO_PENALTY):
            v.check(amount_eur is not None, "amount_eur", "required", f"required for {kind}")
        if amount_eur is not None and not amount_eur.is_finite():
            v.add("amount_eur", "out_of_range", "must be a number")
        elif amount_eur is not None:
            v.check(
                Decimal(0) < amount_eur <= Decimal(10_000_000),
                "amount_eur",
                "out_of_range",
                "more than 0 and at most 10000000",
            )
        if kind == SanctionKind.ORDER_SUBJECT_TO_PENALTY:
            # A last onder dwangsom must give a term to comply (begunstigingstermijn).
            v.check(deadline is not None, "deadline", "required", "an order subject to penalty needs a deadline")
        if deadline is not None:
            v.check(deadline >= today, "deadline", "in_past", "must not be in the past")
            checked_not_too_far_ahead(deadline, today, "deadline", v)
        v.raise_if_any()
        if self.outcome != Outcome.VIOLATIONS:
            raise Conflict("a sanction needs an inspection that found violations")
        self.trigger_event(
            self.SanctionImposed, kind=kind, against=against, amount_eur=amount_eur, deadline=deadline, imposed_on=today
        )

    def record_shredding(self, policy: str, due_on: date | None) -> None:
        """Record that the notes' data key was destroyed (after it is gone, never before)."""
        if self.shredded:
            return
        self.trigger_event(self.PersonalDataShredded, policy=policy, due_on=due_on)
