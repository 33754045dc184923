"""Idempotent answers and the claims of old events: `Ledger.claiming`, `keep_answer` and `backfill_claims`.

A request with an `Idempotency-Key` claims it with the first write it makes
(docs/claims.md, docs/writes.md); the answer is kept with the claim, so a
repeat is answered with it. The claims' backfill builds the claims of events
stored before claims existed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from eventsourcing.utils import get_topic

from ledger.application.core import LedgerCore, PendingClaim, log, pending_claim
from ledger.crypto.keystore import NoKeys
from ledger.crypto.sealing import PrefetchedKeys
from ledger.domain.housing_location import HousingLocation
from ledger.domain.worker import Worker
from ledger.persistence.claim_store import write_backfill
from ledger.persistence.claims import (
    ADDRESS,
    Claim,
    IdempotencyClaim,
    KeptAnswer,
    claims_of,
)

# Notifications read a page at a time by the claims' backfill.
_BACKFILL_PAGE = 500


class IdempotentAnswers(LedgerCore):
    """`Idempotency-Key`s answered once, and the claims of events stored before claims existed."""

    @contextmanager
    def claiming(self, *, idempotency: IdempotencyClaim) -> Iterator[None]:
        """Within the block, the first command that saves claims `idempotency` with its events.

        The claim keeps the command's receipt, so a repeated request is
        answered with it (`AnswerGiven`) and writes nothing; a command that
        records no events keeps its receipt in a small commit of its own.
        Commands keep their signatures: the claim travels in a context variable.
        """
        token = pending_claim.set(PendingClaim(idempotency))
        try:
            yield
        finally:
            pending_claim.reset(token)

    def keep_answer(self, claim: IdempotencyClaim, *, status_code: int, body: bytes) -> KeptAnswer | None:
        """Keep a refusal (a 4xx, which wrote nothing) as the key's answer; the first answer if one was kept before."""
        now = self._clock()
        answer = KeptAnswer(claim.request_hash, status_code, body=body)
        if self.claims.keep(claim, answer, now=now, purge_before=self._kept_since(now)):
            return None
        return self.kept_answer(claim)

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
        written = write_backfill(self.database.engine, rows)
        if written is None:
            return None
        duplicates = sum(1 for _, active, _ in rows if active) - written[1]
        log.info("claims_backfilled", claims=written[0], duplicates=duplicates)
        if duplicates:
            log.warning("duplicate_registrations_found", count=duplicates)
        return written[0], duplicates
