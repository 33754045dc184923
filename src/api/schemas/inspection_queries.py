"""The answers of GET /inspections and GET /inspections/{id}.

Built from the inspections view's records (`projections.inspection_queries`)
by `of(…)` constructors. The notes and the holds' reasons are free text that
may describe people: the detail carries them only for the roles that may read
them (inspector, admin; docs/roles.md), and a list never does. `notesStatus`
says, for every caller, whether notes were recorded and whether they are still
there or shredded at the end of their retention.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from api.schemas.common import ApiModel, Instant
from ledger.domain.values import SHREDDED, Finding, Outcome, SanctionKind, SanctionTarget
from projections.inspection_queries import InspectionHold, InspectionRecord, SanctionRecord
from projections.labels import Labels


class NotesStatus(StrEnum):
    """Whether an inspection's notes were recorded, and whether they are still kept."""

    NONE = "none"  # none were recorded
    RECORDED = "recorded"  # recorded and kept (sealed at rest)
    SHREDDED = "shredded"  # their retention ended (or they were erased): gone for good


def notes_status(record: InspectionRecord) -> NotesStatus:
    """The notes' status of a record."""
    if not record.has_notes:
        return NotesStatus.NONE
    return NotesStatus.SHREDDED if record.shredded else NotesStatus.RECORDED


class SanctionPublic(ApiModel):
    """A sanction imposed after the inspection."""

    kind: SanctionKind
    against: SanctionTarget = Field(description="Whom it is imposed on.")
    employer_id: UUID | None = Field(description="The employer, with `against: employer`; else `null`.")
    employer_name: str | None = Field(description="The employer's name beside its id; else `null`.")
    owner_kvk_number: str | None = Field(description="The owner's KvK number, with `against: owner`; else `null`.")
    amount_eur: str | None = Field(
        description="The amount in euros as a decimal string with 2 decimals (no rounding by a float); "
        "`null` for a warning without one.",
        examples=["2500.00"],
        json_schema_extra={"pattern": r"^[0-9]+\.[0-9]{2}$"},
    )
    deadline: date | None = Field(description="The term to comply (begunstigingstermijn), if one was set.")
    imposed_on: date

    @classmethod
    def of(cls, sanction: SanctionRecord, labels: Labels) -> SanctionPublic:
        """From the view's sanction, with the employer's name."""
        return cls(
            kind=SanctionKind(sanction.kind),
            against=SanctionTarget(sanction.against),
            employer_id=sanction.employer_id,
            employer_name=labels.employer(sanction.employer_id),
            owner_kvk_number=sanction.owner_kvk_number,
            amount_eur=None if sanction.amount_eur is None else f"{sanction.amount_eur:.2f}",
            deadline=sanction.deadline,
            imposed_on=sanction.imposed_on,
        )


class InspectionSummary(ApiModel):
    """An inspection: what was found, against what the register had that day, and what followed."""

    id: UUID
    housing_location_id: UUID
    housing_location_label: str | None = Field(description="The location's address on one line.")
    inspected_on: date
    occupants_found: int = Field(description="How many people the inspector found living there.")
    registered_headcount: int = Field(
        description="How many workers the register had housed there on `inspectedOn`, as known at `asKnownAt`."
    )
    findings: list[Finding]
    outcome: Outcome
    notes_status: NotesStatus = Field(
        description="`none`: no notes were recorded; `recorded`: kept, sealed at rest; `shredded`: erased when "
        "their retention ended."
    )
    sanctions: list[SanctionPublic] = Field(description="In the order they were imposed.")
    version: int = Field(description="The aggregate version, for `If-Match`.")

    @classmethod
    def fields_of(cls, record: InspectionRecord, labels: Labels) -> dict[str, object]:
        """The members a summary and a detail share."""
        return {
            "id": record.id,
            "housing_location_id": record.housing_location_id,
            "housing_location_label": labels.location(record.housing_location_id),
            "inspected_on": record.inspected_on,
            "occupants_found": record.occupants_found,
            "registered_headcount": record.registered_headcount,
            "findings": [Finding(f) for f in record.findings],
            "outcome": Outcome(record.outcome),
            "notes_status": notes_status(record),
            "sanctions": [SanctionPublic.of(s, labels) for s in record.sanctions],
            "version": record.version,
        }

    @classmethod
    def of(cls, record: InspectionRecord, labels: Labels) -> InspectionSummary:
        """A list's item: no notes, no holds."""
        return cls.model_validate(cls.fields_of(record, labels))


class InspectionsPage(ApiModel):
    """A page of inspections in the order of the day inspected (then the id)."""

    as_known_at: Instant
    items: list[InspectionSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; `null` on the last page.")


class InspectionHoldPublic(ApiModel):
    """A legal hold in place on the inspection: its notes are kept past their retention until it is lifted."""

    case_reference: str
    placed_at: Instant
    review_on: date = Field(description="From this day on the hold is due for review.")


class InspectionHoldWithReason(InspectionHoldPublic):
    """A legal hold with its reason (inspectors and admins only; `null` once the data is erased)."""

    reason: str | None


class InspectionPublic(InspectionSummary):
    """An inspection with its notes (for the roles that may read them) and its legal holds."""

    as_known_at: Instant
    notes: str | None = Field(
        description="The notes, for inspectors and admins while `notesStatus` is `recorded`; `null` otherwise."
    )
    legal_holds: list[InspectionHoldWithReason | InspectionHoldPublic] = Field(
        description="The holds in place now; the reasons for inspectors and admins only."
    )

    @classmethod
    def detail(
        cls, record: InspectionRecord, labels: Labels, as_known_at: datetime, *, opened: bool
    ) -> InspectionPublic:
        """The detail; the notes and the holds' reasons only when `opened` (the caller may read them)."""
        notes = record.notes if opened and isinstance(record.notes, str) else None
        holds = [_hold(h, with_reason=opened) for h in record.legal_holds]
        return cls.model_validate(
            {**cls.fields_of(record, labels), "as_known_at": as_known_at, "notes": notes, "legal_holds": holds}
        )


def _hold(hold: InspectionHold, *, with_reason: bool) -> InspectionHoldWithReason | InspectionHoldPublic:
    if with_reason:
        reason = None if hold.reason is SHREDDED else hold.reason
        return InspectionHoldWithReason(
            case_reference=hold.case_reference, placed_at=hold.placed_at, review_on=hold.review_on, reason=reason
        )
    return InspectionHoldPublic(case_reference=hold.case_reference, placed_at=hold.placed_at, review_on=hold.review_on)
