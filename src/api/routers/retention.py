"""Retention and the data subject's right of access: what is due, and everything held about a person.

The export (AVG art. 15) gives the register row, every event about the
person with its position in the log, the address of every housing location
in the person's history (an event names a location only by its id), and
every line of the processing log about the person, without staff identities.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field

from api.auth import Principal
from api.deps import FreshReads, ProcessingDep, ServicesDep
from api.policy import RETENTION, SUBJECT_ACCESS, allow
from api.routing import ApiRoute
from api.schemas.common import ApiModel
from api.schemas.register import AddressPublic, WorkerPublic
from api.schemas.workers import IsoDate
from api.scoping import require_worker_in_scope
from api.services import Services
from jobs.hold_reviews import HoldDueForReview, holds_due_for_review
from jobs.retention import DueSubject, due_subjects
from ledger.audit.event_documents import event_document, event_positions
from ledger.audit.processing_log import Activity, LogLine, Operation, ProcessingLog
from ledger.domain.housing_location import HousingLocation
from ledger.domain.values import Address
from projections.directory import compact_postcode
from projections.labels import address_line, read_labels

router = APIRouter(tags=["retention"], route_class=ApiRoute)


class DueSubjectPublic(ApiModel):
    """A subject whose retention ends on or before the asked date."""

    subject_id: UUID
    subject_type: str = Field(description="`worker`, `inspection` (its notes) or `erasure_note` (its text).")
    policy: str
    due_on: date
    legal_holds: list[str] = Field(description="Case references of holds that block shredding.")
    clock: str | None = Field(
        default=None,
        description="What started a worker's retention clock: `registration ended …`, or `stale since …` with why "
        "(past its expected end, or not confirmed since a day); `null` for inspections and erasure notes.",
    )

    @classmethod
    def of(cls, subject: DueSubject) -> DueSubjectPublic:
        """From the retention job's due list."""
        return cls(
            subject_id=subject.subject_id,
            subject_type=subject.subject_type,
            policy=subject.policy,
            due_on=subject.due_on,
            legal_holds=list(subject.legal_holds),
            clock=subject.clock,
        )


class HoldDueForReviewPublic(ApiModel):
    """A legal hold in place whose review date has come: review it, and lift it if its case has closed."""

    subject_id: UUID
    subject_type: str = Field(description="`worker` or `inspection`.")
    case_reference: str
    placed_on: date
    review_on: date = Field(description="The hold's review date (for a hold placed without one: 12 months on).")

    @classmethod
    def of(cls, hold: HoldDueForReview) -> HoldDueForReviewPublic:
        """From the list of holds due for review."""
        return cls(
            subject_id=hold.subject_id,
            subject_type=hold.subject_type,
            case_reference=hold.case_reference,
            placed_on=hold.placed_on,
            review_on=hold.review_on,
        )


class DueSubjects(ApiModel):
    """What the retention job would shred on `on` (held subjects with their holds), and the holds to review."""

    on: date
    items: list[DueSubjectPublic]
    holds_due_for_review: list[HoldDueForReviewPublic] = Field(
        description="Legal holds in place whose review date is on or before `on`, the oldest first."
    )


class ProcessingRecord(ApiModel):
    """When and for what the person's data was processed (staff identities left out)."""

    at: datetime
    processing_activity: str
    operation: str
    outcome: str
    reason_code: str | None = Field(default=None, description="Why the data was erased, on an erasure's line.")


class HousingLocationAddress(ApiModel):
    """A housing location of the person's history, and its address."""

    housing_location_id: UUID
    label: str = Field(description="The address on one line (`Kerkstraat 12A-2, 1671 AB Medemblik`).")
    address: AddressPublic

    @classmethod
    def of(cls, location_id: UUID, address: Address) -> HousingLocationAddress:
        """From the location's registered address."""
        line = address_line(
            address.street,
            address.house_number,
            address.house_letter,
            address.house_number_addition,
            compact_postcode(address.postcode),
            address.city,
        )
        return cls(housing_location_id=location_id, label=line, address=AddressPublic.of(address))


