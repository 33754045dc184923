"""The inspections view: one row per inspection, its sanctions and its legal holds, for the lists and the detail.

The coded facts (location, day, occupants found, findings, outcome) and the
sanctions are plain columns; the free-text notes and the holds' reasons may
describe people, so they are re-sealed under the inspection's own data key
(`sealed_*`, never plaintext), bound to this view, the inspection and the
field, as the register does for workers. A shred (retention or erasure) nulls
them and marks the row; the facts stay. The reading is in
`projections.inspection_queries`; the registered headcount on the day of the
inspection is read from the residence view at query time, as known at the
instant asked, never frozen here.

Inspections are few beside workers (hundreds a year), so the projection writes
as it goes, a statement or two per event, rather than folding pages in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, delete, insert, update

from ledger.domain.inspection import Inspection
from ledger.domain.values import SHREDDED
from ledger.keystore import KeyStore
from ledger.sealing import SubjectKeys
from projections.inspection_queries import (
    InspectionFilter,
    InspectionRecord,
    hold_field,
    inspection_legal_holds,
    inspection_records,
    inspection_sanctions,
    list_inspections,
    metadata,
    read_inspection,
    seal_text,
)
from projections.projection import LedgerProjection, handles
from projections.storable import storable
from projections.view import View

__all__ = [
    "InspectionsProjection",
    "InspectionsView",
    "inspection_legal_holds",
    "inspection_records",
    "inspection_sanctions",
    "metadata",
]

CENTS = Decimal("0.01")


class InspectionsView(View):
    """The inspections, their sanctions and legal holds; reads are `projections.inspection_queries`."""

    name = "inspections"
    tables = (inspection_records, inspection_sanctions, inspection_legal_holds)

    def __init__(self, engine: Engine, keys: KeyStore) -> None:
        super().__init__(engine)
        self.keys = keys

    def inspection(
        self, inspection_id: UUID, *, as_known_at: datetime, open_notes: bool = True
    ) -> InspectionRecord | None:
        """One inspection as known at `as_known_at` (None: not recorded by then), notes opened if `open_notes`."""
        return read_inspection(self.engine, self.keys, inspection_id, as_known_at=as_known_at, open_notes=open_notes)

    def inspections(
        self,
        where: InspectionFilter,
        *,
        as_known_at: datetime,
        limit: int,
        after: tuple[date, UUID] | None = None,
    ) -> list[InspectionRecord]:
        """A page of inspections in (day inspected, id) order, as known at `as_known_at`; notes not opened."""
        return list_inspections(self.engine, self.keys, where, as_known_at=as_known_at, limit=limit, after=after)


@dataclass
class InspectionsPage:
    """A page's transaction and the data keys the runner looked up for it."""

    conn: Connection
    keys: SubjectKeys


class InspectionsProjection(LedgerProjection[InspectionsView]):
    """Keeps each inspection's facts, sanctions and holds; seals notes and reasons under its key."""

    name = "inspections"

    def open_page(self, conn: Connection, events: Sequence[Any], keys: SubjectKeys | None) -> InspectionsPage:
        """The page's connection and keys (the store itself when the runner looked none up)."""
        return InspectionsPage(conn, self.view.keys if keys is None else keys)

    @handles(Inspection.Recorded)
    def recorded(self, page: InspectionsPage, event: Inspection.Recorded, position: int) -> None:
        inspection = event.originator_id.hex
        notes = event.notes
        sealed = None
        if notes is not None and notes is not SHREDDED:
            data_key = page.keys.data_key(event.originator_id)
            if data_key is not None:
                sealed = seal_text(data_key, inspection, "notes", notes)
        page.conn.execute(
            insert(inspection_records).values(
                inspection_id=inspection,
                housing_location_id=event.housing_location_id.hex,
                inspected_on=event.inspected_on,
                occupants_found=event.occupants_found,
                findings=",".join(event.findings),
                outcome=event.outcome,
                has_notes=notes is not None,
                sealed_notes=sealed,
                # Notes the runner could not open, or not seal again: their key is gone.
                shredded=notes is not None and sealed is None,
                recorded_at=event.timestamp,
                version=event.originator_version,
            )
        )

    @handles(Inspection.SanctionImposed)
    def sanction_imposed(self, page: InspectionsPage, event: Inspection.SanctionImposed, position: int) -> None:
        amount = None if event.amount_eur is None else str(Decimal(event.amount_eur).quantize(CENTS))
        page.conn.execute(
            insert(inspection_sanctions).values(
                inspection_id=event.originator_id.hex,
                seq=event.originator_version,
                kind=event.kind,
                against=event.against,
                employer_id=None if event.employer_id is None else event.employer_id.hex,
                owner_kvk_number=event.owner_kvk_number,
                amount_eur=amount,
                deadline=event.deadline,
                imposed_on=event.imposed_on,
                recorded_at=event.timestamp,
            )
        )
        _touch(page, event)

    @handles(Inspection.LegalHoldPlaced)
    def legal_hold_placed(self, page: InspectionsPage, event: Inspection.LegalHoldPlaced, position: int) -> None:
        inspection, case_reference = event.originator_id.hex, _case_reference(event)
        data_key = page.keys.data_key(event.originator_id)
        sealed = None
        if data_key is not None and event.reason is not SHREDDED:
            sealed = seal_text(data_key, inspection, hold_field(case_reference), event.reason)
        page.conn.execute(
            insert(inspection_legal_holds).values(
                inspection_id=inspection,
                case_reference=case_reference,
                placed_at=event.timestamp,
                review_on=event.review_on,
                sealed_reason=sealed,
            )
        )
        _touch(page, event)

    @handles(Inspection.LegalHoldLifted)
    def legal_hold_lifted(self, page: InspectionsPage, event: Inspection.LegalHoldLifted, position: int) -> None:
        h = inspection_legal_holds.c
        page.conn.execute(
            delete(inspection_legal_holds).where(
                (h.inspection_id == event.originator_id.hex) & (h.case_reference == _case_reference(event))
            )
        )
        _touch(page, event)

    @handles(Inspection.PersonalDataShredded)
    def shredded(self, page: InspectionsPage, event: Inspection.PersonalDataShredded, position: int) -> None:
        inspection = event.originator_id.hex
        _touch(page, event, shredded=True, sealed_notes=None)
        page.conn.execute(
            update(inspection_legal_holds)
            .where(inspection_legal_holds.c.inspection_id == inspection)
            .values(sealed_reason=None)
        )


def _touch(page: InspectionsPage, event: Any, **values: Any) -> None:
    """Set the inspection's version to the event's (and other columns of its row)."""
    r = inspection_records.c
    page.conn.execute(
        update(inspection_records)
        .where(r.inspection_id == event.originator_id.hex)
        .values(version=event.originator_version, **values)
    )


def _case_reference(event: Inspection.LegalHoldPlaced | Inspection.LegalHoldLifted) -> str:
    # Placing and lifting store the case reference alike, so that the lift finds the row.
    return storable(event.case_reference, inspection_legal_holds.c.case_reference)
