"""The auditor's endpoints: the hash chain's verification and the event feed.

`/audit/verification` recomputes the chain over every stored event, as
`ledger audit verify` does. `/audit/events` pages through every event in
notification order, the same documents `ledger audit export` writes: personal
fields pseudonymised, or with `open=true&reason=R` opened for the auditor
(`null` either way where the subject's key is gone; `ledger.audit.exports`). An
opened page is an export of personal data: one processing-log line per
subject it reveals, under the audit activity, with the reason and the date by
which the copy is to be destroyed. The access log, the third audit endpoint,
is in `api.routers.access_log`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, Field

from api.auth import Principal
from api.deps import ProcessingDep, ServicesDep
from api.policy import AUDIT, allow
from api.routing import ApiRoute
from api.schemas.common import ApiModel, Instant
from ledger.audit.chain import AuditChain, Verification
from ledger.audit.exports import OpeningReason, event_page, export_opening
from ledger.audit.processing_log import Activity, Operation
from ledger.errors import RuleViolated

router = APIRouter(prefix="/audit", tags=["audit"], route_class=ApiRoute)

MAX_LIMIT = 500
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
    data: dict[str, Any] = Field(
        description="The event's fields; personal fields pseudonymised (`pseudonym:` and 32 hex digits: the same "
        "for the same value of one person) or, on an opened page, opened; `null` once shredded."
    )
    shredded: bool = Field(description="Some personal fields are `null` because the subject's key is gone.")
    shredded_fields: list[str] = Field(description="Which fields of `data` are `null` because of a shred.")

    @classmethod
    def of(cls, document: dict[str, Any]) -> AuditEventPublic:
        """From an event document (`ledger.audit.event_documents`)."""
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
    personal_data: Literal["pseudonymised", "opened"] = Field(description="How the personal fields are given.")
    destroy_on: date | None = Field(
        description="On an opened page: the day by which every copy of it is to be destroyed (logged); null otherwise."
    )


def _clamped(limit: int) -> int:
    return min(limit, MAX_LIMIT)


After = Annotated[int, Query(ge=0, le=_MAX_AFTER, description="Events after this position (0: from the first).")]
# The constraint before the clamp: after a validator pydantic could only write `ge` into the document.
Limit = Annotated[
    int, Query(ge=1, description=f"Page size (at most {MAX_LIMIT}; larger is clamped)."), AfterValidator(_clamped)
]
Opened = Annotated[
    bool,
    Query(
        alias="open",
        description="Open the personal fields instead of pseudonymising them; needs `reason`, and is logged per "
        "person with the date by which the page is to be destroyed.",
    ),
]
Reason = Annotated[OpeningReason | None, Query(description="Why the personal fields are opened (with `open=true`).")]


# -- routes -------------------------------------------------------------------------------


@router.get("/verification")
def get_verification(services: ServicesDep, _: Annotated[Principal, Depends(allow(AUDIT))]) -> VerificationPublic:
    """Recompute the hash chain over every stored event: `ok`, how many were checked, where it first breaks."""
    ledger = services.ledger
    return VerificationPublic.of(AuditChain(ledger.recorder, ledger.database.engine).verify())


@router.get("/events")
def get_events(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(AUDIT))],
    processing: ProcessingDep,
    after: After = 0,
    limit: Limit = DEFAULT_LIMIT,
    opened: Opened = False,
    reason: Reason = None,
) -> AuditEventsPage:
    """Every event in notification order, after `after`: personal fields pseudonymised, or opened for a reason."""
    if reason is not None and not opened:
        raise RuleViolated.single("reason", "not_applicable", "a reason is given only with open=true")
    ledger = services.ledger
    opening = (
        export_opening(reason, today=ledger.today(), settings=services.settings, actor=principal.sub)
        if opened
        else None
    )
    page = event_page(ledger, after=after, limit=limit, opened=opening is not None)
    if opening is not None:
        for subject_type, subjects in page.revealed.items():
            processing.record(
                Activity.AUDIT,
                Operation.EXPORT,
                *subjects,
                subject_type=subject_type,
                reason_code=opening.reason.value,
                destroy_on=opening.destroy_on,
            )
    return AuditEventsPage(
        items=[AuditEventPublic.of(d) for d in page.documents],
        next=page.next,
        personal_data="opened" if opening else "pseudonymised",
        destroy_on=opening.destroy_on if opening else None,
    )
