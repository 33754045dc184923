"""Inspecties (`/inspecties`): the list of inspections and an inspection's page, as the API answers them.

The list is `GET /api/v1/inspections` (filters: location, from/to, outcome;
keyset pages by the API's own cursor) and the page `GET /api/v1/inspections/{id}`:
both read the inspections view through the same query and build the API's own
answer (`api.schemas.inspection_queries`), so a page shows what the API
answers. A location is chosen by postcode and house number (or by its id, from
a link). The notes and the legal holds' reasons are opened only for the roles
the API opens them for (`reads_notes`: inspectors, admins), with the same
processing-log line (enforcement, read, the inspection). The list shows no
notes and writes no line. `asKnownAt` of the time-travel control leaves out
what was recorded after it and sets the registered headcount; the inspections
have no `on` of their own (a headcount is of the day inspected). The forms are
in `web.inspection_forms`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from api.auth import Principal
from api.deps import ProcessingDep, ServicesDep
from api.policy import INSPECTION_RECORDS
from api.routers.inspection_queries import decode_cursor, encode_cursor, reads_notes
from api.schemas.inspection_queries import InspectionPublic, InspectionSummary
from api.schemas.workers import IsoDate
from api.services import Services
from ledger.audit.processing_log import Activity, Operation
from ledger.domain.values import SHREDDED, Outcome
from ledger.errors import RuleViolated
from projections.inspection_queries import InspectionFilter, InspectionRecord
from projections.inspections import InspectionsView
from projections.labels import Labels, read_labels
from web.access import page_user
from web.errors import error_page
from web.locations_by_address import location_at
from web.moment import TimeTravel, time_travel
from web.templating import moment_label, page_language, query, render

router = APIRouter(include_in_schema=False)

ReadsInspections = Annotated[Principal, Depends(page_user(INSPECTION_RECORDS))]

PAGE_SIZE = 50
_DAY = TypeAdapter(IsoDate)


def view_of(services: Services) -> InspectionsView:
    """The inspections view the API's routes read."""
    view: InspectionsView = services.view(InspectionsView)
    return view


def labels_of(services: Services, records: Sequence[InspectionRecord]) -> Labels:
    """The locations' addresses and the sanctioned employers' names, as the API's answers carry them."""
    return read_labels(
        services.ledger.database.engine,
        employers=(s.employer_id for r in records for s in r.sanctions),
        locations=(r.housing_location_id for r in records),
    )


def _filters(request: Request, services: Services, travel: TimeTravel) -> tuple[dict[str, str], dict[str, str]]:
    """The list's filters as typed, and the refusals by field (their codes)."""
    params = request.query_params
    typed = {
        name: params.get(name, "").strip()
        for name in ("postcode", "huisnummer", "housingLocationId", "from", "to", "outcome", "cursor", "limit")
    }
    errors: dict[str, str] = {}
    for name in ("from", "to"):
        if typed[name]:
            try:
                _DAY.validate_python(typed[name])
            except ValidationError as e:
                errors[name] = str(e.errors()[0]["type"])
    if not errors and typed["from"] and typed["to"] and typed["to"] < typed["from"]:
        errors["to"] = "before_from"  # as the API's 400 naming `to`
    if typed["outcome"] and typed["outcome"] not in {o.value for o in Outcome}:
        errors["outcome"] = "invalid_choice"
    if typed["postcode"] or typed["huisnummer"]:
        found, code = location_at(services, typed["postcode"], typed["huisnummer"], travel.moment)
        if code:
            errors["postcode"] = code
        else:
            typed["housingLocationId"] = str(found)
    elif typed["housingLocationId"]:
        try:
            UUID(typed["housingLocationId"])
        except ValueError:
            typed["housingLocationId"] = ""
    return typed, errors


def _page(services: Services, typed: dict[str, str], travel: TimeTravel) -> tuple[list[InspectionSummary], str | None]:
    """A page of the list, as `GET /inspections` with the same filters gives it, and the cursor after it."""
    limit = int(typed["limit"]) if typed["limit"].isdigit() and 1 <= int(typed["limit"]) <= PAGE_SIZE else PAGE_SIZE
    where = InspectionFilter(
        housing_location_id=UUID(typed["housingLocationId"]) if typed["housingLocationId"] else None,
        first=_DAY.validate_python(typed["from"]) if typed["from"] else None,
        last=_DAY.validate_python(typed["to"]) if typed["to"] else None,
        outcome=typed["outcome"] or None,
    )
    try:
        after = decode_cursor(typed["cursor"]) if typed["cursor"] else None
    except RuleViolated:
        after = None  # a cursor this site did not give out: the first page
    known = travel.moment.as_known_at
    found = view_of(services).inspections(where, as_known_at=known, limit=limit + 1, after=after)
    page = found[:limit]
    labels = labels_of(services, page)
    following = encode_cursor(page[-1].inspected_on, page[-1].id) if len(found) > limit else None
    return [InspectionSummary.of(r, labels) for r in page], following


@router.get("/inspecties")
def inspections_page(request: Request, services: ServicesDep, principal: ReadsInspections) -> Response:
    """The inspections in the order of the day inspected, filtered and a page at a time."""
    travel = time_travel(request, services)
    typed, errors = _filters(request, services, travel)
    context: dict[str, Any] = {
        "travel": travel,
        "zone": services.settings.timezone,
        "typed": typed,
        "errors": {**errors},
        "items": [],
        "next_link": None,
        "may_record": reads_notes(principal),
        "known_at_label": moment_label(travel.moment.as_known_at, services.settings.timezone, page_language(request)),
    }
    if travel.errors or errors:
        return render(request, "inspections.html", context, status=400)
    items, following = _page(services, typed, travel)
    if following is not None:
        kept = {k: typed[k] for k in ("housingLocationId", "from", "to", "outcome", "limit")}
        context["next_link"] = "/inspecties" + query(
            **kept, on=travel.on, asKnownAt=travel.as_known_at, cursor=following
        )
    context["items"] = items
    return render(request, "inspections.html", context)


@router.get("/inspecties/{id}")
def inspection_page(
    id: UUID, request: Request, services: ServicesDep, principal: ReadsInspections, processing: ProcessingDep
) -> Response:
    """One inspection; its notes and holds' reasons for inspectors and admins, logged as the API logs them."""
    travel = time_travel(request, services)
    zone = services.settings.timezone
    label = moment_label(travel.moment.as_known_at, zone, page_language(request))
    context: dict[str, Any] = {"travel": travel, "zone": zone, "known_at_label": label, "inspection": None}
    if travel.errors:
        return render(request, "inspection.html", context, status=400)
    opened = reads_notes(principal)
    known = travel.moment.as_known_at
    record = view_of(services).inspection(id, as_known_at=known, open_notes=opened)
    if record is None:
        return error_page(request, 404)
    if opened and opens_personal_data(record):
        processing.record(Activity.ENFORCEMENT, Operation.READ, id, subject_type="inspection")
    context["inspection"] = InspectionPublic.detail(record, labels_of(services, [record]), known, opened=opened)
    context["opened"] = opened
    context["may_sanction"] = opened and record.outcome == Outcome.VIOLATIONS
    return render(request, "inspection.html", context)


def opens_personal_data(record: InspectionRecord) -> bool:
    """As the API's route: the answer carries free text about people (notes, or a hold's reason) still readable."""
    return isinstance(record.notes, str) or any(
        hold.reason is not None and hold.reason is not SHREDDED for hold in record.legal_holds
    )
