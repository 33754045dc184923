"""The access log: the processing log read back, for auditors (and a data subject's right of access).

Reading the log is itself a processing: one line per subject in the answer,
under the audit activity.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.auth import Principal
from api.deps import ProcessingDep, ServicesDep
from api.policy import AUDIT, allow
from api.schemas.queries import AccessLogLine, AccessLogPublic, QueryInstant
from ledger.processing_log import Activity, Operation

router = APIRouter(prefix="/audit", tags=["audit"])

# More lines than this in one answer: narrow the period with `from`.
MAX_LINES = 1000
# A `sub` has no control characters; PostgreSQL refuses a NUL in a string parameter outright.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


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
) -> AccessLogPublic:
    """Processing-log lines in time order (at most 1000): who processed whose data, when and for what."""
    lines = services.processing_log.lines(subject_id=subject_id, actor=actor, since=since, until=until, limit=MAX_LINES)
    processing.record(Activity.AUDIT, Operation.READ, *(line.subject_id for line in lines))
    return AccessLogPublic(items=[AccessLogLine.of(line) for line in lines])
