"""Reading the worker register: lists, exact-name search, one worker, and where a worker lived.

Every answer carries personal data, so each writes a processing-log line per
worker returned. An employer sees only its own workers; another employer's
worker is 404, as if it did not exist. The write routes are in
`api.routers.workers`.
"""

from __future__ import annotations

import base64
import re
import string
from collections.abc import Sequence
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from api.auth import Principal, Role
from api.deps import FreshReads, ProcessingDep, ServicesDep
from api.parameters import AsKnownAt, moment, scoped_employer
from api.policy import QUERIES, allow
from api.routing import ApiRoute
from api.schemas.register import (
    ResidenceHistoryPublic,
    ResidenceIntervalPublic,
    WorkerList,
    WorkerPublic,
    WorkerSearch,
    WorkersPage,
)
from api.scoping import employer_scope
from api.services import Services
from ledger.audit.processing_log import Activity, Operation
from ledger.errors import NotFound, RuleViolated
from projections.document_search import workers_by_document
from projections.history import residence_intervals
from projections.labels import read_labels
from projections.register_records import WorkerRecord, WorkerStatus

router = APIRouter(prefix="/workers", tags=["workers"], route_class=ApiRoute)

# `{workerId}`, as in the write routes under /workers.
WorkerId = Annotated[UUID, Path(alias="workerId", description="The worker's id.")]
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
# Keyset pagination: the cursor is the last id of a page, wrapped so that clients treat it as opaque.
_CURSOR_PREFIX = b"workers.v1:"
_BASE64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def _cursor_pattern() -> str:
    """Exactly the cursors `encode_cursor` gives out: the prefix, then any 16 bytes, in unpadded base64url."""
    fixed, bits = divmod(len(_CURSOR_PREFIX) * 8, 6)  # characters the prefix fills alone; its bits in the next
    lowest = encode_cursor(UUID(int=0))
    start = _BASE64URL.index(lowest[fixed])
    shared = _BASE64URL[start : start + 2 ** (6 - bits)]  # the next character: the prefix's bits, then any
    return f"^{lowest[:fixed]}[{shared}][A-Za-z0-9_-]{{{len(lowest) - fixed - 1}}}$"


def encode_cursor(after: UUID) -> str:
    """The opaque cursor of the page after worker `after` (base64url, no padding)."""
    return base64.urlsafe_b64encode(_CURSOR_PREFIX + after.bytes).rstrip(b"=").decode()


CURSOR_PATTERN = _cursor_pattern()


def _decode_cursor(value: object) -> object:
    if not isinstance(value, str):
        return value
    # Only what the document's pattern admits: base64 decoding would skip characters outside the alphabet.
    raw = base64.urlsafe_b64decode(value) if re.fullmatch(CURSOR_PATTERN.strip("^$"), value) else b""
    if not raw.startswith(_CURSOR_PREFIX) or len(raw) != len(_CURSOR_PREFIX) + 16:
        msg = "not a cursor this API gave out; pass `nextCursor` unchanged"
        raise ValueError(msg)
    return UUID(bytes=raw[len(_CURSOR_PREFIX) :])


Cursor = Annotated[
    UUID | None,
    BeforeValidator(_decode_cursor),
    # An opaque string to clients, whatever it holds.
    WithJsonSchema({"type": "string", "pattern": CURSOR_PATTERN}),
    Query(description="`nextCursor` of the previous page, unchanged (an opaque string); omit for the first page."),
]


# The header a worker's answer carries: its version, to send back as `If-Match`.
ETAG = {"description": "The worker's version, for `If-Match`.", "schema": {"type": "string", "example": '"3"'}}


def _clamped(limit: int) -> int:
    return min(limit, MAX_LIMIT)


# The constraint before the clamp: after a validator pydantic could only write `ge` into the document.
Limit = Annotated[
    int,
    Query(ge=1, description=f"Page size (at most {MAX_LIMIT}; larger values are clamped)."),
    AfterValidator(_clamped),
]


def sees_hold_reasons(principal: Principal) -> bool:
    """A hold's reason is about the person's case: for enforcement (inspector) and admin only."""
    return bool(principal.roles & {Role.INSPECTOR, Role.ADMIN})


def sees_bsn(principal: Principal) -> bool:
    """The BSN is the municipality's: a private party may use it only where a law prescribes it.

    Wet algemene bepalingen burgerservicenummer art. 1 and 10, UAVG art. 46:
    no law prescribes it for an employer here, so an answer to a caller with
    no municipal role (an employer) carries none (docs/domain-rules.md).
    """
    return bool(principal.roles - {Role.EMPLOYER})


def published(services: Services, principal: Principal, records: Sequence[WorkerRecord]) -> list[WorkerPublic]:
    """Records as the API shows them, with their retention due dates and labels (one query each for all)."""
    due = services.retention_due([r.id for r in records])
    reasons, bsn = sees_hold_reasons(principal), sees_bsn(principal)
    labels = read_labels(
        services.ledger.database.engine,
        employers=[r.employer_id for r in records],
        locations=[r.housing_location_id for r in records],
    )
    return [
        WorkerPublic.of(r, hold_reasons=reasons, bsn=bsn, retention_due_on=due.get(r.id), labels=labels)
        for r in records
    ]


