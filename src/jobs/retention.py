"""The retention job: find the subjects whose retention has ended, and shred them.

Due dates come from the policies (`ledger.application.retention`) applied to the facts in
the read models: a worker's registration end from the worker register
(contract end, departure, housing; or, when the employer reports no end, the
day its stale registration starts the clock: `ledger.application.registration_clock`), an
inspection's date and sanctions from
the event store, an erasure note's date from the event store too. A subject
(a worker, an inspection) under a legal hold is never shredded. Due subjects
are shredded in chunks (`Ledger.shred_subjects`: a few transactions per chunk,
not a few per subject). The job is idempotent (shredded subjects are not due
any more) and resumable (a shred whose key is gone but whose event is missing
is finished by the next run), and only one instance runs at a time across
processes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar
from uuid import UUID

import structlog
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from sqlalchemy import Engine, select

from ledger.application.erasure import ShredRequest
from ledger.application.registration_clock import RegistrationClock, registration_clock
from ledger.application.retention import (
    ERASURE_NOTE,
    PROCESSING_LOG,
    REGISTRATION,
    RetentionPolicies,
    erasure_note_due_on,
    inspection_due_on,
    registration_due_on,
)
from ledger.application.service import Ledger
from ledger.audit.processing_log import ProcessingLog
from ledger.domain.erasure import ErasureNote, ErasureReason
from ledger.domain.inspection import Inspection
from ledger.domain.staleness import StalePeriods
from ledger.persistence.exclusive import holding
from projections.coordination import view_lock
from projections.register import RegisterView
from projections.register_tables import register_housing, register_legal_holds, register_workers
from projections.registry import build_view_runners
from projections.up_to_date import up_to_date

log = structlog.get_logger()

_PAGE = 1000

A = TypeVar("A", bound=Aggregate)

# Subjects shredded together: one tombstone, one key-deletion and one event
# transaction each; large enough that commits do not dominate, small enough
# that a failing chunk leaves little for the next run and progress moves.
SHRED_CHUNK = 200

# How long a run waits for a running `ledger project` to bring the register up to date.
REGISTER_WAIT_S = 60.0


@dataclass(frozen=True)
class DueSubject:
    """A subject whose retention ends on or before the day asked about."""

    subject_id: UUID
    subject_type: str  # "worker", "inspection" or "erasure_note"
    policy: str
    due_on: date
    legal_holds: tuple[str, ...] = ()
    clock: str | None = None  # what started a worker's retention clock, in words (`ledger retention due`)

    @property
    def held(self) -> bool:
        """A legal hold blocks shredding."""
        return bool(self.legal_holds)


@dataclass
class RetentionReport:
    """What a run did (or, dry, would do)."""

    on: date
    dry_run: bool
    shredded: list[DueSubject] = field(default_factory=list)
    held: list[DueSubject] = field(default_factory=list)
    failed: list[DueSubject] = field(default_factory=list)
    log_lines_deleted: int = 0


class RetentionJobBusyError(RuntimeError):
    """Another retention job holds the lock."""


def update_register(ledger: Ledger, *, wait_s: float = REGISTER_WAIT_S) -> None:
    """The due dates are read from the register: make it reflect every event first.

    Caught up here, or, while a `ledger project` runs the view, by that runner (waited for up to `wait_s`).
    """
    runner = next(r for r in build_view_runners(ledger) if isinstance(r.view, RegisterView))
    with up_to_date(ledger, runner, wait_s=wait_s):
        pass


def worker_due_dates(
    engine: Engine,
    policies: RetentionPolicies,
    *,
    on: date,
    stale: StalePeriods,
    worker_ids: Iterable[UUID] | None = None,
) -> dict[UUID, date | None]:
    """Unshredded workers' retention due dates (None while the registration has not ended nor gone stale).

    All workers, or only `worker_ids` (the HTTP API asks for the workers it shows).
    """
    clocks = worker_clocks(engine, on=on, stale=stale, worker_ids=worker_ids)
    return {
        worker: registration_due_on(policies, clock.starts_on if clock else None) for worker, clock in clocks.items()
    }


def worker_clocks(
    engine: Engine, *, on: date, stale: StalePeriods, worker_ids: Iterable[UUID] | None = None
) -> dict[UUID, RegistrationClock | None]:
    """When each unshredded worker's retention clock starts, and why (`ledger.application.registration_clock`)."""
    chosen = None if worker_ids is None else [w.hex for w in worker_ids]
    w = register_workers.c
    workers_query = select(
        w.worker_id, w.contract_start, w.expected_end_date, w.confirmed_on, w.contract_end, w.departed_on
    ).where(w.shredded.is_(False))
    stays_query = select(register_housing.c.worker_id, register_housing.c.valid_from, register_housing.c.valid_to)
    if chosen is not None:
        workers_query = workers_query.where(w.worker_id.in_(chosen))
        stays_query = stays_query.where(register_housing.c.worker_id.in_(chosen))
    with engine.connect() as conn:
        workers = conn.execute(workers_query).all()
        stays: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
        for worker, start, end in conn.execute(stays_query):
            stays[worker].append((start, end))
    clocks: dict[UUID, RegistrationClock | None] = {}
    for row in workers:
        intervals = stays.get(row.worker_id, [])
        clocks[UUID(row.worker_id)] = registration_clock(
            employment_start=row.contract_start,
            expected_end_date=row.expected_end_date,
            confirmed_on=row.confirmed_on,
            contract_end=row.contract_end,
            departed_on=row.departed_on,
            last_housing_end=max((end for _, end in intervals if end is not None), default=None),
            housed_now=any(end is None or (start <= on < end) for start, end in intervals),
            periods=stale,
        )
    return clocks


