"""Audit (`/audit`): the chain's verification status, the event feed, and the access log per subject.

For whoever the API's audit routes admit (policy AUDIT: auditors, admins).
The status shows the last checkpoint (`AuditChain.latest_checkpoint`, one
row) and the head of the chain; a verification is started with a form and runs
in the background (`web.audit_verification`), so no request verifies the
chain; while it runs, the page follows it through the status block's own
fragment (`/audit/controle`), polled as a timer's request (`web.access.live_user`).
The feed is `GET /audit/events` pseudonymised (the same documents,
`ledger.audit.exports.event_page`; no processing-log line, as the API writes
none for a pseudonymised page; opening personal fields for a reason stays with
the API and `ledger audit export`). The access log is `GET
/audit/access-log?subjectId=` (the same query and cursor) and, as the API does,
writes one line per subject shown (audit, read).

As known at an instant (the time-travel control's `asKnownAt`), each page
shows what had been recorded by then (docs/audit.md): the last checkpoint
recorded by then and the position the log had reached
(`ledger.audit.instants`), the feed up to that position, and the access-log
lines written by then. A day (`on`) does not apply to a record of what
happened: the control asks only the instant and says so. A verification
always checks the chain as it is stored now.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import RedirectResponse, Response

from api.auth import Principal
from api.deps import ProcessingDep, ServicesDep
from api.policy import AUDIT
from api.routers.access_log import decode_cursor, encode_cursor
from api.routers.audit import MAX_LIMIT as EVENTS_MAX
from api.services import Services
from ledger.audit.chain import AuditChain
from ledger.audit.exports import event_page
from ledger.audit.instants import last_position_recorded_by
from ledger.audit.processing_log import Activity, Operation
from web.access import CheckedForm, live_user, page_user
from web.audit_verification import verification_of
from web.live import fragment
from web.moment import TimeTravel, time_travel
from web.templating import moment_label, page_language, query, render

router = APIRouter(include_in_schema=False)

Audits = Annotated[Principal, Depends(page_user(AUDIT))]
# The verification's status polled while a run goes on: a timer's request, which keeps no session alive.
LiveAudits = Annotated[Principal, Depends(live_user(AUDIT))]
VERIFICATION = "/audit/controle"

EVENTS_PAGE = 50
LOG_PAGE = 100


def _travel(request: Request, services: Services) -> tuple[TimeTravel, dict[str, Any]]:
    """The control's instant (a day does not apply here) and what the page's layout shows of it."""
    travel = time_travel(request, services, day_applies=False)
    zone, language = services.settings.timezone, page_language(request)
    label = moment_label(travel.moment.as_known_at, zone, language)
    return travel, {"travel": travel, "zone": zone, "known_at_label": label}


@router.get("/audit")
def audit_page(request: Request, services: ServicesDep, _: Audits) -> Response:
    """The last checkpoint, the head of the chain (as known at the instant), and the last verification run."""
    travel, context = _travel(request, services)
    ledger = services.ledger
    chain = AuditChain(ledger.recorder, ledger.database.engine)
    zone, language = services.settings.timezone, page_language(request)
    context |= _verification_context(request, services)
    if travel.errors:
        return render(request, "audit.html", {**context, "checkpoint": None, "head": None}, status=400)
    known_at = travel.moment.as_known_at if travel.active else None
    checkpoint = chain.latest_checkpoint(recorded_by=known_at)
    context |= {
        "checkpoint": checkpoint,
        "checkpoint_at": moment_label(checkpoint.recorded_at, zone, language) if checkpoint else None,
        "head": chain.head()[0] if known_at is None else last_position_recorded_by(ledger, known_at),
    }
    return render(request, "audit.html", context)


@router.get(VERIFICATION)
def verification_status(request: Request, services: ServicesDep, _: LiveAudits) -> Response:
    """The verification's status alone: the block a running verification's page polls until the run ends."""
    return fragment(request, "_verification.html", _verification_context(request, services))


def _verification_context(request: Request, services: Services) -> dict[str, Any]:
    zone, language = services.settings.timezone, page_language(request)
    run = verification_of(request.app).current()
    return {
        "run": run,
        "run_started": moment_label(run.started_at, zone, language) if run else None,
        "run_finished": moment_label(run.finished_at, zone, language) if run and run.finished_at else None,
    }


@router.post("/audit")
def start_verification(request: Request, services: ServicesDep, principal: Audits, _form: CheckedForm) -> Response:
    """Start a verification of the whole chain in the background (unless one runs), then show the status."""
    verification_of(request.app).start(services, by=principal.sub)
    return RedirectResponse("/audit", status_code=status.HTTP_303_SEE_OTHER)


def _whole(text: str | None, default: int, *, low: int, high: int) -> int:
    """A paging number from the query; out of range or not a number is the default (links make them)."""
    if text is None or not text.isdecimal():
        return default
    value = int(text)
    return value if low <= value <= high else default


@router.get("/audit/gebeurtenissen")
def events_page(request: Request, services: ServicesDep, _: Audits) -> Response:
    """The stored events after `after`, a page at a time, personal fields pseudonymised (as `GET /audit/events`)."""
    travel, context = _travel(request, services)
    if travel.errors:
        return render(request, "audit_events.html", {**context, "items": [], "next_link": None}, status=400)
    after = _whole(request.query_params.get("after"), 0, low=0, high=2**63 - 2)
    limit = _whole(request.query_params.get("limit"), EVENTS_PAGE, low=1, high=EVENTS_MAX)
    until = last_position_recorded_by(services.ledger, travel.moment.as_known_at) if travel.active else None
    page = event_page(services.ledger, after=after, limit=limit, opened=False, until=until)
    items = [
        {**document, "data_text": json.dumps(document["data"], ensure_ascii=False, sort_keys=True, default=str)}
        for document in page.documents
    ]
    following = None
    if page.next is not None:
        following = "/audit/gebeurtenissen" + query(
            after=str(page.next), limit=str(limit), asKnownAt=travel.as_known_at
        )
    return render(request, "audit_events.html", {**context, "items": items, "next_link": following})


@router.get("/audit/toegang")
def access_log_page(request: Request, services: ServicesDep, _: Audits, processing: ProcessingDep) -> Response:
    """The processing-log lines about one subject, a page at a time, logged as `GET /audit/access-log` logs them."""
    travel, context = _travel(request, services)
    typed = request.query_params.get("subjectId", "").strip()
    context |= {"typed": typed, "errors": {}, "items": [], "next_link": None}
    if travel.errors:
        return render(request, "audit_access.html", context, status=400)
    if not typed:
        return render(request, "audit_access.html", context)
    try:
        subject = UUID(typed)
    except ValueError:
        context["errors"] = {"subjectId": "uuid_parsing"}
        return render(request, "audit_access.html", context, status=400)
    cursor = request.query_params.get("cursor")
    try:
        after = decode_cursor(cursor) if cursor else None
    except ValueError:
        after = None  # a cursor this site did not give out: the first page
    until = travel.moment.as_known_at if travel.active else None
    found = services.processing_log.lines(subject_id=subject, after=after, until=until, limit=LOG_PAGE + 1)
    page = found[:LOG_PAGE]
    processing.record(Activity.AUDIT, Operation.READ, *(line.subject_id for line in page))
    if len(found) > LOG_PAGE:
        context["next_link"] = "/audit/toegang" + query(
            subjectId=str(subject), cursor=encode_cursor(page[-1]), asKnownAt=travel.as_known_at
        )
    zone, language = services.settings.timezone, page_language(request)
    context["items"] = [(line, moment_label(line.at, zone, language)) for line in page]
    return render(request, "audit_access.html", context)
