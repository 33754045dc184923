"""The application service: one method per command, load -> call -> save.

Each command loads the aggregate it addresses, calls one command method on it
(which checks the rules and triggers the event) and saves, returning the id,
the aggregate's new version and the notification position of the last event
stored, so a client can read its own write from the projections. Library
errors are translated here, once, into the ledger's own (`ledger.errors`).

Every save also writes its claims (`ledger.claims`) in the events' own
transaction: the identity document a registration takes, the address of a
housing location, and — inside `claiming(idempotency=...)` — the caller's
`Idempotency-Key` with the answer it gets. A claim that is taken refuses the
whole write, and the refusal names the existing holder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import structlog
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent, Repository
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import EventStore, IntegrityError, JSONTranscoder, Mapper, Recording
from eventsourcing.utils import Environment, EnvType, get_topic

from ledger.claim_store import ClaimStore, write_backfill
from ledger.claims import (
    ADDRESS,
    IDEMPOTENCY,
    IDENTITY_DOCUMENT,
    AnswerGiven,
    AnswerPending,
    Claim,
    ClaimTaken,
    ClaimWrites,
    DuplicateAddress,
    DuplicatePerson,
    IdempotencyClaim,
    KeptAnswer,
    claims_of,
)
from ledger.domain.employer import Employer
from ledger.domain.erasure import ErasureNote, ErasureReason, checked_erasure
from ledger.domain.errors import AlreadyRegistered, ConcurrentModification, Conflict, NotFound, RuleViolated
from ledger.domain.housing_location import MUNICIPALITY, HousingLocation, Registrant
from ledger.domain.inspection import Inspection
from ledger.domain.legal_hold import months_after
from ledger.domain.population import BrpAddress
from ledger.domain.values import Address, Employment, Person
from ledger.domain.worker import Worker
from ledger.durability import check_durability
from ledger.keystore import KeyStore, NoKeys
from ledger.overtaken import retry_change, retry_shredding
from ledger.sealing import PrefetchedKeys, SealingMapper, SubjectKeys, sealed_fields_of
from ledger.settings import APPLICATION_NAME, Settings
from ledger.transcodings import register_ledger_transcodings

A = TypeVar("A", bound=Aggregate)
# What can be shredded: each has a data key of its own.
Subject = Worker | Inspection | ErasureNote

log = structlog.get_logger()

# Notifications read a page at a time by the claims' backfill.
_BACKFILL_PAGE = 500


@dataclass
class _Claiming:
    """The `Idempotency-Key` of the request in progress, and whether a write has answered it."""

    idempotency: IdempotencyClaim
    answered: bool = False


# Set by `Ledger.claiming` for the commands of one request; read when they save.
_claiming: ContextVar[_Claiming | None] = ContextVar("ledger_claiming", default=None)


@dataclass(frozen=True)
class Receipt:
    """What a command answers: the aggregate, its new version, the position of its last event."""

    id: UUID
    version: int
    position: int


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


class Ledger(Application[UUID]):
    """The westland-ledger write side."""

    name = APPLICATION_NAME

    def __init__(
        self,
        settings: Settings,
        keys: KeyStore,
        clock: Callable[[], datetime] | None = None,
        *,
        create_tables: bool = True,
        statement_timeout_ms: int | None = None,
    ) -> None:
        self.settings = settings
        self.keys = keys
        self._clock = clock or (lambda: datetime.now(ZoneInfo(settings.timezone)))
        self._zone = ZoneInfo(settings.timezone)
        super().__init__(
            env=settings.eventsourcing_env(create_tables=create_tables, statement_timeout_ms=statement_timeout_ms)
        )
        check_durability(self.recorder)
        # Loads that open no personal field and look up no key: facts for holds and shredding.
        self._facts = Repository(event_store=EventStore(self._mapper_with(NoKeys()), self.recorder))
        self.claims = ClaimStore(keys.engine)

    # -- infrastructure ---------------------------------------------------

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
        # The save's claims go to the recorder with the events (`ledger.claims`); one
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
        claiming = _claiming.get()
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
        claiming = _claiming.get()
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

    def close(self) -> None:
        """Close the event store's connections and the key store's own engine."""
        super().close()
        if self.keys.key_engine is not self.keys.engine:
            self.keys.key_engine.dispose()

    def today(self) -> date:
        """Today's calendar date in the municipality's time zone."""
        return self._clock().astimezone(self._zone).date()

    # -- claims: idempotency and uniqueness -----------------------------------------

    @contextmanager
    def claiming(self, *, idempotency: IdempotencyClaim) -> Iterator[None]:
        """Within the block, the first command that saves claims `idempotency` with its events.

        The claim keeps the command's receipt, so a repeated request is
        answered with it (`AnswerGiven`) and writes nothing; a command that
        records no events keeps its receipt in a small commit of its own.
        Commands keep their signatures: the claim travels in a context variable.
        """
        token = _claiming.set(_Claiming(idempotency))
        try:
            yield
        finally:
            _claiming.reset(token)

    def kept_answer(self, claim: IdempotencyClaim) -> KeptAnswer | None:
        """The first answer to the caller's key, if it was given within the retention period."""
        return self.claims.answer(claim.principal, claim.key, kept_since=self._kept_since(self._clock()))

    def keep_answer(self, claim: IdempotencyClaim, *, status_code: int, body: bytes) -> KeptAnswer | None:
        """Keep a refusal (a 4xx, which wrote nothing) as the key's answer; the first answer if one was kept before."""
        now = self._clock()
        answer = KeptAnswer(claim.request_hash, status_code, body=body)
        if self.claims.keep(claim, answer, now=now, purge_before=self._kept_since(now)):
            return None
        return self.kept_answer(claim)

    def _kept_since(self, now: datetime) -> datetime:
        return now - timedelta(hours=self.settings.idempotency_retention_h)

    def _answer_without_events(self, receipt: Receipt) -> None:
        # A command that changed nothing still answers: its receipt is kept like a write's.
        claiming = _claiming.get()
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
            claiming = _claiming.get()
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

    def backfill_claims(self) -> tuple[int, int] | None:
        """Build the claims of the events stored before claims existed (left to do by migration 0008).

        Reads every registration, contract end and departure, and every housing
        location's registration, opening the documents with their subjects'
        keys (a shredded worker claims nothing), and writes the claims in one
        transaction. Where existing data holds a document (or an address) twice,
        the earliest keeps the active claim and the others are kept inactive:
        returns (claims written, duplicates found), or None if another process
        did it first.
        """
        registered, address = get_topic(Worker.Registered), get_topic(HousingLocation.Registered)
        topics = [registered, get_topic(Worker.ContractEnded), get_topic(Worker.Departed), address]
        taken: dict[tuple[str, UUID], tuple[Claim, int]] = {}
        released: set[UUID] = set()
        after: int | None = None
        while page := self.recorder.select_notifications(
            after, _BACKFILL_PAGE, topics=topics, inclusive_of_start=after is None
        ):
            subjects = {UUID(str(n.originator_id)) for n in page if n.topic == registered}
            keys = PrefetchedKeys(self.keys.data_keys(subjects), NoKeys())
            mapper = self._mapper_with(keys)
            for notification in page:
                writes = claims_of([mapper.to_domain_event(notification)], self.keys.keyring.index_key)
                released.update(writes.release)
                for claim in writes.take:
                    taken.setdefault((claim.kind, claim.holder_id), (claim, notification.id))
            after = page[-1].id
        rows = [
            (claim, claim.kind == ADDRESS or claim.holder_id not in released, position)
            for claim, position in sorted(taken.values(), key=lambda item: item[1])
        ]
        written = write_backfill(self.keys.engine, rows)
        if written is None:
            return None
        duplicates = sum(1 for _, active, _ in rows if active) - written[1]
        log.info("claims_backfilled", claims=written[0], duplicates=duplicates)
        if duplicates:
            log.warning("duplicate_registrations_found", count=duplicates)
        return written[0], duplicates

    # -- employers and housing ---------------------------------------------

    def register_employer(self, *, kvk_number: str, name: str) -> Receipt:
        """Register an employer; a KvK number already registered is `AlreadyRegistered`, naming its id."""
        employer = Employer.register(kvk_number=kvk_number, name=name)
        try:
            return self._save(employer)
        except ConcurrentModification:
            raise
        except Conflict as conflict:
            # The id follows from the KvK number, so the one refused is the one registered: the caller goes on with it.
            raise AlreadyRegistered(str(conflict), existing_id=employer.id) from None

    def register_housing_location(
        self,
        *,
        bag_id: str,
        address: Address,
        kind: str,
        max_occupants: int | None = None,
        floor_area_m2: int | None = None,
        owner_kvk_number: str | None = None,
        registrant: Registrant = MUNICIPALITY,
    ) -> Receipt:
        """Register a housing location; a BAG id already registered is `AlreadyRegistered`, naming its id.

        `registrant` says who asks: a municipal role's `max_occupants` is the
        permitted maximum, an employer's only a proposal (never counted). The
        API says which for each request; every other path is the municipality's
        own (the CLI, the demo).
        """
        location = HousingLocation.register(
            bag_id=bag_id,
            address=address,
            kind=kind,
            max_occupants=max_occupants,
            floor_area_m2=floor_area_m2,
            owner_kvk_number=owner_kvk_number,
            registrant=registrant,
        )
        try:
            return self._save(location)
        except (ConcurrentModification, DuplicateAddress):
            raise  # another writer; or the address under another BAG id, which names that location
        except Conflict as conflict:
            # The id follows from the BAG id, so the one refused is the one registered: the caller
            # (a registrar after an employer, say) goes on with it, e.g. to set its limit.
            raise AlreadyRegistered(str(conflict), existing_id=location.id) from None

    def change_occupancy_limit(
        self,
        location_id: UUID,
        *,
        max_occupants: int,
        valid_from: date,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Receipt:
        """Set a housing location's permitted maximum from `valid_from` on: always the municipality's number."""
        return self._change(
            HousingLocation,
            location_id,
            expected_version,
            lambda location: location.change_occupancy_limit(max_occupants, valid_from, reason, self.today()),
        )

    # -- workers -------------------------------------------------------------

    def register_worker(
        self,
        *,
        employer_id: UUID,
        person: Person,
        employment: Employment,
        housing_location_id: UUID | None = None,
        housing_valid_from: date | None = None,
        registrant: Registrant = MUNICIPALITY,
        housing_outside_municipality: bool = False,
    ) -> Receipt:
        """Register a worker for an existing employer, housed at a registered location (or outside the municipality).

        `registrant` is who registers: only the municipality may record a BSN.
        """
        self._require(Employer, employer_id, "employer_id")
        if housing_location_id is not None and not housing_outside_municipality:
            self._require(HousingLocation, housing_location_id, "housing.housing_location_id")
        worker = Worker.register(
            employer_id=employer_id,
            person=person,
            employment=employment,
            housing_location_id=housing_location_id,
            housing_valid_from=housing_valid_from,
            today=self.today(),
            registrant=registrant,
            housing_outside_municipality=housing_outside_municipality,
        )
        return self._save(worker)

    def change_housing(
        self,
        worker_id: UUID,
        *,
        housing_location_id: UUID | None,
        valid_from: date,
        outside_municipality: bool = False,
        expected_version: int | None = None,
    ) -> Receipt:
        """Record where a worker lives from `valid_from` on (None: not housed here; or outside the municipality)."""
        if housing_location_id is not None and not outside_municipality:
            self._require(HousingLocation, housing_location_id, "housing_location_id")
        return self._change(
            Worker,
            worker_id,
            expected_version,
            lambda worker: worker.change_housing(
                housing_location_id, valid_from, self.today(), outside_municipality=outside_municipality
            ),
        )

    def transfer_worker(
        self, worker_id: UUID, *, employer_id: UUID, valid_from: date, expected_version: int | None = None
    ) -> Receipt:
        """Record that a worker works for another registered employer from `valid_from` on (one worker still)."""
        self._require(Employer, employer_id, "employer_id")
        return self._change(
            Worker, worker_id, expected_version, lambda worker: worker.transfer(employer_id, valid_from, self.today())
        )

    def change_work_address(
        self, worker_id: UUID, *, work_address: Address, valid_from: date, expected_version: int | None = None
    ) -> Receipt:
        """Record that a worker works at another address from `valid_from` on."""
        return self._change(
            Worker,
            worker_id,
            expected_version,
            lambda worker: worker.change_work_address(work_address, valid_from, self.today()),
        )

    def end_contract(
        self, worker_id: UUID, *, end_date: date, reason: str | None = None, expected_version: int | None = None
    ) -> Receipt:
        """Record the end of a worker's employment."""
        return self._change(
            Worker, worker_id, expected_version, lambda worker: worker.end_contract(end_date, reason, self.today())
        )

    def record_departure(self, worker_id: UUID, *, departed_on: date, expected_version: int | None = None) -> Receipt:
        """Record that a worker left the municipality."""
        return self._change(
            Worker, worker_id, expected_version, lambda worker: worker.depart(departed_on, self.today())
        )

    def record_population_registration(
        self,
        worker_id: UUID,
        *,
        register: str,
        registered_on: date,
        bsn: str | None = None,
        address: BrpAddress | None = None,
        expected_version: int | None = None,
    ) -> Receipt:
        """Record a worker's BRP registration (with its address) or RNI registration: the municipality's fact."""
        return self._change(
            Worker,
            worker_id,
            expected_version,
            lambda worker: worker.record_population_registration(
                register, registered_on, bsn, self.today(), address=address
            ),
        )

    def record_population_deregistration(
        self, worker_id: UUID, *, deregistered_on: date, reason: str, expected_version: int | None = None
    ) -> Receipt:
        """Record that the BRP ended a worker's registration (emigrated, whereabouts unknown)."""
        return self._change(
            Worker, worker_id, expected_version, lambda w: w.deregister(deregistered_on, reason, self.today())
        )

    def report_population_declaration(
        self, worker_id: UUID, *, register: str, declared_on: date, expected_version: int | None = None
    ) -> Receipt:
        """Record an employer's report that a worker declared a registration; it records no registration."""
        return self._change(
            Worker,
            worker_id,
            expected_version,
            lambda w: w.report_population_declaration(register, declared_on, self.today()),
        )

    def record_temporary_protection(
        self, worker_id: UUID, *, valid_from: date, expected_version: int | None = None
    ) -> Receipt:
        """Record that a worker is under temporary protection from `valid_from`."""
        return self._change(
            Worker, worker_id, expected_version, lambda w: w.record_temporary_protection(valid_from, self.today())
        )

    def confirm_registration(
        self,
        worker_id: UUID,
        *,
        confirmed_on: date,
        expected_end_date: date | None = None,
        expected_version: int | None = None,
    ) -> Receipt:
        """Record that a worker's registration still holds on `confirmed_on`, expected to end on `expected_end_date`."""
        return self._change(
            Worker,
            worker_id,
            expected_version,
            lambda worker: worker.confirm_registration(confirmed_on, expected_end_date, self.today()),
        )

    def place_legal_hold(
        self,
        worker_id: UUID,
        *,
        case_reference: str,
        reason: str,
        review_on: date | None = None,
        expected_version: int | None = None,
    ) -> Receipt:
        """Place a legal hold: the worker's data must not be erased while the case is open.

        Without `review_on` the hold is due for review the configured period
        from today (`LEDGER_LEGAL_HOLD_REVIEW_MONTHS`).
        """
        today = self.today()
        review = review_on or months_after(today, self.settings.legal_hold_review_months)
        return self._change(
            Worker,
            worker_id,
            expected_version,
            lambda worker: worker.place_legal_hold(case_reference, reason, review_on=review, today=today),
        )

    def lift_legal_hold(self, worker_id: UUID, *, case_reference: str, expected_version: int | None = None) -> Receipt:
        """Lift the legal hold of a closed case."""
        return self._change(Worker, worker_id, expected_version, lambda worker: worker.lift_legal_hold(case_reference))

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
            kind = _kind_name(type(subject))
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

    # -- inspections ---------------------------------------------------------

    def record_inspection(
        self,
        *,
        housing_location_id: UUID,
        inspected_on: date,
        occupants_found: int,
        findings: list[str],
        outcome: str,
        notes: str | None = None,
    ) -> Receipt:
        """Record an inspection of a registered housing location."""
        self._require(HousingLocation, housing_location_id, "housing_location_id")
        inspection = Inspection.record(
            housing_location_id=housing_location_id,
            inspected_on=inspected_on,
            occupants_found=occupants_found,
            findings=findings,
            outcome=outcome,
            notes=notes,
            today=self.today(),
        )
        return self._save(inspection)

    def impose_sanction(
        self,
        inspection_id: UUID,
        *,
        kind: str,
        against: str,
        employer_id: UUID | None = None,
        owner_kvk_number: str | None = None,
        amount_eur: Decimal | None = None,
        deadline: date | None = None,
        expected_version: int | None = None,
    ) -> Receipt:
        """Impose a sanction after an inspection that found violations, on a registered employer or an owner."""
        if employer_id is not None:
            self._require(Employer, employer_id, "employer_id")
        return self._change(
            Inspection,
            inspection_id,
            expected_version,
            lambda inspection: inspection.impose_sanction(
                kind=kind,
                against=against,
                employer_id=employer_id,
                owner_kvk_number=owner_kvk_number,
                amount_eur=amount_eur,
                deadline=deadline,
                max_amount_eur=self.settings.sanction_max_amount_eur,
                today=self.today(),
            ),
        )

    def place_inspection_legal_hold(
        self,
        inspection_id: UUID,
        *,
        case_reference: str,
        reason: str,
        review_on: date | None = None,
        expected_version: int | None = None,
    ) -> Receipt:
        """Place a legal hold on an inspection: its notes are kept past their retention until it is lifted."""
        today = self.today()
        review = review_on or months_after(today, self.settings.legal_hold_review_months)
        return self._change(
            Inspection,
            inspection_id,
            expected_version,
            lambda inspection: inspection.place_legal_hold(case_reference, reason, review_on=review, today=today),
        )

    def lift_inspection_legal_hold(
        self, inspection_id: UUID, *, case_reference: str, expected_version: int | None = None
    ) -> Receipt:
        """Lift the legal hold of a closed case from an inspection."""
        return self._change(
            Inspection, inspection_id, expected_version, lambda inspection: inspection.lift_legal_hold(case_reference)
        )

    # -- reading ---------------------------------------------------------------

    def get(self, kind: type[A], aggregate_id: UUID, *, version: int | None = None) -> A:
        """Load an aggregate of `kind` (personal fields opened, or `SHREDDED`)."""
        return _get_from(self.repository, kind, aggregate_id, version)

    def get_facts(self, kind: type[A], aggregate_id: UUID) -> A:
        """Load an aggregate of `kind` with its operational facts only: no key is looked up.

        Every personal field reads as `SHREDDED`, so it is for decisions that
        need none (legal holds, shredding, retention due dates), never for showing.
        """
        return _get_from(self._facts, kind, aggregate_id, None)

    # -- the boundary ------------------------------------------------------------

    def _load(self, kind: type[A], aggregate_id: UUID, expected_version: int | None) -> A:
        aggregate = self.get(kind, aggregate_id)
        if expected_version is not None and aggregate.version != expected_version:
            raise ConcurrentModification(
                f"{_kind_name(kind)} {aggregate_id} is at version {aggregate.version}, not {expected_version}",
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

        return retry_change(attempt, expected_version=expected_version, what=f"{_kind_name(kind)} {aggregate_id}")

    def _require(self, kind: type[Aggregate], aggregate_id: UUID, field: str) -> None:
        # A reference in a command body to something unknown is bad input (400), not 404.
        try:
            self.get(kind, aggregate_id)
        except NotFound:
            raise RuleViolated.single(field, "unknown", f"no {_kind_name(kind)} {aggregate_id} is registered") from None

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
                raise Conflict(f"{_kind_name(type(aggregate))} {aggregate.id} is already registered") from None
            raise ConcurrentModification(
                f"{_kind_name(type(aggregate))} {aggregate.id} was changed by someone else; reload and retry"
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
        raise NotFound(_kind_name(kind), aggregate_id) from None
    if not isinstance(aggregate, kind):
        raise NotFound(_kind_name(kind), aggregate_id)
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


def _held(subject: Subject) -> bool:
    """A legal hold blocks shredding (workers and inspections carry holds; erasure notes none)."""
    return isinstance(subject, Worker | Inspection) and bool(subject.legal_holds)


def _kind_name(kind: type[Any]) -> str:
    return {"HousingLocation": "housing location"}.get(kind.__name__, kind.__name__.lower())
