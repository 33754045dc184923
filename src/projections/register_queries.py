"""The worker register's tables and its read side: records, sealed fields, the blind index.

The tables are declared here, below `projections.register` (the view and its
projection), because both the reads here and the projection's writes use them.
This module also owns the register's handling of personal data: how a personal
field is sealed into a register column and opened again (under the subject's
data key, with associated data binding the view, the worker and the field, so a
ciphertext copied to another worker or column does not open), the keyed blind
index of the normalised family name, and the frozen records the queries
return, personal fields opened or `SHREDDED` — whole workers, or just the names
that lists of occupants and residents show.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Date,
    Engine,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    and_,
    case,
    false,
    or_,
    select,
)

from ledger.database import UTCDateTime, in_chunks, reading
from ledger.domain.timeline import Timeline
from ledger.domain.values import SHREDDED, Address, Sealable
from ledger.keystore import KeyStore
from ledger.sealing import open_bytes, seal_bytes
from projections.storable import storable

# Each sealed personal field of the register, and the type of its plaintext.
PERSONAL_FIELDS: dict[str, type[str] | type[date]] = {
    "family_name": str,
    "given_names": str,
    "birth_date": date,
    "id_document_type": str,
    "id_document_number": str,
    "id_document_expires_on": date,
    "bsn": str,
}

# Letters without a Unicode decomposition that people often type without their
# mark ("Michal" for "Michał"); everything else loses its marks by NFKD.
_UNMARKED = str.maketrans(
    {
        "\N{LATIN SMALL LETTER L WITH STROKE}": "l",
        "\N{LATIN SMALL LETTER O WITH STROKE}": "o",
        "\N{LATIN SMALL LETTER D WITH STROKE}": "d",
        "\N{LATIN SMALL LETTER H WITH STROKE}": "h",
        "\N{LATIN SMALL LETTER DOTLESS I}": "i",
        "\N{LATIN SMALL LETTER L WITH MIDDLE DOT}": "l",
        "\N{LATIN SMALL LETTER AE}": "ae",
        "\N{LATIN SMALL LIGATURE OE}": "oe",
    }
)


metadata = MetaData()

register_workers = Table(
    "register_workers",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("employer_id", String(32), nullable=False),  # the employer in force now (after any transfer)
    # The date of the transfer to it; null: the registering employer, from the beginning (since 0011).
    Column("employer_since", Date, nullable=True),
    Column("nationality", String(3), nullable=False),
    Column("contract_start", Date, nullable=False),
    Column("expected_end_date", Date, nullable=True),
    Column("contract_end", Date, nullable=True),
    Column("departed_on", Date, nullable=True),
    Column("population_register", String(3), nullable=True),
    Column("population_registered_on", Date, nullable=True),
    Column("confirmed_on", Date, nullable=True),  # the employer's latest confirmation (stale registrations)
    # The rest of the population-register facts (`PopulationRegistration`); the BRP address's BAG id is not kept.
    Column("population_status", String(16), nullable=True),
    Column("population_municipality_code", String(4), nullable=True),
    Column("population_address_since", Date, nullable=True),
    Column("deregistered_on", Date, nullable=True),
    Column("deregistration_reason", String(32), nullable=True),
    Column("declared_register", String(3), nullable=True),
    Column("declared_on", Date, nullable=True),
    Column("temporary_protection_from", Date, nullable=True),
    Column("shredded", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    *(Column(f"sealed_{field}", Text, nullable=True) for field in PERSONAL_FIELDS),
    Column("family_name_index", String(64), nullable=True),
    Index("ix_register_workers_employer", "employer_id", "worker_id"),
    Index("ix_register_workers_family_name_index", "family_name_index"),
)

# The inputs of each worker's housing timeline, as recorded (seq = aggregate version).
register_housing_entries = Table(
    "register_housing_entries",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("housing_location_id", String(32), nullable=True),
    Column("is_departure", Boolean, nullable=False),
    # The worker lives outside the municipality from `valid_from` on (housing_location_id null); since 0011.
    Column("outside_municipality", Boolean, nullable=False, server_default=false()),
)

# The timeline folded: where the worker is housed, [valid_from, valid_to); not housed = no row.
register_housing = Table(
    "register_housing",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_to", Date, nullable=True),
    Column("housing_location_id", String(32), nullable=False),
    Index("ix_register_housing_location", "housing_location_id", "valid_from"),
)

# The timeline folded: when the worker lives outside the municipality, [valid_from, valid_to).
register_outside = Table(
    "register_outside",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_to", Date, nullable=True),
)

register_work_addresses = Table(
    "register_work_addresses",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("valid_from", Date, nullable=False),
    Column("street", String(200), nullable=False),
    Column("house_number", Integer, nullable=False),
    Column("house_letter", String(1), nullable=True),
    Column("house_number_addition", String(4), nullable=True),
    Column("postcode", String(6), nullable=False),
    Column("city", String(80), nullable=False),
)

register_legal_holds = Table(
    "register_legal_holds",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("case_reference", String(64), primary_key=True),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("sealed_reason", Text, nullable=True),
)

# A page is read with IN lists of its ids; this keeps them within SQLite's limits.
MAX_PAGE = 1000


class WorkerStatus(StrEnum):
    """Where a worker stands on a given day (see `projections.register` for the rules)."""

    ACTIVE = "active"
    CONTRACT_ENDED = "contract_ended"
    DEPARTED = "departed"
    SHREDDED = "shredded"


@dataclass(frozen=True)
class PersonalDetails:
    """The worker's personal fields, opened; each is `SHREDDED` once the key is gone."""

    family_name: Sealable[str]
    given_names: Sealable[str]
    birth_date: Sealable[date]
    id_document_type: Sealable[str]
    id_document_number: Sealable[str]
    id_document_expires_on: Sealable[date]
    bsn: Sealable[str | None]

    def __repr__(self) -> str:
        # A repr ends up in logs and tracebacks: it must not carry the person.
        return "PersonalDetails(SHREDDED)" if self.family_name is SHREDDED else "PersonalDetails(...)"


