"""Write-side claims: what must be unique across aggregates, kept in the events' own transaction.

Three things may exist once only, and none of them is an aggregate id the
event store's primary key could guard:

- an **identity document** (type, normalised number, nationality) with an
  active registration: one person is registered once (docs/claims.md);
- an **address** (street, house number, letter, addition, postcode) of a
  housing location: one building is registered under one BAG id;
- an **`Idempotency-Key`** of one caller: one request is carried out once.

Each is a claim row that the ledger's recorders (`ledger.eventstore.sqlite_store`,
`ledger.eventstore.postgres_store`) write in the very transaction that stores the
events, as they write the audit link: the application passes a `ClaimWrites`
down through `Application.save(..., claims=...)`, which the library hands to
the recorder's `insert_events`. A claim that is taken already makes the
insert violate a unique index, the whole write rolls back, and the recorder
raises `ClaimTaken` (an `IntegrityError`, so that code unaware of claims still
treats it as a refused write); the application tells it apart from a version
conflict and answers with the existing holder. No write costs a second commit.

A document is matched through a blind index — HMAC-SHA256 under the keyring's
index key — so the table holds no document number; an address, which the
events hold in plain text, through a plain SHA-256 that only makes the key
fixed-length. This module is pure (no SQLAlchemy, no connection): the
statements the recorders run are built here, once, for both backends.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger.domain.errors import Conflict, LedgerError
from ledger.domain.housing_location import HousingLocation
from ledger.domain.values import Address, Shredded
from ledger.domain.worker import Worker

IDENTITY_DOCUMENT = "identity_document"
ADDRESS = "address"
IDEMPOTENCY = "idempotency"

# The recorders' table names; `ledger.persistence.claim_store` defines the same tables for SQLAlchemy and the migration.
CLAIMS_TABLE = "write_claims"
IDEMPOTENCY_TABLE = "idempotency_keys"


# -- the keys ------------------------------------------------------------------------


def _folded(text: str) -> str:
    """NFKC, case folded, whitespace collapsed: how two spellings of one value are matched."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def identity_document_key(index_key: bytes, *, document_type: str, number: str, nationality: str) -> str:
    """The blind index of an identity document: HMAC-SHA256 of its normalised type, number and nationality.

    The number is matched without spaces and case ("ea 123 4567" is
    "EA1234567"), as the domain normalises it. Two documents of different
    countries may carry the same number; the nationality tells them apart.
    """
    compact = "".join(_folded(number).split())
    # surrogatepass: an event written before the text rule may hold a lone surrogate; it must still hash.
    message = f"claims:identity_document|{_folded(document_type)}|{compact}|{_folded(nationality)}".encode(
        "utf-8", "surrogatepass"
    )
    return hmac.new(index_key, message, hashlib.sha256).hexdigest()


def address_key(address: Address) -> str:
    """The key of a postal address: SHA-256 of street, house number, letter, addition and postcode, normalised.

    The city is left out: in the Netherlands postcode and house number name
    the address, and a city may be written in more than one way.
    """
    postcode = "".join(_folded(address.postcode).split())
    parts = (
        _folded(address.street),
        str(address.house_number),
        _folded(address.house_letter or ""),
        _folded(address.house_number_addition or ""),
        postcode,
    )
    return hashlib.sha256(("claims:address|" + "|".join(parts)).encode("utf-8", "surrogatepass")).hexdigest()


# -- what a write claims -----------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A unique value taken by an aggregate (its holder)."""

    kind: str
    key: str
    holder_id: UUID


@dataclass(frozen=True)
class IdempotencyClaim:
    """One caller's `Idempotency-Key` for one request, and the answer it would keep.

    `principal` is a digest of the whole caller (subject, roles, employer), so
    one caller never meets another's key; `request_hash` one of method, path
    and body, so the same key for another request is told apart.
    `status_code` is the status a success answers with.
    """

    principal: str
    key: str
    request_hash: str
    status_code: int


@dataclass(frozen=True)
class ClaimWrites:
    """What one save claims, releases and answers; the recorder writes it with the events."""

    take: tuple[Claim, ...] = ()
    # Workers whose identity-document claims become inactive (the registration ended).
    release: tuple[UUID, ...] = ()
    idempotency: IdempotencyClaim | None = None
    # When the idempotency claim is written, and before which instant kept answers are purged.
    claimed_at: datetime | None = None
    purge_before: datetime | None = None

    def __bool__(self) -> bool:
        return bool(self.take or self.release or self.idempotency)


def claims_of(events: Iterable[DomainEventProtocol[UUID]], index_key: Callable[[], bytes]) -> ClaimWrites:
    """The claims that `events` take and release (the idempotency claim is the caller's to add).

    A registration takes its identity document (or its address); a contract
    end or a departure releases the worker's document: the registration is no
    longer active, so the same person may be registered again.
    """
    take: list[Claim] = []
    release: list[UUID] = []
    for event in events:
        if isinstance(event, Worker.Registered):
            document = (event.id_document_type, event.id_document_number, event.nationality)
            if any(isinstance(value, Shredded) for value in document):
                continue  # cannot happen at registration; never claim an unreadable value
            key = identity_document_key(
                index_key(),
                document_type=str(event.id_document_type),
                number=str(event.id_document_number),
                nationality=event.nationality,
            )
            take.append(Claim(IDENTITY_DOCUMENT, key, event.originator_id))
        elif isinstance(event, Worker.ContractEnded | Worker.Departed):
            release.append(event.originator_id)
        elif isinstance(event, HousingLocation.Registered):
            take.append(Claim(ADDRESS, address_key(event.address), event.originator_id))
    return ClaimWrites(take=tuple(take), release=tuple(dict.fromkeys(release)))


