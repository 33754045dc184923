"""The inspections view's tables and its read side: records, sealed notes and reasons, the registered headcount.

The tables are declared here, below `projections.inspections` (the view and
its projection), because both the reads here and the projection's writes use
them, as for the register. Notes and hold reasons are sealed under the
inspection's data key with associated data binding this view, the inspection
and the field; they are opened only when asked (`open_notes`), with one
batched key lookup, and read as `SHREDDED` once the key is gone.

Time: an inspection, its sanctions and holds are facts recorded once (a
correction would be a new inspection), so `as_known_at` leaves out those
recorded after it. The registered headcount is the residence view's: the
workers housed at the location on the day inspected, as believed at
`as_known_at` (docs/time.md) — the figure an inspector compares the
occupants found with. The notes and the holds are shown as currently known,
like person data: a shred is not undone by asking about the past.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
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
    func,
    or_,
    select,
)

from ledger.database import UTCDateTime, in_chunks, reading
from ledger.domain.values import SHREDDED, Sealable
from ledger.keystore import KeyStore
from ledger.sealing import open_bytes, seal_bytes
from projections.bitemporal import known_at
from projections.residence import residence_history
from projections.storable import storable

metadata = MetaData()

inspection_records = Table(
    "inspection_records",
    metadata,
    Column("inspection_id", String(32), primary_key=True),
    Column("housing_location_id", String(32), nullable=False),
    Column("inspected_on", Date, nullable=False),
    Column("occupants_found", Integer, nullable=False),
    Column("findings", String(400), nullable=False),  # the coded findings, comma-separated, in recorded order
    Column("outcome", String(32), nullable=False),
    Column("has_notes", Boolean, nullable=False),
    Column("sealed_notes", Text, nullable=True),
    Column("shredded", Boolean, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_inspection_records_location", "housing_location_id", "inspected_on", "inspection_id"),
    Index("ix_inspection_records_day", "inspected_on", "inspection_id"),
)

inspection_sanctions = Table(
    "inspection_sanctions",
    metadata,
    Column("inspection_id", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True),  # the aggregate version of `SanctionImposed`
    Column("kind", String(32), nullable=False),
    Column("against", String(16), nullable=False),
    Column("employer_id", String(32), nullable=True),
    Column("owner_kvk_number", String(8), nullable=True),
    Column("amount_eur", String(24), nullable=True),  # the decimal, as text: no float on either backend
    Column("deadline", Date, nullable=True),
    Column("imposed_on", Date, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

inspection_legal_holds = Table(
    "inspection_legal_holds",
    metadata,
    Column("inspection_id", String(32), primary_key=True),
    Column("case_reference", String(64), primary_key=True),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("review_on", Date, nullable=False),
    Column("sealed_reason", Text, nullable=True),
)


def associated_data(inspection_hex: str, field: str) -> bytes:
    """What a ciphertext of this view is bound to: this view, this inspection, this field."""
    return f"view:inspections|{inspection_hex}|{field}".encode()


def seal_text(data_key: bytes, inspection_hex: str, field: str, text: str) -> str:
    """Seal a text for a column of this view (made storable first, as every view's text is)."""
    return seal_bytes(data_key, storable(text).encode(), associated_data(inspection_hex, field))


def open_text(data_key: bytes, inspection_hex: str, field: str, token: str) -> str:
    """Open a text sealed by `seal_text`."""
    what = f"inspections field {field!r} of inspection {inspection_hex}"
    return open_bytes(data_key, token, associated_data(inspection_hex, field), what=what).decode()


def hold_field(case_reference: str) -> str:
    """The field name a hold's reason is sealed under (its case reference binds it to the hold)."""
    return f"legal_hold:{case_reference}"


# A page is read with IN lists of its ids; this keeps them within SQLite's limits.
MAX_PAGE = 1000


@dataclass(frozen=True)
class SanctionRecord:
    """A sanction imposed after the inspection: what, on whom, how much, by when."""

    kind: str
    against: str
    employer_id: UUID | None
    owner_kvk_number: str | None
    amount_eur: Decimal | None
    deadline: date | None
    imposed_on: date


@dataclass(frozen=True)
class InspectionHold:
    """A legal hold in place on the inspection; its reason is free text (`SHREDDED` once the key is gone)."""

    case_reference: str
    placed_at: datetime
    review_on: date
    reason: Sealable[str | None] = dataclasses.field(repr=False)


@dataclass(frozen=True)
class InspectionRecord:
    """An inspection as the view knows it, with the registered headcount on its day as known at an instant.

    `notes` is the opened text when asked for (`open_notes`), `SHREDDED` once
    the key is gone, None when none were recorded or they were not opened.
    """

    id: UUID
    housing_location_id: UUID
    inspected_on: date
    occupants_found: int
    registered_headcount: int
    findings: tuple[str, ...]
    outcome: str
    has_notes: bool
    shredded: bool
    sanctions: tuple[SanctionRecord, ...]
    legal_holds: tuple[InspectionHold, ...]
    version: int
    notes: Sealable[str | None] = dataclasses.field(default=None, repr=False)


@dataclass(frozen=True)
class InspectionFilter:
    """What a list of inspections is narrowed to: a location, the days [first, last], an outcome."""

    housing_location_id: UUID | None = None
    first: date | None = None
    last: date | None = None
    outcome: str | None = None


def list_inspections(
    engine: Engine,
    keys: KeyStore,
    where: InspectionFilter,
    *,
    as_known_at: datetime,
    limit: int,
    after: tuple[date, UUID] | None = None,
) -> list[InspectionRecord]:
    """A page of inspections in (day inspected, id) order after `after` (keyset); notes are not opened."""
    if not 1 <= limit <= MAX_PAGE:
        msg = f"limit must be between 1 and {MAX_PAGE}"
        raise ValueError(msg)
    r = inspection_records.c
    statement = select(inspection_records).where(r.recorded_at <= as_known_at)
    if where.housing_location_id is not None:
        statement = statement.where(r.housing_location_id == where.housing_location_id.hex)
    if where.first is not None:
        statement = statement.where(r.inspected_on >= where.first)
    if where.last is not None:
        statement = statement.where(r.inspected_on <= where.last)
    if where.outcome is not None:
        statement = statement.where(r.outcome == where.outcome)
    if after is not None:
        day, last_id = after
        statement = statement.where(
            or_(r.inspected_on > day, and_(r.inspected_on == day, r.inspection_id > last_id.hex))
        )
    statement = statement.order_by(r.inspected_on, r.inspection_id).limit(limit)
    return _read(engine, keys, statement, as_known_at, open_notes=False)


def read_inspection(
    engine: Engine, keys: KeyStore, inspection_id: UUID, *, as_known_at: datetime, open_notes: bool = True
) -> InspectionRecord | None:
    """One inspection as known at `as_known_at` (None: not recorded by then), its notes opened if `open_notes`."""
    r = inspection_records.c
    statement = select(inspection_records).where(r.inspection_id == inspection_id.hex, r.recorded_at <= as_known_at)
    found = _read(engine, keys, statement, as_known_at, open_notes=open_notes)
    return found[0] if found else None


def _read(
    engine: Engine, keys: KeyStore, statement: Select[Any], as_known_at: datetime, *, open_notes: bool
) -> list[InspectionRecord]:
    with reading(engine) as conn:
        rows = conn.execute(statement).all()
        ids = [row.inspection_id for row in rows]
        headcounts = registered_headcounts(conn, ids, as_known_at)
        sanctions = _sanctions(conn, ids, as_known_at)
        holds = _holds(conn, ids)
    # One key lookup per answer, used for it only (a shred wins at once). A key gone before
    # the view saw `PersonalDataShredded` is already a shred.
    sealed = {row.inspection_id for row in rows if not row.shredded and row.has_notes} | set(holds)
    found = keys.data_keys(UUID(hex=i) for i in sorted(sealed))
    records = []
    for row in rows:
        data_key = found.get(UUID(hex=row.inspection_id))
        shredded = bool(row.shredded) or (row.has_notes and data_key is None)
        notes: Sealable[str | None] = None
        if row.has_notes and shredded:
            notes = SHREDDED
        elif row.has_notes and open_notes and data_key is not None and row.sealed_notes is not None:
            notes = open_text(data_key, row.inspection_id, "notes", row.sealed_notes)
        records.append(
            InspectionRecord(
                id=UUID(hex=row.inspection_id),
                housing_location_id=UUID(hex=row.housing_location_id),
                inspected_on=row.inspected_on,
                occupants_found=row.occupants_found,
                registered_headcount=headcounts.get(row.inspection_id, 0),
                findings=tuple(f for f in row.findings.split(",") if f),
                outcome=row.outcome,
                has_notes=bool(row.has_notes),
                shredded=shredded,
                sanctions=tuple(sanctions.get(row.inspection_id, ())),
                legal_holds=tuple(
                    _hold(h, data_key if open_notes else None, opened=open_notes)
                    for h in holds.get(row.inspection_id, ())
                ),
                version=row.version,
                notes=notes,
            )
        )
    return records


def registered_headcounts(conn: Connection, inspection_ids: list[str], as_known_at: datetime) -> dict[str, int]:
    """Per inspection, the workers housed at its location on its day, as believed at `as_known_at`."""
    r, h = inspection_records.c, residence_history.c
    housed = and_(
        h.housing_location_id == r.housing_location_id,
        h.valid_from <= r.inspected_on,
        or_(h.valid_to.is_(None), h.valid_to > r.inspected_on),
        known_at(residence_history, as_known_at),
    )
    counts: dict[str, int] = {}
    for chunk in in_chunks(inspection_ids, MAX_PAGE):
        statement = (
            select(r.inspection_id, func.count(h.row_id))
            .select_from(inspection_records.join(residence_history, housed))
            .where(r.inspection_id.in_(chunk))
            .group_by(r.inspection_id)
        )
        counts.update({inspection: int(count) for inspection, count in conn.execute(statement)})
    return counts


def _sanctions(conn: Connection, ids: list[str], as_known_at: datetime) -> dict[str, list[SanctionRecord]]:
    s = inspection_sanctions.c
    found: dict[str, list[SanctionRecord]] = {}
    for chunk in in_chunks(ids, MAX_PAGE):
        statement = (
            select(inspection_sanctions)
            .where(s.inspection_id.in_(chunk), s.recorded_at <= as_known_at)
            .order_by(s.inspection_id, s.seq)
        )
        for row in conn.execute(statement):
            found.setdefault(row.inspection_id, []).append(
                SanctionRecord(
                    kind=row.kind,
                    against=row.against,
                    employer_id=None if row.employer_id is None else UUID(hex=row.employer_id),
                    owner_kvk_number=row.owner_kvk_number,
                    amount_eur=None if row.amount_eur is None else Decimal(row.amount_eur),
                    deadline=row.deadline,
                    imposed_on=row.imposed_on,
                )
            )
    return found


def _holds(conn: Connection, ids: list[str]) -> dict[str, list[Any]]:
    h = inspection_legal_holds.c
    found: dict[str, list[Any]] = {}
    for chunk in in_chunks(ids, MAX_PAGE):
        statement = select(inspection_legal_holds).where(h.inspection_id.in_(chunk))
        for row in conn.execute(statement.order_by(h.inspection_id, h.case_reference)):
            found.setdefault(row.inspection_id, []).append(row)
    return found


def _hold(row: Any, data_key: bytes | None, *, opened: bool) -> InspectionHold:
    reason: Sealable[str | None] = None
    if opened:
        token = row.sealed_reason
        if data_key is None or token is None:
            reason = SHREDDED
        else:
            reason = open_text(data_key, row.inspection_id, hold_field(row.case_reference), token)
    return InspectionHold(
        case_reference=row.case_reference, placed_at=row.placed_at, review_on=row.review_on, reason=reason
    )
