"""Finding a worker by identity document: "is this person already registered?" (issue 18).

The write side keeps a claim per registered identity document, keyed by a
blind index — HMAC-SHA256 under the keyring's index key of the normalised
type, number and nationality (`ledger.persistence.claims.identity_document_key`,
docs/claims.md) — active while the registration runs, and kept inactive once
it ended, so that a returning person is found too. The search hashes what it
is given the same way and reads the holders: no document number is stored,
compared or logged in plain text. A shredded worker's claims are destroyed
with its key, so an erased person is not found.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import Engine, select

from ledger.crypto.keystore import KeyStore
from ledger.domain.values import SHREDDED
from ledger.persistence.claim_store import write_claims
from ledger.persistence.claims import IDENTITY_DOCUMENT, identity_document_key
from ledger.persistence.database import reading
from projections.register_queries import read_records, register_select
from projections.register_records import WorkerRecord
from projections.register_sealing import normalise_family_name
from projections.register_tables import register_workers


def workers_by_document(
    engine: Engine,
    keys: KeyStore,
    *,
    document_type: str,
    number: str,
    nationality: str,
    today: date,
    employer_id: UUID | None = None,
    family_name: str | None = None,
    birth_date: date | None = None,
) -> list[WorkerRecord]:
    """The workers (of `employer_id`, if given) ever registered with this document, in id order.

    With `family_name` and `birth_date` the worker must match those too
    (normalised name, as the exact-name search compares it).
    """
    key = identity_document_key(
        keys.keyring.index_key(), document_type=document_type, number=number, nationality=nationality
    )
    c = write_claims.c
    with reading(engine) as conn:
        holders = conn.execute(select(c.holder_id).where(c.kind == IDENTITY_DOCUMENT, c.claim_key == key)).scalars()
        ids = sorted(set(holders))
    if not ids:
        return []
    statement, _ = register_select(today)
    w = register_workers.c
    statement = statement.where(w.worker_id.in_(ids))
    if employer_id is not None:
        statement = statement.where(w.employer_id == employer_id.hex)
    records = read_records(engine, keys, statement.order_by(w.worker_id), today)
    wanted = None if family_name is None else normalise_family_name(family_name)
    return [
        r
        for r in records
        if not r.shredded
        and (
            wanted is None
            or (r.person.family_name is not SHREDDED and normalise_family_name(r.person.family_name) == wanted)
        )
        and birth_date in (None, r.person.birth_date)
    ]