# -- refusals ------------------------------------------------------------------------------


class ClaimTaken(IntegrityError):
    """A recorder found a claim taken: the whole write was rolled back.

    `kind` and `key` name the claim; when one statement wrote several claims
    (a batch of registrations) they are None and `candidates` lists them: the
    application finds the taken one once the write has rolled back.
    """

    def __init__(self, kind: str | None, key: str | None, candidates: tuple[Claim, ...] = ()) -> None:
        self.kind = kind
        self.key = key
        self.candidates = candidates
        super().__init__(f"{kind or 'a'} claim taken")

    @classmethod
    def among(cls, claims: Sequence[Claim]) -> ClaimTaken:
        """The refusal of a statement that wrote `claims`: exact for one claim, to be found for more."""
        if len(claims) == 1:
            return cls(claims[0].kind, claims[0].key, tuple(claims))
        return cls(None, None, tuple(claims))


class DuplicatePerson(Conflict):
    """A worker with this identity document is registered and active already.

    `existing_id` and `employer_id` name that worker and its employer; the
    HTTP layer names the worker only to callers allowed to know it.
    """

    def __init__(self, existing_id: UUID | None, employer_id: UUID | None) -> None:
        self.existing_id = existing_id
        self.employer_id = employer_id
        super().__init__("a worker with this identity document is registered already (not ended or departed)")


class DuplicateAddress(Conflict):
    """A housing location with this address is registered already, under another BAG id."""

    def __init__(self, existing_id: UUID | None) -> None:
        self.existing_id = existing_id
        named = f" as housing location {existing_id}" if existing_id else ""
        super().__init__(f"this address is registered already{named}")


@dataclass(frozen=True)
class KeptAnswer:
    """The first answer to an `Idempotency-Key`: a write's receipt, or the body of a refusal."""

    request_hash: str
    status_code: int
    aggregate_id: UUID | None = None
    version: int | None = None
    position: int | None = None
    body: bytes | None = None


class AnswerGiven(LedgerError):
    """This `Idempotency-Key` was answered before: the answer is `answer` (or a 409 for another request)."""

    def __init__(self, answer: KeptAnswer) -> None:
        self.answer = answer
        super().__init__("this Idempotency-Key was answered before")


class AnswerPending(Conflict):
    """This `Idempotency-Key` is taken by a request whose answer cannot be read yet: retry shortly."""

    def __init__(self) -> None:
        super().__init__("a request with this Idempotency-Key is in progress; retry shortly")


# -- the recorders' statements ---------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """A statement a recorder runs, once per row of `rows`; `taken` is raised should it violate a unique index."""

    sql: str
    rows: tuple[tuple[Any, ...], ...]
    taken: ClaimTaken | None = None


@dataclass(frozen=True)
class Dialect:
    """How a recorder's driver writes parameters and instants."""

    placeholder: str
    instant: Callable[[datetime], Any]

    def sql(self, statement: str) -> str:
        """`statement`, written with `?` placeholders, in this driver's parameter style."""
        return statement.replace("?", self.placeholder)


def sqlite_instant(moment: datetime) -> str:
    """An instant as SQLAlchemy's SQLite `DateTime` writes it (UTC, naive, microseconds), so they compare."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


SQLITE = Dialect("?", sqlite_instant)
POSTGRESQL = Dialect("%s", lambda moment: moment.astimezone(UTC))

# The table names are `CLAIMS_TABLE` and `IDEMPOTENCY_TABLE`.
_PURGE_ANSWERS = "DELETE FROM idempotency_keys WHERE created_at < ?"
_KEEP_ANSWER = (
    "INSERT INTO idempotency_keys (principal, idempotency_key, request_hash, status_code,"
    " aggregate_id, aggregate_version, position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_TAKE = "INSERT INTO write_claims (kind, claim_key, holder_id, active, position) VALUES (?, ?, ?, ?, ?)"
_RELEASE = "UPDATE write_claims SET active = ? WHERE kind = ? AND holder_id = ? AND active = ?"


def statements(
    writes: ClaimWrites, ids: Sequence[int], stored: Sequence[StoredEvent], dialect: Dialect
) -> Iterator[Statement]:
    """The statements that write `writes` after the events `stored` got the positions `ids`.

    The idempotency claim comes first: a repeated request must meet its own
    first answer, not the document its first registration claimed. Answers
    older than the retention period are purged in the same transaction.
    """
    first: dict[str, int] = {}
    for position, event in zip(ids, stored, strict=True):
        first.setdefault(_hex(event.originator_id), position)
    last = stored[-1]
    claim = writes.idempotency
    if claim is not None:
        assert writes.claimed_at is not None and writes.purge_before is not None
        yield Statement(dialect.sql(_PURGE_ANSWERS), ((dialect.instant(writes.purge_before),),))
        answer = (
            (
                claim.principal,
                claim.key,
                claim.request_hash,
                claim.status_code,
                _hex(last.originator_id),
                last.originator_version,
                ids[-1],
                dialect.instant(writes.claimed_at),
            ),
        )
        yield Statement(dialect.sql(_KEEP_ANSWER), answer, ClaimTaken(IDEMPOTENCY, claim.key))
    if writes.take:
        # One statement for the lot: a batch of registrations claims in one round trip.
        taken = tuple((c.kind, c.key, c.holder_id.hex, True, first.get(c.holder_id.hex, ids[-1])) for c in writes.take)
        yield Statement(dialect.sql(_TAKE), taken, ClaimTaken.among(writes.take))
    if writes.release:
        released = tuple((False, IDENTITY_DOCUMENT, holder_id.hex, True) for holder_id in writes.release)
        yield Statement(dialect.sql(_RELEASE), released)


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else UUID(str(originator_id)).hex
