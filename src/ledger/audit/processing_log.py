"""The processing log (Logius "Logboek dataverwerkingen"): one line per data subject.

Every request that reads or writes personal data appends, per subject, who
(`sub` and role), when, which processing activity (an id in
`docs/processing-register.md`, which holds purpose and legal basis), the
operation, the outcome and the W3C trace id; an erasure also says why (its
reason code), and an export with opened personal data says why it was opened
and by when its copy is to be destroyed (docs/audit.md). The table is
append-only: the code never updates or deletes a line. Reading the log is
itself logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    insert,
    or_,
    select,
)

from ledger.persistence.database import UTCDateTime, reading

metadata = MetaData()

processing_log = Table(
    "processing_log",
    metadata,
    Column("line_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("processing_activity", String(64), nullable=False),
    Column("subject_id", String(32), nullable=False),
    Column("subject_type", String(32), nullable=False),
    Column("operation", String(16), nullable=False),
    Column("outcome", String(8), nullable=False),
    Column("trace_id", String(32), nullable=False),
    # Why: the reason code of an erasure (an `ErasureReason`) or of an opened export (an `OpeningReason`).
    Column("reason_code", String(32), nullable=True),
    # By when the copy an opened export made outside the system is to be destroyed; only on such exports.
    Column("destroy_on", Date, nullable=True),
    Index("ix_processing_log_subject", "subject_id", "at"),
    Index("ix_processing_log_at", "at"),
)


class Activity(StrEnum):
    """Processing activities; each is described in docs/processing-register.md."""

    REGISTRATION = "PA-01-registration"
    HOUSING_SUPERVISION = "PA-02-housing-supervision"
    ENFORCEMENT = "PA-03-enforcement"
    AUDIT = "PA-04-audit"
    DATA_SUBJECT_RIGHTS = "PA-05-data-subject-rights"


class Operation(StrEnum):
    """What was done with the subject's data."""

    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"  # a read whose copy leaves the system: an opened export, a person's own export


@dataclass(frozen=True)
class LogLine:
    """One line of the processing log."""

    at: datetime
    actor: str
    role: str
    processing_activity: str
    subject_id: UUID
    operation: str
    outcome: str
    trace_id: str
    reason_code: str | None = None
    destroy_on: date | None = None
    line_id: int = 0  # the line's place among lines of the same instant: (at, line_id) orders the log


class ProcessingLog:
    """Appends to and reads the processing log."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def append(
        self,
        *,
        actor: str,
        role: str,
        activity: Activity,
        subjects: Iterable[UUID],
        operation: Operation,
        outcome: str,
        trace_id: str,
        subject_type: str = "worker",
        reason_code: str | None = None,
        destroy_on: date | None = None,
    ) -> None:
        """One line per subject, in one statement (`reason_code`: why; `destroy_on`: an opened export's date)."""
        now = datetime.now(UTC)
        rows = [
            {
                "at": now,
                "actor": actor,
                "role": role,
                "processing_activity": activity.value,
                "subject_id": subject.hex,
                "subject_type": subject_type,
                "operation": operation.value,
                "outcome": outcome,
                "trace_id": trace_id,
                "reason_code": reason_code,
                "destroy_on": destroy_on,
            }
            for subject in dict.fromkeys(subjects)
        ]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert(processing_log), rows)

    def purge(self, *, before: datetime) -> int:
        """Delete the lines older than `before` (the processing log's retention); return how many.

        The only deletion the log ever sees: lines are never changed, and leave
        only when their retention period has run out.
        """
        with self.engine.begin() as conn:
            return int(conn.execute(delete(processing_log).where(processing_log.c.at < before)).rowcount)

    def lines(
        self,
        *,
        subject_id: UUID | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after: tuple[datetime, int] | None = None,
        limit: int = 1000,
    ) -> list[LogLine]:
        """Lines in time order, filtered; `after` the line with that (`at`, `line_id`), for the next page."""
        c = processing_log.c
        statement = select(processing_log).order_by(c.at, c.line_id).limit(limit)
        if after is not None:
            at, line_id = after
            statement = statement.where(or_(c.at > at, and_(c.at == at, c.line_id > line_id)))
        if subject_id is not None:
            statement = statement.where(processing_log.c.subject_id == subject_id.hex)
        if actor is not None:
            statement = statement.where(processing_log.c.actor == actor)
        if since is not None:
            statement = statement.where(processing_log.c.at >= since)
        if until is not None:
            statement = statement.where(processing_log.c.at <= until)
        with reading(self.engine) as conn:
            rows = conn.execute(statement).all()
        return [
            LogLine(
                at=r.at,
                actor=r.actor,
                role=r.role,
                processing_activity=r.processing_activity,
                subject_id=UUID(r.subject_id),
                operation=r.operation,
                outcome=r.outcome,
                trace_id=r.trace_id,
                reason_code=r.reason_code,
                destroy_on=r.destroy_on,
                line_id=int(r.line_id),
            )
            for r in rows
        ]