def due_subjects(ledger: Ledger, engine: Engine, policies: RetentionPolicies, *, on: date) -> list[DueSubject]:
    """Workers, inspections and erasure notes due on or before `on`, not yet shredded, with their legal holds."""
    with engine.connect() as conn:
        holds: dict[str, list[str]] = defaultdict(list)
        for worker, case in conn.execute(
            select(register_legal_holds.c.worker_id, register_legal_holds.c.case_reference)
        ):
            holds[worker].append(case)
    due = []
    for worker, clock in worker_clocks(engine, on=on, stale=ledger.settings.stale_periods).items():
        due_on = registration_due_on(policies, clock.starts_on if clock else None)
        if clock is not None and due_on is not None and due_on <= on:
            held = tuple(sorted(holds.get(worker.hex, [])))
            due.append(DueSubject(worker, "worker", REGISTRATION, due_on, held, clock=clock.reason))
    due += [subject for subject in _inspection_due(ledger, policies) if subject.due_on <= on]
    due += [subject for subject in _erasure_note_due(ledger, policies) if subject.due_on <= on]
    return sorted(due, key=lambda s: (s.due_on, s.subject_id.hex))


def _inspection_due(ledger: Ledger, policies: RetentionPolicies) -> Iterator[DueSubject]:
    for inspection in _recorded(ledger, Inspection, Inspection.Recorded):
        if inspection.shredded or not inspection.has_personal_data:
            continue  # nothing personal (notes, a hold's reason) left to shred
        due_on, policy = inspection_due_on(policies, inspection.inspected_on, inspection.sanction_dates)
        yield DueSubject(inspection.id, "inspection", policy, due_on, tuple(sorted(inspection.legal_holds)))


def _erasure_note_due(ledger: Ledger, policies: RetentionPolicies) -> Iterator[DueSubject]:
    for note in _recorded(ledger, ErasureNote, ErasureNote.Written):
        if not note.shredded:
            yield DueSubject(note.id, "erasure_note", ERASURE_NOTE, erasure_note_due_on(policies, note.written_on))


def _recorded(ledger: Ledger, kind: type[A], created: type[Any]) -> Iterator[A]:
    """Every aggregate of `kind`, found by its creation event's topic in the log, loaded with its facts only."""
    topic = get_topic(created)
    position = 0
    while notifications := ledger.recorder.select_notifications(start=position + 1, limit=_PAGE, topics=[topic]):
        position = notifications[-1].id
        for notification in notifications:
            yield ledger.get_facts(kind, UUID(str(notification.originator_id)))


def run_retention(
    ledger: Ledger,
    engine: Engine,
    policies: RetentionPolicies,
    *,
    on: date,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = SHRED_CHUNK,
) -> RetentionReport:
    """Shred every due subject without a legal hold (or, dry, say what would be shredded).

    Subjects are shredded `chunk` at a time; `progress(done, total)` is called after each chunk.
    The caller reports the outcome (`report_facts` are its numbers for a log record).
    """
    with holding(view_lock(ledger.settings, "retention-job")) as held:
        if not held:
            raise RetentionJobBusyError("another retention job is running")
        report = RetentionReport(on=on, dry_run=dry_run)
        subjects = due_subjects(ledger, engine, policies, on=on)
        for done in range(0, len(subjects), chunk):
            part = subjects[done : done + chunk]
            if dry_run:
                for subject in part:
                    (report.held if subject.held else report.shredded).append(subject)
            else:
                _shred(ledger, part, report)
            if progress is not None:
                progress(done + len(part), len(subjects))
        if not dry_run:
            report.log_lines_deleted = _purge_processing_log(ledger, policies, on)
    return report


def report_facts(report: RetentionReport) -> dict[str, Any]:
    """A run's numbers for its log record: what a dry run would shred is `would_shred`, never `shredded`."""
    facts: dict[str, Any] = {"on": report.on.isoformat(), "dry_run": report.dry_run}
    if report.dry_run:
        facts["would_shred"] = len(report.shredded)
    else:
        facts["shredded"] = len(report.shredded)
    facts |= {"held": len(report.held), "failed": len(report.failed)}
    if not report.dry_run:
        facts["log_lines_deleted"] = report.log_lines_deleted
    return facts


def _purge_processing_log(ledger: Ledger, policies: RetentionPolicies, on: date) -> int:
    cutoff = policies[PROCESSING_LOG].period.before(on)
    return ProcessingLog(ledger.database.engine).purge(before=datetime.combine(cutoff, time.min, tzinfo=UTC))


def _shred(ledger: Ledger, chunk: list[DueSubject], report: RetentionReport) -> None:
    """Shred a chunk's subjects without a hold in the register; report each in the chunk's order."""
    due = [subject for subject in chunk if not subject.held]
    try:
        outcome = ledger.shred_subjects(
            [ShredRequest(s.subject_id, s.policy, s.due_on, ErasureReason.RETENTION) for s in due]
        )
    except Exception as e:
        # Nothing of the chunk is recorded shredded; the next run takes it up where it stopped.
        log.error("retention_shred_failed", subjects=len(due), error_type=type(e).__qualname__)
        report.held += [s for s in chunk if s.held]
        report.failed += due
        return
    for subject in chunk:
        if subject.held or subject.subject_id in outcome.held:
            # The write side is authoritative: a hold the register has not caught up with yet.
            report.held.append(subject)
        elif subject.subject_id in outcome.shredded:
            report.shredded.append(subject)
        else:
            error = outcome.failed.get(subject.subject_id, "unknown")
            log.error("retention_shred_failed", subject_id=str(subject.subject_id), error_type=error)
            report.failed.append(subject)