SHREDDED_DETAILS = PersonalDetails(*(SHREDDED,) * len(PERSONAL_FIELDS))


class PopulationStatus(StrEnum):
    """What is known of the worker's population registration (docs/domain-rules.md § The BRP and the RNI)."""

    REGISTERED = "registered"  # the municipality recorded a BRP or RNI registration last
    DEREGISTERED = "deregistered"  # the municipality recorded a deregistration last
    DECLARED_BY_EMPLOYER = "declared_by_employer"  # only the employer's report: shown, it clears nothing


@dataclass(frozen=True)
class PopulationRegistration:
    """The worker's population-register facts: the municipality's latest, and the employer's declaration."""

    register: str | None  # the municipality's latest registration (None if it recorded none)
    registered_on: date | None
    status: PopulationStatus = PopulationStatus.REGISTERED
    municipality_code: str | None = None  # BRP only: the municipality holding the address
    address_since: date | None = None
    deregistered_on: date | None = None
    deregistration_reason: str | None = None
    declared_register: str | None = None  # the employer's latest declaration
    declared_on: date | None = None


@dataclass(frozen=True)
class LegalHold:
    """A legal hold in place: its case, when it was placed, and its (personal) reason."""

    case_reference: str
    placed_at: datetime
    reason: Sealable[str] = dataclasses.field(repr=False)  # free text about the person


@dataclass(frozen=True)
class WorkerRecord:
    """One row of the worker register, as of the `today` it was read for."""

    id: UUID
    employer_id: UUID
    status: WorkerStatus
    shredded: bool
    person: PersonalDetails
    nationality: str
    housing_location_id: UUID | None
    outside_municipality: bool  # lives outside the municipality today (a commuter)
    work_address: Address
    contract_start: date
    expected_end_date: date | None
    contract_end: date | None
    departed_on: date | None
    population_register: PopulationRegistration | None
    legal_holds: tuple[LegalHold, ...]
    version: int
    temporary_protection_from: date | None = None


@dataclass(frozen=True)
class WorkerName:
    """Who a worker is in a list of occupants or residents: the names opened, or `SHREDDED`."""

    id: UUID
    employer_id: UUID
    shredded: bool
    family_name: Sealable[str] = dataclasses.field(repr=False)
    given_names: Sealable[str] = dataclasses.field(repr=False)


# -- the blind index ------------------------------------------------------------------


