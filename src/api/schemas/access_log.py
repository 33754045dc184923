"""The answer of `GET /audit/access-log`: a page of processing-log lines."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

from api.schemas.common import ApiModel, Instant
from ledger.audit.processing_log import LogLine


class AccessLogLine(ApiModel):
    """One line of the processing log: who processed whose data, when, for what."""

    at: Instant
    actor: str
    role: str
    processing_activity: str
    subject_id: UUID
    operation: str
    outcome: str
    trace_id: str
    reason_code: str | None = Field(
        default=None,
        description="Why: an erasure's reason code, or why an export opened the personal data; `null` on other lines.",
    )
    destroy_on: date | None = Field(
        default=None,
        description="By when the copy an export with opened personal data made is to be destroyed; `null` on other "
        "lines (a person's own export belongs to the person).",
    )

    @classmethod
    def of(cls, line: LogLine) -> AccessLogLine:
        """From the processing log."""
        return cls(
            at=line.at,
            actor=line.actor,
            role=line.role,
            processing_activity=line.processing_activity,
            subject_id=line.subject_id,
            operation=line.operation,
            outcome=line.outcome,
            trace_id=line.trace_id,
            reason_code=line.reason_code,
            destroy_on=line.destroy_on,
        )


class AccessLogPublic(ApiModel):
    """A page of processing-log lines in time order."""

    items: list[AccessLogLine]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; `null` on the last page.")
