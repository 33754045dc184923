"""The core of the application service: load, change, save — and what every save does besides.

`LedgerCore` holds the event store, the key store and the claims; the command
methods of `Ledger` (`ledger.application.service`) are its subclasses'
(registrations, enforcement, erasure, idempotent answers), each a few lines of
load -> call -> save through `_change` and `_save`, returning a `Receipt`: the
id, the aggregate's new version and the notification position of the last
event stored, so a client can read its own write from the projections.
Library errors are translated here, once, into the ledger's own
(`ledger.errors`).

Every save also writes its claims (`ledger.persistence.claims`) in the events'
own transaction: the identity document a registration takes, the address of a
housing location, and — inside `Ledger.claiming(idempotency=...)` — the
caller's `Idempotency-Key` with the answer it gets. A claim that is taken
refuses the whole write, and the refusal names the existing holder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import structlog
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent, Repository
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import EventStore, IntegrityError, JSONTranscoder, Mapper, Recording
from eventsourcing.utils import Environment, EnvType

from ledger.application.overtaken import retry_change
from ledger.crypto.keystore import KeyStore, NoKeys
from ledger.crypto.sealing import PrefetchedKeys, SealingMapper, SubjectKeys, sealed_fields_of
from ledger.domain.errors import ConcurrentModification, Conflict, NotFound, RuleViolated
from ledger.domain.worker import Worker
from ledger.persistence.claim_store import ClaimStore
from ledger.persistence.claims import (
    IDEMPOTENCY,
    IDENTITY_DOCUMENT,
    AnswerGiven,
    AnswerPending,
    ClaimTaken,
    ClaimWrites,
    DuplicateAddress,
    DuplicatePerson,
    IdempotencyClaim,
    KeptAnswer,
    claims_of,
)
from ledger.persistence.database import Database
from ledger.persistence.durability import check_durability
from ledger.persistence.transcodings import register_ledger_transcodings
from ledger.settings import Settings

A = TypeVar("A", bound=Aggregate)

log = structlog.get_logger()


@dataclass
class PendingClaim:
    """The `Idempotency-Key` of the request in progress, and whether a write has answered it."""

    idempotency: IdempotencyClaim
    answered: bool = False


# Set by `Ledger.claiming` for the commands of one request; read when they save.
pending_claim: ContextVar[PendingClaim | None] = ContextVar("ledger_claiming", default=None)


@dataclass(frozen=True)
class Receipt:
    """What a command answers: the aggregate, its new version, the position of its last event."""

    id: UUID
    version: int
    position: int


class LedgerCore(Application[UUID]):
    """The event store, keys and claims of the write side, and the boundary every command goes through."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        keys: KeyStore,
        clock: Callable[[], datetime] | None = None,
        *,
        create_tables: bool = True,
        statement_timeout_ms: int | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.keys = keys
        self._clock = clock or (lambda: datetime.now(ZoneInfo(settings.timezone)))
        self._zone = ZoneInfo(settings.timezone)
        super().__init__(
            env=settings.eventsourcing_env(create_tables=create_tables, statement_timeout_ms=statement_timeout_ms)
        )
        check_durability(self.recorder)
        # Loads that open no personal field and look up no key: facts for holds and shredding.
        self._facts = Repository(event_store=EventStore(self._mapper_with(NoKeys()), self.recorder))
        self.claims = ClaimStore(database.engine)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Only the settings configure the event store: os.environ must not
        # switch on the aggregate cache (plaintext past a shred) or anything else.
        return Environment(name, dict(env or {}))

    def construct_mapper(self) -> Mapper[UUID]:
        return SealingMapper(transcoder=self.construct_transcoder(), keys=self.keys)

    def _mapper_with(self, keys: SubjectKeys) -> Mapper[UUID]:
        """The application's mapper with other keys (its transcoder shared)."""
        return SealingMapper(transcoder=self.mapper.transcoder, keys=keys)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        # The save's claims go to the recorder with the events (`ledger.persistence.claims`); one
        # held already is refused here, before any data key is made for a new subject.
        writes = self._claim_writes(processing_event.events)
        if writes:
            processing_event.saved_kwargs["claims"] = writes
        # The keys of every subject this save seals are looked up, and the missing
        # ones created, in one go before mapping: sealing subject by subject would
        # commit one key transaction per new subject (a batch of 500 registrations,
        # 500 commits). The aggregate cache the base class would fill is never on.
        # A save that fails after its keys were made deletes the ones it made, if unused.
        subjects = self._subjects_to_seal(processing_event.events)
        if not subjects:
            recordings = super()._record(processing_event)
        else:
            created: set[UUID] = set()
            keys = PrefetchedKeys(self.keys.data_keys_for_writing(subjects, created=created), self.keys)
            try:
                recordings = EventStore(self._mapper_with(keys), self.recorder).put(
                    processing_event.events, tracking=processing_event.tracking, **processing_event.saved_kwargs
                )
            except Exception:
                self._discard_unused_keys(created)
                raise
        claiming = pending_claim.get()
        if writes.idempotency is not None and claiming is not None:
            claiming.answered = True
        return recordings

    def _subjects_to_seal(self, events: Sequence[DomainEventProtocol[UUID]]) -> set[UUID]:
        """The subjects whose data keys a save of `events` needs: those with a personal field to seal."""
        return {e.originator_id for e in events if _seals_personal_data(e)}

    def _claim_writes(self, events: Sequence[DomainEventProtocol[UUID]]) -> ClaimWrites:
        writes = claims_of(events, self.keys.keyring.index_key)
        if self.claims.held(writes.take) is not None:
            raise self._claim_refused(ClaimTaken.among(writes.take))
        claiming = pending_claim.get()
        if claiming is None or claiming.answered or not events:
            return writes
        now = self._clock()
        return replace(writes, idempotency=claiming.idempotency, claimed_at=now, purge_before=self._kept_since(now))

    def _discard_unused_keys(self, created: set[UUID]) -> None:
        """Delete the keys a failed save made, of subjects none of whose events were stored.

        Such a key would be an orphan: a key of a subject that never was (a write
        refused by a claim taken in the meantime, a database error). Whether the
        events were stored is asked, not assumed: a commit whose answer was lost
        may have been made, and its subject's key must then stay. If even that
        cannot be asked, the keys stay too (they seal nothing stored).
        """
        if not created:
            return
        try:
            unused = [subject for subject in created if not self.recorder.select_events(subject, limit=1)]
            self.keys.discard_unused(unused)
        except Exception as error:  # the database that failed the save may fail this too
            log.warning("unused_data_keys_kept", keys=len(created), error_type=type(error).__qualname__)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        register_ledger_transcodings(transcoder)

    def today(self) -> date:
        """Today's calendar date in the municipality's time zone."""
        return self._clock().astimezone(self._zone).date()

    def kept_answer(self, claim: IdempotencyClaim) -> KeptAnswer | None:
        """The first answer to the caller's key, if it was given within the retention period."""
        return self.claims.answer(claim.principal, claim.key, kept_since=self._kept_since(self._clock()))

    def _kept_since(self, now: datetime) -> datetime:
        return now - timedelta(hours=self.settings.idempotency_retention_h)

    def _answer_without_events(self, receipt: Receipt) -> None:
        # A command that changed nothing still answers: its receipt is kept like a write's.
        claiming = pending_claim.get()
        if claiming is None or claiming.answered:
            return
        claim, now = claiming.idempotency, self._clock()
        answer = KeptAnswer(claim.request_hash, claim.status_code, receipt.id, receipt.version, receipt.position)
        if not self.claims.keep(claim, answer, now=now, purge_before=self._kept_since(now)):
            raise self._claim_refused(ClaimTaken(IDEMPOTENCY, claim.key))
        claiming.answered = True

    def _claim_refused(self, taken: ClaimTaken) -> Exception:
        """The refusal for a taken claim, naming what holds it (if it can still be read)."""
        if taken.kind == IDEMPOTENCY:
            claiming = pending_claim.get()
            answer = self.kept_answer(claiming.idempotency) if claiming is not None else None
            return AnswerGiven(answer) if answer is not None else AnswerPending()
        # One of the claims of the write: the one held now is the one that was taken.
        held = self.claims.held(taken.candidates)
        if held is None:
            return Conflict("a document or address of this write was registered at the same time; try again")
        holder = self.claims.holder(held.kind, held.key)
        if held.kind == IDENTITY_DOCUMENT:
            employer_id = None
            if holder is not None:
                try:
                    employer_id = self.get_facts(Worker, holder).employer_id
                except NotFound:
                    holder = None
            return DuplicatePerson(holder, employer_id)
        return DuplicateAddress(holder)

    def get(self, kind: type[A], aggregate_id: UUID, *, version: int | None = None) -> A:
        """Load an aggregate of `kind` (personal fields opened, or `SHREDDED`)."""
        return _get_from(self.repository, kind, aggregate_id, version)

    def get_facts(self, kind: type[A], aggregate_id: UUID) -> A:
        """Load an aggregate of `kind` with its operational facts only: no key is looked up.

        Every personal field reads as `SHREDDED`, so it is for decisions that
        need none (legal holds, shredding, retention due dates), never for showing.
        """
        return _get_from(self._facts, kind, aggregate_id, None)

    def _load(self, kind: type[A], aggregate_id: UUID, expected_version: int | None) -> A:
        aggregate = self.get(kind, aggregate_id)
        if expected_version is not None and aggregate.version != expected_version:
            raise ConcurrentModification(
                f"{kind_name(kind)} {aggregate_id} is at version {aggregate.version}, not {expected_version}",
                expected=expected_version,
                actual=aggregate.version,
            )
        return aggregate

    def _change(
        self, kind: type[A], aggregate_id: UUID, expected_version: int | None, command: Callable[[A], None]
    ) -> Receipt:
        """Load the aggregate, apply `command` to it, save; what to do when another writer got in between.

        With `expected_version` (an `If-Match`) the caller stated what it saw:
        a write that lands between this load and this save makes that stale,
        so the answer is the precondition's failure (412), never a plain
        conflict. Without one, the command is applied again to the reloaded
        aggregate — its rules checked anew against the newer state — a few
        times before the race is answered as a conflict (409).
        """

        def attempt() -> Receipt:
            aggregate = self._load(kind, aggregate_id, expected_version)
            command(aggregate)
            return self._save(aggregate)

        return retry_change(attempt, expected_version=expected_version, what=f"{kind_name(kind)} {aggregate_id}")

    def _require(self, kind: type[Aggregate], aggregate_id: UUID, field: str) -> None:
        # A reference in a command body to something unknown is bad input (400), not 404.
        try:
            self.get(kind, aggregate_id)
        except NotFound:
            raise RuleViolated.single(field, "unknown", f"no {kind_name(kind)} {aggregate_id} is registered") from None

    def _save(self, aggregate: Aggregate) -> Receipt:
        version = aggregate.version
        if not aggregate.pending_events:
            # Nothing changed (an idempotent repeat): any position from now on reflects it.
            unchanged = Receipt(id=aggregate.id, version=version, position=self.recorder.max_notification_id() or 0)
            self._answer_without_events(unchanged)
            return unchanged
        try:
            recordings = self.save(aggregate)
        except ClaimTaken as taken:
            raise self._claim_refused(taken) from None
        except IntegrityError:
            if version == Aggregate.INITIAL_VERSION:
                raise Conflict(f"{kind_name(type(aggregate))} {aggregate.id} is already registered") from None
            raise ConcurrentModification(
                f"{kind_name(type(aggregate))} {aggregate.id} was changed by someone else; reload and retry"
            ) from None
        receipt = Receipt(id=aggregate.id, version=version, position=recordings[-1].notification.id)
        # Ids, versions and event types only: personal data never enters a log line.
        log.debug(
            "events_recorded",
            aggregate=type(aggregate).__name__,
            aggregate_id=str(receipt.id),
            version=receipt.version,
            position=receipt.position,
            events=[type(r.domain_event).__qualname__ for r in recordings],
        )
        return receipt


def _get_from(repository: Repository[UUID], kind: type[A], aggregate_id: UUID, version: int | None) -> A:
    try:
        aggregate: Any = repository.get(aggregate_id, version=version, projector_func=_mutate_each)
    except AggregateNotFoundError:
        raise NotFound(kind_name(kind), aggregate_id) from None
    if not isinstance(aggregate, kind):
        raise NotFound(kind_name(kind), aggregate_id)
    return aggregate


def _mutate_each(aggregate: Aggregate | None, events: Iterable[Aggregate.Event]) -> Aggregate | None:
    # The library's default projector asserts each event against a runtime-checkable
    # protocol, which costs several times applying it (bench/README.md, "Figures behind
    # the code"); our events are the library's aggregate events, which all mutate.
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def _seals_personal_data(event: DomainEventProtocol[UUID]) -> bool:
    """Whether the mapper seals a field of `event` (and so needs its subject's key)."""
    return any(getattr(event, name, None) is not None for name in sealed_fields_of(type(event)))


def kind_name(kind: type[Any]) -> str:
    """How a message names an aggregate kind (`housing location`, `worker`)."""
    return {"HousingLocation": "housing location"}.get(kind.__name__, kind.__name__.lower())
