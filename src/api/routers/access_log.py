"""The access log: the processing log read back, for auditors (and a data subject's right of access).

Reading the log is itself a processing: one line per subject in the answer,
under the audit activity. The log pages like the other lists: `limit` lines
at a time in time order, and `nextCursor` to pass as `cursor` for the next
page (null on the last), so no answer stops short without saying so.
"""

from __future__ import annotations

import base64
import struct
from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator

from api.auth import Principal
from api.deps import ProcessingDep, ServicesDep
from api.parameters import QueryInstant
from api.policy import AUDIT, allow
from api.routing import ApiRoute
from api.schemas.access_log import AccessLogLine, AccessLogPublic
from ledger.audit.processing_log import Activity, LogLine, Operation

router = APIRouter(prefix="/audit", tags=["audit"], route_class=ApiRoute)

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
# A `sub` has no control characters; PostgreSQL refuses a NUL in a string parameter outright.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
# Keyset pagination on the log's order (at, line id): the last line of a page, wrapped so that clients treat it
# as opaque. The instant is in microseconds since the epoch, as both backends keep it.
_CURSOR_PREFIX = b"access-log.v1:"
_CURSOR = struct.Struct(">qq")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(line: LogLine) -> str:
    """The opaque cursor of the page after `line` (base64url, no padding)."""
    microseconds = (line.at - _EPOCH) // timedelta(microseconds=1)
    return base64.urlsafe_b64encode(_CURSOR_PREFIX + _CURSOR.pack(microseconds, line.line_id)).rstrip(b"=").decode()


def decode_cursor(value: str) -> tuple[datetime, int]:
    """The (at, line id) of the line a cursor names; ValueError for a cursor this API did not give out."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:  # binascii.Error, and non-ASCII text
        raw = b""
    if raw.startswith(_CURSOR_PREFIX) and len(raw) == len(_CURSOR_PREFIX) + _CURSOR.size:
        microseconds, line_id = _CURSOR.unpack(raw[len(_CURSOR_PREFIX) :])
        try:
            return _EPOCH + timedelta(microseconds=microseconds), line_id
        except OverflowError:
            pass
    msg = "not a cursor this API gave out; pass `nextCursor` unchanged"
    raise ValueError(msg)


def _checked_cursor(value: str | None) -> str | None:
    if value is not None:
        decode_cursor(value)
    return value


Cursor = Annotated[
    str | None,
    AfterValidator(_checked_cursor),
    Query(description="`nextCursor` of the previous page; omit for the first page."),
]


def _clamped(limit: int) -> int:
    return min(limit, MAX_LIMIT)


# The constraint before the clamp: after a validator pydantic could only write `ge` into the document.
Limit = Annotated[
    int,
    Query(ge=1, description=f"Page size (at most {MAX_LIMIT}; larger values are clamped)."),
    AfterValidator(_clamped),
]


@router.get("/access-log")
def get_access_log(
    services: ServicesDep,
    _: Annotated[Principal, Depends(allow(AUDIT))],
    processing: ProcessingDep,
    subject_id: Annotated[UUID | None, Query(alias="subjectId", description="Only lines about this subject.")] = None,
    actor: Annotated[
        str | None, Query(max_length=200, pattern=_PRINTABLE, description="Only lines of this caller (`sub`).")
    ] = None,
    since: Annotated[QueryInstant | None, Query(alias="from", description="From this instant (inclusive).")] = None,
    until: Annotated[QueryInstant | None, Query(alias="to", description="Up to this instant (inclusive).")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> AccessLogPublic:
    """Processing-log lines in time order, a page at a time: who processed whose data, when and for what.

    Pass `nextCursor` as `cursor` for the next page; it is null on the last.
    """
    # One more than asked tells whether there is a next page without a second query.
    found = services.processing_log.lines(
        subject_id=subject_id,
        actor=actor,
        since=since,
        until=until,
        after=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    page = found[:limit]
    processing.record(Activity.AUDIT, Operation.READ, *(line.subject_id for line in page))
    return AccessLogPublic(
        items=[AccessLogLine.of(line) for line in page],
        next_cursor=encode_cursor(page[-1]) if len(found) > limit else None,
    )
