"""The auditor's endpoints: the hash chain's verification and the event feed.

`/audit/verification` recomputes the chain over every stored event, as
`ledger audit verify` does. `/audit/events` pages through every event in
notification order with the personal fields opened for the auditor (`null`
where the subject's key is gone), the same documents `ledger audit export`
writes. Opening personal data is a processing: one processing-log line per
subject a page reveals, under the audit activity. The access log, the third
audit endpoint, is in `api.routers.access_log`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, Field

from api.auth import Principal
from api.deps import ProcessingDep, ServicesDep
from api.policy import AUDIT, allow
from api.routing import ApiRoute
from api.schemas.common import ApiModel
from api.schemas.queries import Instant
from ledger.application import Ledger
from ledger.audit import AuditChain, Verification
from ledger.domain.values import SHREDDED
from ledger.event_documents import event_document
from ledger.processing_log import Activity, Operation
from ledger.sealing import PrefetchedKeys, SealingMapper, sealed_fields_of

router = APIRouter(prefix="/audit", tags=["audit"], route_class=ApiRoute)

MAX_LIMIT = 500
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")
DEFAULT_LIMIT = 100
# Positions are 64-bit; the feed asks the store for `after + 1`, which must still fit.
_MAX_AFTER = 2**63 - 2


# -- schemas ----------------------------------------------------------------------------


class VerificationPublic(ApiModel):
    """The outcome of recomputing the hash chain over the stored events."""

    ok: bool
    checked: int = Field(description="How many events were checked (up to the first broken one).")
    first_broken_position: int | None = Field(description="Where the chain breaks; null when it holds.")
    problem: str | None = Field(description="What differs at the broken position; null when the chain holds.")

    @classmethod
    def of(cls, result: Verification) -> VerificationPublic:
        """From the chain's verification."""
        return cls(
            ok=result.ok,
            checked=result.checked,
            first_broken_position=result.first_broken_position,
            problem=result.problem,
        )


class AuditEventPublic(ApiModel):
    """One stored event: where and when it was recorded, what it says."""

    position: int = Field(description="The event's notification id: its place in the log and in the chain.")
    recorded_at: Instant
    aggregate_id: UUID
    version: int
    type: str = Field(description="The aggregate and the event, as the domain names them (`Worker.Registered`).")
    data: dict[str, Any] = Field(description="The event's fields; personal fields opened, `null` once shredded.")
    shredded: bool = Field(description="Some personal fields are `null` because the subject's key is gone.")
    shredded_fields: list[str] = Field(description="Which fields of `data` are `null` because of a shred.")

    @classmethod
    def of(cls, document: dict[str, Any]) -> AuditEventPublic:
        """From an event document (`ledger.event_documents`)."""
        return cls(
            position=document["position"],
            recorded_at=document["recordedAt"],
            aggregate_id=document["aggregateId"],
            version=document["version"],
            type=document["type"],
            data=document["data"],
            shredded=document["shredded"],
            shredded_fields=document["shreddedFields"],
        )


class AuditEventsPage(ApiModel):
    """A page of the event feed."""

    items: list[AuditEventPublic]
    next: int | None = Field(description="Pass as `after` for the next page; null at the end of the log.")


def _clamped(limit: int) -> int:
    return min(limit, MAX_LIMIT)


After = Annotated[int, Query(ge=0, le=_MAX_AFTER, description="Events after this position (0: from the first).")]
# The constraint before the clamp: after a validator pydantic could only write `ge` into the document.
Limit = Annotated[
    int, Query(ge=1, description=f"Page size (at most {MAX_LIMIT}; larger is clamped)."), AfterValidator(_clamped)
]


# -- reading the log ----------------------------------------------------------------------


@dataclass(frozen=True)
class EventPage:
    """Event documents of one page, where the next page starts, and whose personal data it opens."""

    documents: list[dict[str, Any]]
    next: int | None
    revealed: dict[str, list[UUID]] = field(default_factory=dict)  # subject type -> subjects


def event_page(ledger: Ledger, *, after: int, limit: int) -> EventPage:
    """The events after position `after`, at most `limit`, personal fields opened."""
    notifications = ledger.recorder.select_notifications(start=after + 1, limit=limit + 1)
    more = len(notifications) > limit
    notifications = notifications[:limit]
    mapper = ledger.mapper
    assert isinstance(mapper, SealingMapper)
    # One key lookup for the page, forgotten after it (a shred must win at once).
    keys = PrefetchedKeys(ledger.keys.data_keys({UUID(str(n.originator_id)) for n in notifications}), ledger.keys)
    page_mapper = SealingMapper(transcoder=mapper.transcoder, keys=keys)
    documents: list[dict[str, Any]] = []
    revealed: dict[str, list[UUID]] = {}
    for notification in notifications:
        event = page_mapper.to_domain_event(notification)
        documents.append(event_document(event, notification.id))
        if any(_revealed(getattr(event, f, None)) for f in sealed_fields_of(type(event))):
            # The aggregate is the subject: `Worker.Registered` reveals a worker, `Inspection.…` an
            # inspection, `ErasureNote.…` an erasure note.
            subject_type = _CAMEL_BOUNDARY.sub("_", type(event).__qualname__.split(".")[0]).lower()
            revealed.setdefault(subject_type, []).append(event.originator_id)
    return EventPage(documents, notifications[-1].id if more else None, revealed)


def _revealed(value: Any) -> bool:
    # By identity: a name that happens to read "shredded" is still a name.
    return value is not None and value is not SHREDDED


# -- routes -------------------------------------------------------------------------------


@router.get("/verification")
def get_verification(services: ServicesDep, _: Annotated[Principal, Depends(allow(AUDIT))]) -> VerificationPublic:
    """Recompute the hash chain over every stored event: `ok`, how many were checked, where it first breaks."""
    ledger = services.ledger
    return VerificationPublic.of(AuditChain(ledger.recorder, ledger.database.engine).verify())


@router.get("/events")
def get_events(
    services: ServicesDep,
    _: Annotated[Principal, Depends(allow(AUDIT))],
    processing: ProcessingDep,
    after: After = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> AuditEventsPage:
    """Every event in notification order, after `after`; personal fields opened, `null` where shredded."""
    page = event_page(services.ledger, after=after, limit=limit)
    for subject_type, subjects in page.revealed.items():
        processing.record(Activity.AUDIT, Operation.READ, *subjects, subject_type=subject_type)
    return AuditEventsPage(items=[AuditEventPublic.of(d) for d in page.documents], next=page.next)
