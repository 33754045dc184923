"""`Annotated` dependency aliases: what routes ask for, and the small request-level helpers.

Routes declare `services: ServicesDep`, `principal: Annotated[Principal,
Depends(allow(POLICY))]`, `expected: IfMatch` and `_: FreshReads`; the work of
each lives here, once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, HTTPException, Query, Request, status

from api.auth import Principal
from api.middleware import trace_id_var
from api.services import Services
from ledger.audit.processing_log import Activity, Operation


def get_services(request: Request) -> Services:
    """The services built in the lifespan."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


# An entity tag holding an aggregate version: `"3"` (as `ETag` gives it), weak `W/"3"`, or a bare `3`.
IF_MATCH_PATTERN = '^(?:W/)?(?:"[0-9]+"|[0-9]+)$'


def if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The version the write expects, as `ETag` gave it (`"3"`); 412 when it is no longer current.',
            json_schema_extra={"pattern": IF_MATCH_PATTERN},
        ),
    ] = None,
) -> int | None:
    """The aggregate version a write expects, from `If-Match: "<version>"` (412 when stale)."""
    if if_match is None:
        return None
    value = if_match.strip(" \t")  # the optional white space around a field value is not part of it
    if not re.fullmatch(IF_MATCH_PATTERN.strip("^$"), value):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail='If-Match must be an aggregate version, like "3"')
    return int(value.removeprefix("W/").strip('"'))


IfMatch = Annotated[int | None, Depends(if_match)]


def fresh_reads(
    services: ServicesDep,
    min_position: Annotated[
        int | None, Query(alias="minPosition", ge=0, description="Wait until the answer reflects this write.")
    ] = None,
) -> None:
    """Wait (bounded) until the read models have processed `minPosition`."""
    services.wait_for(min_position)


FreshReads = Annotated[None, Depends(fresh_reads)]


class Processing:
    """The processing-log lines of one request: routes name the subjects, the log is written after."""

    def __init__(self, services: Services, request: Request) -> None:
        self.services = services
        self.request = request
        self.entries: list[tuple[Activity, Operation, list[UUID], str, str | None, date | None]] = []

    def record(
        self,
        activity: Activity,
        operation: Operation,
        *subjects: UUID,
        subject_type: str = "worker",
        reason_code: str | None = None,
        destroy_on: date | None = None,
    ) -> None:
        """Say that this request processes the personal data of `subjects` (workers, inspections, erasure notes).

        `reason_code` says why an erasure (`Operation.DELETE`) erases, or why an
        export (`Operation.EXPORT`) opens; `destroy_on`, by when an opened export is to be destroyed.
        """
        self.entries.append((activity, operation, list(subjects), subject_type, reason_code, destroy_on))


def processing(services: ServicesDep, request: Request) -> Iterator[Processing]:
    """Collect the subjects a request touches; write one log line per subject when it ends."""
    lines = Processing(services, request)
    outcome = "OK"
    try:
        yield lines
    except Exception:
        outcome = "ERROR"
        raise
    finally:
        principal: Principal | None = getattr(request.state, "principal", None)
        for activity, operation, subjects, subject_type, reason_code, destroy_on in lines.entries:
            services.processing_log.append(
                actor=principal.sub if principal else "anonymous",
                role=principal.role.value if principal else "none",
                activity=activity,
                subjects=subjects,
                operation=operation,
                outcome=outcome,
                trace_id=trace_id_var.get(),
                subject_type=subject_type,
                reason_code=reason_code,
                destroy_on=destroy_on,
            )


ProcessingDep = Annotated[Processing, Depends(processing)]