def _in_scope(principal: Principal, employer_id: UUID | None) -> bool:
    """Whether the caller may see a worker of `employer_id` (None: a worker the register does not know)."""
    return employer_id is not None and employer_scope(principal) in (None, employer_id)


def visible(principal: Principal, worker_id: UUID, employer_id: UUID | None) -> None:
    """404 unless the register knows the worker and the caller may see its employer's workers."""
    if not _in_scope(principal, employer_id):
        raise NotFound("worker", worker_id)


def visible_record(principal: Principal, worker_id: UUID, record: WorkerRecord | None) -> WorkerRecord:
    """The worker's record if the caller may see it; 404 otherwise."""
    if record is None or not _in_scope(principal, record.employer_id):
        raise NotFound("worker", worker_id)
    return record


def search_register(services: Services, principal: Principal, body: WorkerSearch) -> list[WorkerRecord]:
    """The workers a search finds, within the caller's scope (the staff pages search the same way)."""
    today, scope = services.ledger.today(), employer_scope(principal)
    if body.id_document is not None:
        document = body.id_document
        return workers_by_document(
            services.ledger.database.engine,
            services.ledger.keys,
            document_type=document.type.value,
            number=document.number,
            nationality=document.nationality,
            today=today,
            employer_id=scope,
            family_name=body.family_name,
            birth_date=body.birth_date,
        )
    if body.family_name is not None:
        return services.register.search(body.family_name, body.birth_date, today=today, employer_id=scope)
    raise RuleViolated.single("family_name", "required", "give `familyName`, `idDocument`, or both")


@router.get("")
def list_workers(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    processing: ProcessingDep,
    _: FreshReads,
    employer_id: Annotated[UUID | None, Query(alias="employerId")] = None,
    status: Annotated[WorkerStatus | None, Query(description="Status today.")] = None,
    housing_location_id: Annotated[
        UUID | None, Query(alias="housingLocationId", description="Housed there today.")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> WorkersPage:
    """Workers in id order, a page at a time (keyset pagination: pass `nextCursor` as `cursor`)."""
    # One more than asked tells whether there is a next page without a second query.
    found = services.register.workers(
        employer_id=scoped_employer(principal, employer_id),
        status=status,
        housing_location_id=housing_location_id,
        limit=limit + 1,
        after=cursor,
        today=services.ledger.today(),
    )
    page = found[:limit]
    processing.record(Activity.REGISTRATION, Operation.READ, *(record.id for record in page))
    items = published(services, principal, page)
    return WorkersPage(items=items, next_cursor=encode_cursor(page[-1].id) if len(found) > limit else None)


@router.post("/_search")
def search_workers(
    body: WorkerSearch,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    processing: ProcessingDep,
    _: FreshReads,
) -> WorkerList:
    """Workers found by family name (exact once normalised) and birth date, by identity document, or both.

    The family name matches once case, marks and spacing are normalised. The
    document is matched by its keyed hash, as the ledger keeps it
    (docs/claims.md): a registration that ended is found, an erased one is not.
    """
    found = search_register(services, principal, body)
    processing.record(Activity.REGISTRATION, Operation.READ, *(record.id for record in found))
    return WorkerList(items=published(services, principal, found))


@router.get("/{workerId}", responses={200: {"headers": {"ETag": ETAG}}})
def get_worker(
    worker_id: WorkerId,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    processing: ProcessingDep,
    response: Response,
    _: FreshReads,
) -> WorkerPublic:
    """One worker as the register knows it today; `ETag` is its version (for `If-Match`)."""
    record = visible_record(principal, worker_id, services.register.worker(worker_id, today=services.ledger.today()))
    processing.record(Activity.REGISTRATION, Operation.READ, worker_id)
    response.headers["ETag"] = f'"{record.version}"'
    return published(services, principal, [record])[0]


@router.get("/{workerId}/residence-history")
def get_residence_history(
    worker_id: WorkerId,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(QUERIES))],
    processing: ProcessingDep,
    _: FreshReads,
    as_known_at: AsKnownAt = None,
) -> ResidenceHistoryPublic:
    """Where the worker lived, as believed at `asKnownAt`: intervals with the instant each was recorded."""
    visible(principal, worker_id, services.register.employer_of(worker_id))
    known = moment(services, as_known_at=as_known_at).as_known_at
    engine = services.ledger.database.engine
    intervals = residence_intervals(engine, worker_id, as_known_at=known)
    processing.record(Activity.HOUSING_SUPERVISION, Operation.READ, worker_id)
    labels = read_labels(engine, locations=[i.housing_location_id for i in intervals])
    return ResidenceHistoryPublic(
        worker_id=worker_id, as_known_at=known, intervals=[ResidenceIntervalPublic.of(i, labels) for i in intervals]
    )
