"""Reading inspections back: a list over a period, and one inspection with its notes and holds.

For the municipality's roles only (an employer is 403: docs/roles.md). The
coded facts, counts and sanctions are no personal data, so a list writes no
processing-log line; the notes and the holds' reasons may describe people, so
the detail opens them only for inspectors and admins, and writes a line
(enforcement, read) each time it does. The write routes are in
`api.routers.inspections`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import WithJsonSchema

from api.auth import Principal, Role
from api.deps import FreshReads, ProcessingDep, ServicesDep
from api.parameters import AsKnownAt, moment
from api.policy import INSPECTION_RECORDS, allow
from api.routers.worker_queries import Limit
from api.routing import ApiRoute
from api.schemas.inspection_queries import InspectionPublic, InspectionsPage, InspectionSummary
from api.schemas.workers import IsoDate
from api.services import Services
from ledger.audit.processing_log import Activity, Operation
from ledger.domain.values import SHREDDED, Outcome
from ledger.errors import NotFound, RuleViolated
from projections.inspection_queries import InspectionFilter, InspectionRecord
from projections.inspections import InspectionsView
from projections.labels import Labels, read_labels

router = APIRouter(prefix="/inspections", tags=["inspections"], route_class=ApiRoute)

DEFAULT_LIMIT = 100
# Keyset pagination on (day inspected, id): the cursor holds both, wrapped so that clients treat it as opaque.
# The prefix is 15 bytes, exactly 20 base64 characters; the 20 bytes after it (the day's ordinal, 4 bytes,
# and the id, 16) take 27, the last of which carries 4 bits and two zero bits.
_CURSOR_PREFIX = b"inspections.v1:"
CURSOR_PATTERN = f"^{base64.urlsafe_b64encode(_CURSOR_PREFIX).decode()}[A-Za-z0-9_-]{{26}}[AEIMQUYcgkosw048]$"
ETAG = {"description": "The inspection's version, for `If-Match`.", "schema": {"type": "string", "example": '"3"'}}


def encode_cursor(day: date, after: UUID) -> str:
    """The opaque cursor of the page after inspection `after` of `day` (base64url, no padding)."""
    raw = _CURSOR_PREFIX + day.toordinal().to_bytes(4, "big") + after.bytes
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(value: str) -> tuple[date, UUID]:
    """The (day, id) a cursor of `encode_cursor` holds; 400 naming `cursor` for any other string."""
    refused = RuleViolated.single("cursor", "invalid", "not a cursor this API gave out; pass `nextCursor` unchanged")
    # Only what the document's pattern admits: base64 decoding would skip characters outside the alphabet.
    if not re.fullmatch(CURSOR_PATTERN.strip("^$"), value):
        raise refused
    raw = base64.urlsafe_b64decode(value + "=")[len(_CURSOR_PREFIX) :]
    try:
        day = date.fromordinal(int.from_bytes(raw[:4], "big"))
    except (ValueError, OverflowError):
        raise refused from None
    return day, UUID(bytes=raw[4:])


# A string to the document and to FastAPI (a tuple would read as a repeated parameter); decoded in the route.
Cursor = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "pattern": CURSOR_PATTERN}),
    Query(description="`nextCursor` of the previous page, unchanged (an opaque string); omit for the first page."),
]
InspectionId = Annotated[UUID, Path(alias="id", description="The inspection's id.")]


def reads_notes(principal: Principal) -> bool:
    """Notes and hold reasons are enforcement's: inspectors and admins read them (docs/roles.md)."""
    return bool(principal.roles & {Role.INSPECTOR, Role.ADMIN})


def _view(services: Services) -> InspectionsView:
    view: InspectionsView = services.view(InspectionsView)
    return view


@router.get("")
def list_inspections(
    services: ServicesDep,
    _principal: Annotated[Principal, Depends(allow(INSPECTION_RECORDS))],
    _: FreshReads,
    housing_location_id: Annotated[
        UUID | None, Query(alias="housingLocationId", description="Inspections of this housing location.")
    ] = None,
    first: Annotated[
        IsoDate | None, Query(alias="from", description="Inspected on or after this day, `YYYY-MM-DD`.")
    ] = None,
    last: Annotated[
        IsoDate | None, Query(alias="to", description="Inspected on or before this day (inclusive).")
    ] = None,
    outcome: Annotated[Outcome | None, Query(description="Only inspections with this outcome.")] = None,
    as_known_at: AsKnownAt = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> InspectionsPage:
    """Inspections in the order of the day inspected, a page at a time (pass `nextCursor` as `cursor`).

    Each shows what was found beside the workers the register had housed there
    that day, as known at `asKnownAt` (inspections recorded after it are left
    out), the outcome and the sanctions; never the notes. 400 naming `to` when
    it is before `from`.
    """
    if first is not None and last is not None and last < first:
        raise RuleViolated.single("to", "before_from", "`to` must not be before `from`")
    known = moment(services, as_known_at=as_known_at).as_known_at
    where = InspectionFilter(
        housing_location_id=housing_location_id, first=first, last=last, outcome=outcome.value if outcome else None
    )
    # One more than asked tells whether there is a next page without a second query.
    after = None if cursor is None else decode_cursor(cursor)
    found = _view(services).inspections(where, as_known_at=known, limit=limit + 1, after=after)
    page = found[:limit]
    next_cursor = encode_cursor(page[-1].inspected_on, page[-1].id) if len(found) > limit else None
    labels = _labels(services, page)
    items = [InspectionSummary.of(r, labels) for r in page]
    return InspectionsPage(as_known_at=known, items=items, next_cursor=next_cursor)


@router.get("/{id}", responses={200: {"headers": {"ETag": ETAG}}})
def get_inspection(
    inspection_id: InspectionId,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(INSPECTION_RECORDS))],
    processing: ProcessingDep,
    response: Response,
    _: FreshReads,
    as_known_at: AsKnownAt = None,
) -> InspectionPublic:
    """One inspection: findings, occupants found against the registered headcount that day, outcome, sanctions.

    The notes and the legal holds' reasons are shown to inspectors and admins
    (a line in the processing log); other roles see whether notes exist
    (`notesStatus`) and the holds without reasons. 404 when the inspection was
    not recorded as of `asKnownAt`. `ETag` is its version (for `If-Match`).
    """
    opened = reads_notes(principal)
    known = moment(services, as_known_at=as_known_at).as_known_at
    record = _view(services).inspection(inspection_id, as_known_at=known, open_notes=opened)
    if record is None:
        raise NotFound("inspection", inspection_id)
    if opened and _opens_personal_data(record):
        processing.record(Activity.ENFORCEMENT, Operation.READ, inspection_id, subject_type="inspection")
    response.headers["ETag"] = f'"{record.version}"'
    return InspectionPublic.detail(record, _labels(services, [record]), known, opened=opened)


def _labels(services: Services, records: Sequence[InspectionRecord]) -> Labels:
    """The locations' addresses and the sanctioned employers' names of these inspections, one query each."""
    return read_labels(
        services.ledger.database.engine,
        employers=(s.employer_id for r in records for s in r.sanctions),
        locations=(r.housing_location_id for r in records),
    )


def _opens_personal_data(record: InspectionRecord) -> bool:
    """Whether the answer carries free text about people: notes, or a hold's reason, still readable."""
    return isinstance(record.notes, str) or any(
        hold.reason is not None and hold.reason is not SHREDDED for hold in record.legal_holds
    )
