"""Erasure: crypto-shredding a subject's personal data, one at a time or in batches (docs/retention.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from ledger.application.core import LedgerCore, Receipt, kind_name
from ledger.application.overtaken import retry_shredding
from ledger.domain.erasure import ErasureNote, ErasureReason, checked_erasure
from ledger.domain.errors import Conflict, NotFound
from ledger.domain.inspection import Inspection
from ledger.domain.worker import Worker

# What can be shredded: each has a data key of its own.
Subject = Worker | Inspection | ErasureNote


@dataclass(frozen=True)
class ShredRequest:
    """One subject to shred, with the policy, due date and reason code its event records."""

    subject_id: UUID
    policy: str
    due_on: date | None = None
    reason_code: ErasureReason = ErasureReason.RETENTION


@dataclass
class ShredOutcome:
    """What `Ledger.shred_subjects` did with each subject: shredded, held, or failed (with the error type)."""

    shredded: set[UUID] = field(default_factory=set)
    held: set[UUID] = field(default_factory=set)
    failed: dict[UUID, str] = field(default_factory=dict)


class Erasure(LedgerCore):
    """The erasure commands: shredding one subject, or many at once."""

    def shred_subject(
        self,
        subject_id: UUID,
        *,
        policy: str,
        due_on: date | None = None,
        reason_code: str = ErasureReason.OTHER,
        note: str | None = None,
    ) -> Receipt:
        """Destroy a subject's data key, then record `PersonalDataShredded` on it, with why.

        The subject is a worker or an inspection (its notes). Refused with
        `Conflict` while it has a legal hold. `reason_code` is an
        `ErasureReason`, kept on the event; `note`, an optional explanation,
        becomes an `ErasureNote` saved with that event, sealed under a key of
        its own (it outlives the subject's key, until its own retention ends).
        Both are checked before anything is destroyed. Idempotent and
        resumable: if the process dies between the two steps, calling it again
        finds the key gone and records the event (and the note).
        """
        code, text = checked_erasure(reason_code, note)
        subject = self._load_subject(subject_id)
        if isinstance(subject, Worker | Inspection) and subject.legal_holds:
            cases = ", ".join(sorted(subject.legal_holds))
            kind = kind_name(type(subject))
            raise Conflict(f"legal hold in place (case {cases}); nothing of this {kind} may be erased")
        self.keys.shred(subject_id)
        return self._record_shredding(ShredRequest(subject_id, policy, due_on, code), note=text)

    def shred_subjects(self, requests: Sequence[ShredRequest]) -> ShredOutcome:
        """Shred many subjects: one tombstone transaction, one key deletion, one event transaction.

        What `shred_subject` guarantees holds for each subject: a worker or an
        inspection under a legal hold is left alone (held); its tombstone precedes the destruction
        of its key; its `PersonalDataShredded` is appended only once the key is
        gone. A batch cut short is finished by the next call: tombstones and key
        deletions are idempotent, and a shredded subject records no second event.
        A subject that cannot be loaded is reported failed; a database error
        of the batch itself is raised (the next call finishes what it left).
        """
        outcome = ShredOutcome()
        loaded: list[tuple[ShredRequest, Subject]] = []
        for request in requests:
            try:
                subject = self._load_subject(request.subject_id)
            except Exception as e:  # one subject that does not load must not stop the others
                outcome.failed[request.subject_id] = type(e).__qualname__
                continue
            if _held(subject):
                outcome.held.add(request.subject_id)
            else:
                loaded.append((request, subject))
        if loaded:
            self.keys.shred_many(request.subject_id for request, _ in loaded)
            self._record_shreddings(loaded, outcome)
        return outcome

    def _record_shreddings(self, loaded: list[tuple[ShredRequest, Subject]], outcome: ShredOutcome) -> None:
        """Record the events of subjects whose keys are gone, together; one by one if that conflicts."""
        for request, subject in loaded:
            subject.record_shredding(request.policy, request.due_on, request.reason_code)
        # A subject shredded already has nothing pending: no second event.
        pending = [subject for _, subject in loaded if subject.pending_events]
        try:
            if pending:
                self.save(*pending)
        except IntegrityError:
            # One of them was changed since it was loaded: reload each, record each.
            for request, _ in loaded:
                try:
                    self._record_shredding(request)
                except Exception as e:  # the key is gone; the next run records the event
                    outcome.failed[request.subject_id] = type(e).__qualname__
                else:
                    outcome.shredded.add(request.subject_id)
            return
        outcome.shredded.update(request.subject_id for request, _ in loaded)

    def _record_shredding(self, request: ShredRequest, *, note: str | None = None) -> Receipt:
        """Record `PersonalDataShredded` on a subject whose key is gone, retrying a racing writer.

        A `note` is written as the subject's `ErasureNote` in the same
        transaction; a subject whose shredding is recorded already gets none.
        """

        def attempt() -> Receipt:
            subject = self._load_subject(request.subject_id)
            subject.record_shredding(request.policy, request.due_on, request.reason_code)
            if note is None or not subject.pending_events:
                return self._save(subject)
            written = ErasureNote.write(
                subject_id=request.subject_id, reason_code=request.reason_code, text=note, today=self.today()
            )
            version = subject.version
            # Overtaken (IntegrityError), it is tried again: the note's id (and key) follow from the
            # subject's, so the next attempt writes the same note, and no key is left over.
            recordings = self.save(subject, written)
            return Receipt(id=subject.id, version=version, position=recordings[-1].notification.id)

        return retry_shredding(attempt, what=str(request.subject_id))

    def _load_subject(self, subject_id: UUID) -> Subject:
        # Holds and shredding are facts: the personal fields need not be opened.
        subject = self.get_facts(Aggregate, subject_id)
        if not isinstance(subject, Subject):
            raise NotFound("data subject", subject_id)
        return subject


def _held(subject: Subject) -> bool:
    """A legal hold blocks shredding (workers and inspections carry holds; erasure notes none)."""
    return isinstance(subject, Worker | Inspection) and bool(subject.legal_holds)