def normalise_family_name(name: str) -> str:
    """The form names are matched in: NFKC, case folded, marks stripped, whitespace collapsed.

    "  WIŚNIEWSKA ", "Wisniewska" and "wiśniewska" are the same name; so are
    "van  der Berg" and "Van der Berg". Hyphens and apostrophes are kept: they
    tell names apart ("Kowalska-Nowak" is not "Kowalska Nowak").
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    unmarked = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFKC", unmarked).casefold().translate(_UNMARKED)
    return " ".join(folded.split())


def blind_index(index_key: bytes, family_name: str) -> str | None:
    """HMAC-SHA256 of the normalised family name under the index key; None for an empty name."""
    normalised = normalise_family_name(storable(family_name))
    if not normalised:
        return None
    message = b"register:family_name|" + normalised.encode()
    return hmac.new(index_key, message, hashlib.sha256).hexdigest()


# -- sealing ----------------------------------------------------------------------------


def associated_data(worker_hex: str, field: str) -> bytes:
    """What a register ciphertext is bound to: this view, this worker, this field."""
    return f"view:register|{worker_hex}|{field}".encode()


def seal_value(data_key: bytes, worker_hex: str, field: str, value: str | date) -> str:
    """Seal one personal value for a register column (text made storable first, as every view's text is)."""
    plaintext = value.isoformat() if isinstance(value, date) else storable(value)
    return seal_bytes(data_key, plaintext.encode(), associated_data(worker_hex, field))


def _open_text(data_key: bytes, worker_hex: str, field: str, token: str | None) -> str | None:
    if token is None:
        return None
    what = f"register field {field!r} of worker {worker_hex}"
    return open_bytes(data_key, token, associated_data(worker_hex, field), what=what).decode()


def opened_birth_dates(conn: Connection, keys: KeyStore, worker_ids: Iterable[str]) -> dict[str, date]:
    """The birth dates of these workers (hex ids), opened; a shredded worker, or one the view lacks, has none."""
    found: dict[str, date] = {}
    ids = sorted(set(worker_ids))
    for chunk in in_chunks(ids, MAX_PAGE):
        rows = conn.execute(
            select(register_workers.c.worker_id, register_workers.c.sealed_birth_date).where(
                register_workers.c.worker_id.in_(chunk), register_workers.c.shredded.is_(False)
            )
        ).all()
        data_keys = keys.data_keys(UUID(row.worker_id) for row in rows)
        for row in rows:
            data_key = data_keys.get(UUID(row.worker_id))
            text = (
                None if data_key is None else _open_text(data_key, row.worker_id, "birth_date", row.sealed_birth_date)
            )
            if text is not None:
                found[row.worker_id] = date.fromisoformat(text)
    return found


def lived_outside(conn: Connection) -> dict[str, list[tuple[date, date | None]]]:
    """When each worker (hex id) lives outside the municipality, as the register now believes: [from, to)."""
    intervals: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
    o = register_outside.c
    for worker, start, end in conn.execute(select(o.worker_id, o.valid_from, o.valid_to)):
        intervals[worker].append((start, end))
    return intervals


def open_person(row: Any, data_key: bytes | None) -> PersonalDetails:
    """The personal fields of a register row, opened; all `SHREDDED` without a key."""
    if data_key is None or row.shredded:
        return SHREDDED_DETAILS
    values: dict[str, Any] = {}
    for field, kind in PERSONAL_FIELDS.items():
        text = _open_text(data_key, row.worker_id, field, getattr(row, f"sealed_{field}"))
        values[field] = date.fromisoformat(text) if kind is date and text is not None else text
    return PersonalDetails(**values)


def open_legal_hold(row: Any, data_key: bytes | None) -> LegalHold:
    """A legal-hold row with its reason opened (`SHREDDED` without a key)."""
    field = f"legal_hold:{row.case_reference}"
    reason = SHREDDED if data_key is None else _open_text(data_key, row.worker_id, field, row.sealed_reason)
    return LegalHold(
        case_reference=row.case_reference, placed_at=row.placed_at, reason=SHREDDED if reason is None else reason
    )


# -- records ----------------------------------------------------------------------------


def work_address_on(entries: list[Any], day: date) -> Address:
    """The work address on `day`, like `Worker.work_address_on` (the first before it starts)."""
    timeline: Timeline[Address] = Timeline()
    for e in entries:
        address = Address(
            street=e.street,
            house_number=e.house_number,
            postcode=e.postcode,
            city=e.city,
            house_letter=e.house_letter,
            house_number_addition=e.house_number_addition,
        )
        timeline.record(e.valid_from, address, e.seq)
    return timeline.value_on(day, timeline.intervals()[0].value)


def worker_record(
    row: Any, work_addresses: list[Any], holds: list[Any], data_key: bytes | None, today: date
) -> WorkerRecord:
    """A register row (with its status and current housing as of `today`) as a record."""
    # A key gone before the view saw `PersonalDataShredded` is already a shred.
    shredded = bool(row.shredded) or data_key is None
    return WorkerRecord(
        id=UUID(row.worker_id),
        employer_id=UUID(row.employer_id),
        status=WorkerStatus.SHREDDED if shredded else WorkerStatus(row.status),
        shredded=shredded,
        person=open_person(row, data_key),
        nationality=row.nationality,
        housing_location_id=UUID(row.current_housing) if row.current_housing else None,
        outside_municipality=bool(row.outside_today),
        work_address=work_address_on(work_addresses, today),
        contract_start=row.contract_start,
        expected_end_date=row.expected_end_date,
        contract_end=row.contract_end,
        departed_on=row.departed_on,
        population_register=population_registration(row),
        legal_holds=tuple(open_legal_hold(h, data_key) for h in holds),
        version=row.version,
        temporary_protection_from=row.temporary_protection_from,
    )


def population_registration(row: Any) -> PopulationRegistration | None:
    """A register row's population-register facts; None when neither the municipality nor the employer gave any."""
    if row.population_status is not None:
        status = PopulationStatus(row.population_status)
    elif row.population_register is not None:  # the status came with issue 16; a rebuild fills it in
        status = PopulationStatus.REGISTERED
    elif row.declared_on is not None:
        status = PopulationStatus.DECLARED_BY_EMPLOYER
    else:
        return None
    return PopulationRegistration(
        register=row.population_register,
        registered_on=row.population_registered_on,
        status=status,
        municipality_code=row.population_municipality_code,
        address_since=row.population_address_since,
        deregistered_on=row.deregistered_on,
        deregistration_reason=row.deregistration_reason,
        declared_register=row.declared_register,
        declared_on=row.declared_on,
    )


# -- reading ---------------------------------------------------------------------------


def register_select(today: date) -> tuple[Select[Any], tuple[ColumnElement[Any], ColumnElement[Any]]]:
    """Register rows with their housing and status as of `today`, and those two expressions."""
    w, h = register_workers.c, register_housing.c
    housed_today = and_(
        h.worker_id == w.worker_id, h.valid_from <= today, or_(h.valid_to.is_(None), h.valid_to > today)
    )
    o = register_outside.c
    outside_today = and_(
        o.worker_id == w.worker_id, o.valid_from <= today, or_(o.valid_to.is_(None), o.valid_to > today)
    )
    housing = h.housing_location_id
    status = case(
        (w.shredded, WorkerStatus.SHREDDED.value),
        (and_(w.departed_on <= today, housing.is_(None)), WorkerStatus.DEPARTED.value),
        (w.contract_end <= today, WorkerStatus.CONTRACT_ENDED.value),
        else_=WorkerStatus.ACTIVE.value,
    )
    statement = select(
        register_workers,
        housing.label("current_housing"),
        o.worker_id.is_not(None).label("outside_today"),
        status.label("status"),
    ).select_from(register_workers.outerjoin(register_housing, housed_today).outerjoin(register_outside, outside_today))
    return statement, (status, housing)


def _rows_by_worker(conn: Connection, table: Table, ids: list[str]) -> defaultdict[str, list[Any]]:
    by_worker: defaultdict[str, list[Any]] = defaultdict(list)
    if ids:
        for row in conn.execute(select(table).where(table.c.worker_id.in_(ids)).order_by(*table.primary_key)):
            by_worker[row.worker_id].append(row)
    return by_worker


def read_names(engine: Engine, keys: KeyStore, worker_ids: Iterable[UUID]) -> dict[UUID, WorkerName]:
    """The names of the workers the register knows, by id: one query per page of ids, one batched key lookup."""
    ids = list(dict.fromkeys(worker.hex for worker in worker_ids))
    w = register_workers.c
    columns = (w.worker_id, w.employer_id, w.shredded, w.sealed_family_name, w.sealed_given_names)
    rows: list[Any] = []
    with reading(engine) as conn:
        for chunk in in_chunks(ids, MAX_PAGE):
            rows += conn.execute(select(*columns).where(w.worker_id.in_(chunk))).all()
    found = keys.data_keys(UUID(row.worker_id) for row in rows if not row.shredded)
    return {UUID(row.worker_id): _worker_name(row, found.get(UUID(row.worker_id))) for row in rows}


def _worker_name(row: Any, data_key: bytes | None) -> WorkerName:
    worker_id, employer_id = UUID(row.worker_id), UUID(row.employer_id)
    # A key gone before the view saw `PersonalDataShredded` is already a shred.
    if data_key is None or row.shredded:
        return WorkerName(worker_id, employer_id, shredded=True, family_name=SHREDDED, given_names=SHREDDED)
    family_name = _open_text(data_key, row.worker_id, "family_name", row.sealed_family_name)
    given_names = _open_text(data_key, row.worker_id, "given_names", row.sealed_given_names)
    # Both names are required at registration: a row without them is not a row of this view.
    if family_name is None or given_names is None:
        msg = f"register row of worker {row.worker_id} has no sealed names"
        raise ValueError(msg)
    return WorkerName(worker_id, employer_id, shredded=False, family_name=family_name, given_names=given_names)


def read_records(engine: Engine, keys: KeyStore, statement: Select[Any], today: date) -> list[WorkerRecord]:
    """Run a `register_select` statement; open the rows with one batched key lookup."""
    with reading(engine) as conn:
        rows = conn.execute(statement).all()
        ids = [row.worker_id for row in rows]
        addresses = _rows_by_worker(conn, register_work_addresses, ids)
        holds = _rows_by_worker(conn, register_legal_holds, ids)
    # One key lookup per query, used for this answer only (a shred wins at once).
    found = keys.data_keys(UUID(row.worker_id) for row in rows if not row.shredded)
    return [
        worker_record(row, addresses[row.worker_id], holds[row.worker_id], found.get(UUID(row.worker_id)), today)
        for row in rows
    ]