class SubjectExport(ApiModel):
    """Everything the ledger holds about one person (AVG art. 15), machine-readable."""

    generated_at: datetime
    worker: WorkerPublic | None = Field(description="The register row; `null` while the register catches up.")
    events: list[dict[str, Any]] = Field(
        description="Every event about the person, personal fields opened, each with its `position` in the log."
    )
    housing_locations: list[HousingLocationAddress] = Field(
        description="Every housing location the events name, with its address, in the order they first name it."
    )
    processing: list[ProcessingRecord]


@router.get("/retention/due")
def retention_due(
    services: ServicesDep,
    _: Annotated[Principal, Depends(allow(RETENTION))],
    on: Annotated[IsoDate | None, Query(description="Default: today.")] = None,
) -> DueSubjects:
    """Subjects whose retention ends on or before `on`, with the legal holds that keep them.

    `holdsDueForReview` lists, apart, every legal hold (on a worker or an
    inspection) whose review date is on or before `on`.
    """
    day = on or services.ledger.today()
    due = due_subjects(services.ledger, services.ledger.database.engine, services.retention_policies, on=day)
    reviews = holds_due_for_review(services.ledger, on=day)
    return DueSubjects(
        on=day,
        items=[DueSubjectPublic.of(s) for s in due],
        holds_due_for_review=[HoldDueForReviewPublic.of(h) for h in reviews],
    )


@router.get("/workers/{workerId}/export")
def export_worker(
    worker_id: Annotated[UUID, Path(alias="workerId")],
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(SUBJECT_ACCESS))],
    processing: ProcessingDep,
    _: FreshReads,
) -> SubjectExport:
    """A person's data: the register row, every event about them, and when and why it was processed."""
    require_worker_in_scope(services, principal, worker_id)
    # The person's copy leaves the system, opened by nature: logged as an export, with no destruction date
    # of ours (it is the person's own).
    processing.record(Activity.DATA_SUBJECT_RIGHTS, Operation.EXPORT, worker_id)
    return subject_export(services, worker_id)


def subject_export(services: Services, worker_id: UUID) -> SubjectExport:
    """Assemble the export: nothing in it is about anyone else (events of this worker only)."""
    ledger = services.ledger
    record = services.register.worker(worker_id, today=ledger.today())
    due = services.retention_due([worker_id]).get(worker_id)
    events = list(ledger.events.get(worker_id))
    # Read after the events: every event read has its position by then (events are never removed).
    positions = event_positions(ledger.database.engine, ledger.recorder, worker_id)
    labels = read_labels(
        ledger.database.engine,
        employers=[record.employer_id] if record else [],
        locations=[record.housing_location_id] if record else [],
    )
    return SubjectExport(
        generated_at=datetime.now(UTC),
        # The person's own data (AVG art. 15), handed out by the municipality's desk: the BSN included.
        worker=(
            WorkerPublic.of(record, hold_reasons=True, bsn=True, retention_due_on=due, labels=labels)
            if record
            else None
        ),
        events=[event_document(event, positions.get(event.originator_version)) for event in events],
        housing_locations=[
            HousingLocationAddress.of(location, ledger.get(HousingLocation, location).address)
            for location in _housing_locations(events)
        ],
        processing=[
            ProcessingRecord(
                at=line.at,
                processing_activity=line.processing_activity,
                operation=line.operation,
                outcome=line.outcome,
                reason_code=line.reason_code,
            )
            for line in _every_line(services.processing_log, worker_id)
        ],
    )


def _housing_locations(events: Iterable[Any]) -> list[UUID]:
    """The housing locations a worker's events name (registration, housing changes), in order, each once."""
    named = (getattr(event, "housing_location_id", None) for event in events)
    return list(dict.fromkeys(location for location in named if isinstance(location, UUID)))


def _every_line(log: ProcessingLog, subject_id: UUID, page: int = 1000) -> Iterator[LogLine]:
    """Every processing-log line about the subject, read a page at a time."""
    after = None
    while True:
        lines = log.lines(subject_id=subject_id, after=after, limit=page)
        yield from lines
        if len(lines) < page:
            return
        after = (lines[-1].at, lines[-1].line_id)
