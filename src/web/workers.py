"""Werknemers (`/werknemers`): find a worker by name and birth date or by identity document; one worker's page.

The search is a form that POSTs (with the session's CSRF token): what a person
types is personal data and must never be in a URL, where it would land in the
access log, the browser's history and a proxy's log. The answer to the POST is
the list found, not a redirect: a search changes nothing, and a redirect
would have to carry the search in its URL. The search is the API's (`POST
/workers/_search`, `api.routers.worker_queries.search_register`), checked by
its body type (`WorkerSearch`), so a page refuses what the API refuses, at the
field, in the page's language, and writes the same processing-log line.

A worker's page is `GET /workers/{id}` and `GET /workers/{id}/residence-history`
together: the record as the API publishes it (`published` decides what each
role sees: the BSN, a legal hold's reason) and the residence intervals as
believed at `asKnownAt`, each read logged as its API route logs it. The
register answers for today as known now, the history for the moment asked;
the page says so while travelling in time. Erased data reads "gewist".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.auth import Principal
from api.deps import ProcessingDep, ServicesDep
from api.routers.worker_queries import published, search_register, visible_record
from api.schemas.register import WorkerSearch
from api.services import Services
from ledger.audit.processing_log import Activity, Operation
from ledger.domain.values import DocumentType
from projections.history import ResidenceInterval, residence_intervals
from projections.labels import read_labels
from projections.register import SEARCH_LIMIT
from web.access import STAFF_PAGES, CheckedForm, page_user
from web.moment import TimeTravel, time_travel
from web.templating import moment_label, page_language, render

router = APIRouter(include_in_schema=False)

StaffPage = Annotated[Principal, Depends(page_user(STAFF_PAGES))]

# The search form's fields, and where the API's body puts each (a refusal's `loc`).
SEARCH_FIELDS = {
    ("familyName",): "familyName",
    ("birthDate",): "birthDate",
    ("idDocument", "type"): "documentType",
    ("idDocument", "number"): "documentNumber",
    ("idDocument", "nationality"): "nationality",
}
DOCUMENT_FIELDS = ("documentType", "documentNumber", "nationality")
# Neither a name nor a document: the API's 400 (`familyName` required), said so a person understands it.
NOTHING_TO_SEARCH = "search_needs_name_or_document"
DOCUMENT_TYPES = [kind.value for kind in DocumentType]


@dataclass(frozen=True)
class Search:
    """What was typed into the search form, and its refusals by field (their codes)."""

    values: dict[str, str]
    errors: dict[str, str]
    body: WorkerSearch | None


def read_search(form: FormData) -> Search:
    """The search form checked as the API checks its body; an empty field is a field not given."""
    values = {name: _text(form.get(name)) for name in SEARCH_FIELDS.values()}
    body: dict[str, Any] = {}
    if values["familyName"]:
        body["familyName"] = values["familyName"]
    if values["birthDate"]:
        body["birthDate"] = values["birthDate"]
    if any(values[name] for name in DOCUMENT_FIELDS):
        document = {"type": values["documentType"], "number": values["documentNumber"]}
        document["nationality"] = values["nationality"]
        body["idDocument"] = {key: value for key, value in document.items() if value}
    if "familyName" not in body and "idDocument" not in body:
        return Search(values, {"familyName": NOTHING_TO_SEARCH}, None)
    try:
        return Search(values, {}, WorkerSearch.model_validate(body))
    except ValidationError as e:
        errors: dict[str, str] = {}
        for error in e.errors():
            field = SEARCH_FIELDS.get(tuple(str(part) for part in error["loc"]), "familyName")
            errors.setdefault(field, str(error["type"]))
        return Search(values, errors, None)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _travel_context(request: Request, services: Services, travel: TimeTravel) -> dict[str, Any]:
    zone, language = services.settings.timezone, page_language(request)
    return {
        "travel": travel,
        "zone": zone,
        "known_at_label": moment_label(travel.moment.as_known_at, zone, language),
        "instant": lambda at: moment_label(at, zone, language),
        "document_types": DOCUMENT_TYPES,
    }


@router.get("/werknemers")
def search_page(request: Request, services: ServicesDep, _: StaffPage) -> Response:
    """The search form (nothing is read until a person searches)."""
    travel = time_travel(request, services)
    context = {
        **_travel_context(request, services, travel),
        "search": Search({}, {}, None),
        "found": None,
        "maybe_more": False,
    }
    return render(request, "workers.html", context, status=400 if travel.errors else 200)


@router.post("/werknemers")
def search(
    request: Request,
    services: ServicesDep,
    principal: StaffPage,
    form: CheckedForm,
    processing: ProcessingDep,
) -> Response:
    """The workers found, as `POST /workers/_search` finds them; a refused field is shown at the field, 400."""
    travel = time_travel(request, services)
    asked = read_search(form)
    context = {**_travel_context(request, services, travel), "search": asked, "found": None, "maybe_more": False}
    if asked.body is None or travel.errors:
        return render(request, "workers.html", context, status=400)
    found = search_register(services, principal, asked.body)
    processing.record(Activity.REGISTRATION, Operation.READ, *(record.id for record in found))
    context["found"] = published(services, principal, found)
    # As many as a search answers: there may be more with this name, and the person is told how to narrow it.
    context["maybe_more"] = len(found) >= SEARCH_LIMIT
    return render(request, "workers.html", context)


@router.get("/werknemers/{worker_id}")
def worker_page(
    request: Request, worker_id: UUID, services: ServicesDep, principal: StaffPage, processing: ProcessingDep
) -> Response:
    """One worker: the register's record today and where they lived, as believed at the moment asked."""
    travel = time_travel(request, services)
    context = _travel_context(request, services, travel)
    if travel.errors:
        return render(request, "worker.html", {**context, "worker": None}, status=400)
    today = services.ledger.today()
    record = visible_record(principal, worker_id, services.register.worker(worker_id, today=today))
    processing.record(Activity.REGISTRATION, Operation.READ, worker_id)
    worker = published(services, principal, [record])[0]
    engine = services.ledger.database.engine
    intervals = residence_intervals(engine, worker_id, as_known_at=travel.moment.as_known_at)
    processing.record(Activity.HOUSING_SUPERVISION, Operation.READ, worker_id)
    labels = read_labels(engine, locations=[i.housing_location_id for i in intervals])
    residence = [(interval, labels.location(interval.housing_location_id)) for interval in intervals]
    context |= {
        "worker": worker,
        "residence": residence,
        "lived_on": lived_on(intervals, travel.moment.on),
        "lived_on_label": labels.location(lived_on(intervals, travel.moment.on)),
    }
    return render(request, "worker.html", context)


def lived_on(intervals: list[ResidenceInterval], day: date) -> UUID | None:
    """The location the worker lived at on `day`, by the intervals given (None: not housed here then)."""
    for interval in intervals:
        if interval.valid_from <= day and (interval.valid_to is None or day < interval.valid_to):
            return interval.housing_location_id
    return None
