"""The enforcement forms: record an inspection (`/inspecties/nieuw`) and impose a sanction (`/inspecties/{id}/sanctie`).

They call the same application commands as `POST /api/v1/inspections` and
`POST /api/v1/inspections/{id}/sanctions` (`Ledger.record_inspection`,
`Ledger.impose_sanction`), for the same roles (policy ENFORCEMENT: inspectors
and admins), and write the same processing-log line (enforcement, create, the
inspection, when notes were given). A form only turns what a browser sends
(text) into the command's types; the rules are the domain's. Every refusal is
shown at its field by its code (`web.refusals`), in the page's language, with
what was typed; nothing is stored (the command refuses before it saves). After
a write the person is sent on (POST-redirect-GET) once the views hold it.
A sanction's form carries the inspection's version (the API's `If-Match`), so
a sanction decided on what someone else has since changed is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from babel.numbers import NumberFormatError, parse_decimal
from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData

from api.auth import Principal
from api.deps import ProcessingDep, ServicesDep
from api.policy import ENFORCEMENT
from api.schemas.workers import IsoDate
from api.services import Services
from ledger.audit.processing_log import Activity, Operation
from ledger.domain.employer import employer_id_for
from ledger.domain.values import Finding, Outcome, SanctionKind, SanctionTarget
from ledger.errors import ConcurrentModification, Conflict, NotFound, RuleViolated
from web.access import CheckedForm, page_user
from web.errors import error_page
from web.inspections import view_of
from web.locations_by_address import location_at
from web.moment import time_travel
from web.templating import page_language, render

router = APIRouter(include_in_schema=False)

Enforces = Annotated[Principal, Depends(page_user(ENFORCEMENT))]

_DAY = TypeAdapter(IsoDate)
RECORD_FIELDS = ("postcode", "house_number", "inspected_on", "occupants_found", "outcome", "notes")
SANCTION_FIELDS = ("kind", "against", "employer_kvk_number", "owner_kvk_number", "amount_eur", "deadline")
# The domain names its fields as the command does; a form names some otherwise, or needs a message of its own.
_FIELD_OF = {"housing_location_id": "postcode", "employer_id": "employer_kvk_number"}
_CODE_OF = {
    ("findings", "required"): "findings_required",
    ("employer_kvk_number", "unknown"): "unknown_employer",
    ("postcode", "unknown"): "unknown_address",
}


def refusals(error: RuleViolated) -> dict[str, str]:
    """The domain's refusals by the form's field (the first for each), their codes adjusted for the form."""
    found: dict[str, str] = {}
    for violation in error.violations:
        field = _FIELD_OF.get(violation.field, violation.field.split(".")[0])
        found.setdefault(field, _CODE_OF.get((field, violation.code), violation.code))
    return found


def _day(text: str, field: str, errors: dict[str, str], *, required: bool) -> Any:
    if not text:
        if required:
            errors[field] = "missing"
        return None
    try:
        return _DAY.validate_python(text)
    except ValidationError as e:
        errors[field] = str(e.errors()[0]["type"])
        return None


def _render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(request, template, context, status=status_code)


def _record_context(
    request: Request, services: Services, typed: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    return {
        "typed": typed,
        "errors": errors,
        "findings": [f.value for f in Finding],
        "outcomes": [o.value for o in Outcome],
        "today": services.ledger.today().isoformat(),
    }


@router.get("/inspecties/nieuw")
def record_form(request: Request, services: ServicesDep, _: Enforces) -> Response:
    """The form to record an inspection (the address may come filled in from a link)."""
    params = request.query_params
    typed: dict[str, Any] = {name: "" for name in RECORD_FIELDS} | {"findings": []}
    typed |= {"postcode": params.get("postcode", ""), "house_number": params.get("huisnummer", "")}
    return _render(request, "inspection_record.html", _record_context(request, services, typed, {}))


@router.post("/inspecties/nieuw")
def record_inspection(
    request: Request, services: ServicesDep, _: Enforces, form: CheckedForm, processing: ProcessingDep
) -> Response:
    """Record the inspection, as `POST /api/v1/inspections` does; the form again (400) with the refusals."""
    typed: dict[str, Any] = {name: _text(form, name) for name in RECORD_FIELDS}
    typed["findings"] = [str(f) for f in form.getlist("findings")]
    errors: dict[str, str] = {}
    location_id, code = location_at(
        services, typed["postcode"], typed["house_number"], time_travel(request, services).moment
    )
    if code:
        errors["postcode"] = code
    inspected_on = _day(typed["inspected_on"], "inspected_on", errors, required=True)
    occupants = _whole_number(typed["occupants_found"], "occupants_found", errors)
    if not errors:
        try:
            receipt = services.ledger.record_inspection(
                housing_location_id=location_id,  # type: ignore[arg-type]  # found: no refusal above
                inspected_on=inspected_on,
                occupants_found=occupants,  # type: ignore[arg-type]
                findings=typed["findings"],
                outcome=typed["outcome"],
                notes=typed["notes"] or None,
            )
        except RuleViolated as e:
            errors = refusals(e)
        else:
            if typed["notes"]:  # only the notes are personal data, as the API logs it
                processing.record(Activity.ENFORCEMENT, Operation.CREATE, receipt.id, subject_type="inspection")
            services.wait_for(receipt.position)  # the next page reads the views
            return RedirectResponse(f"/inspecties/{receipt.id}", status_code=status.HTTP_303_SEE_OTHER)
    return _render(request, "inspection_record.html", _record_context(request, services, typed, errors), 400)


def _sanction_context(
    services: Services, inspection_id: UUID, typed: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any] | None:
    known = datetime.now(UTC)
    record = view_of(services).inspection(inspection_id, as_known_at=known, open_notes=False)
    if record is None:
        return None
    return {
        "inspection_id": inspection_id,
        "record": record,
        "typed": typed,
        "errors": errors,
        "kinds": [k.value for k in SanctionKind],
        "targets": [t.value for t in SanctionTarget],
        "today": services.ledger.today().isoformat(),
    }


@router.get("/inspecties/{id}/sanctie")
def sanction_form(id: UUID, request: Request, services: ServicesDep, _: Enforces) -> Response:
    """The form to impose a sanction after the inspection."""
    typed: dict[str, Any] = {name: "" for name in SANCTION_FIELDS}
    context = _sanction_context(services, id, typed, {})
    if context is None:
        return error_page(request, 404)
    typed["version"] = str(context["record"].version)
    return _render(request, "inspection_sanction.html", context)


@router.post("/inspecties/{id}/sanctie")
def impose_sanction(id: UUID, request: Request, services: ServicesDep, _: Enforces, form: CheckedForm) -> Response:
    """Impose the sanction, as `POST /api/v1/inspections/{id}/sanctions` does; the form again with the refusals."""
    typed: dict[str, Any] = {name: _text(form, name) for name in (*SANCTION_FIELDS, "version")}
    errors: dict[str, str] = {}
    amount = _amount(typed["amount_eur"], page_language(request), errors)
    deadline = _day(typed["deadline"], "deadline", errors, required=False)
    kvk = typed["employer_kvk_number"]
    status_code = 400
    if not errors:
        try:
            receipt = services.ledger.impose_sanction(
                id,
                kind=typed["kind"],
                against=typed["against"],
                employer_id=employer_id_for(kvk) if kvk else None,
                owner_kvk_number=typed["owner_kvk_number"] or None,
                amount_eur=amount,
                deadline=deadline,
                expected_version=int(typed["version"]) if typed["version"].isdigit() else None,
            )
        except RuleViolated as e:
            errors = refusals(e)
        except NotFound:
            return error_page(request, 404)
        except ConcurrentModification:
            errors, status_code = {"form": "changed_meanwhile"}, 409
        except Conflict:
            errors, status_code = {"form": "no_violations"}, 409
        else:
            services.wait_for(receipt.position)
            return RedirectResponse(f"/inspecties/{id}", status_code=status.HTTP_303_SEE_OTHER)
    context = _sanction_context(services, id, typed, errors)
    if context is None:
        return error_page(request, 404)
    return _render(request, "inspection_sanction.html", context, status_code)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _whole_number(text: str, field: str, errors: dict[str, str]) -> int | None:
    if not text:
        errors[field] = "missing"
        return None
    if not text.isdecimal() or not text.isascii():
        errors[field] = "int_parsing"
        return None
    return int(text)


def _amount(text: str, language: str, errors: dict[str, str]) -> Decimal | None:
    """An amount as the page's language writes it (`2.500,50` in Dutch), strictly: no guessing at separators."""
    if not text:
        return None
    try:
        return parse_decimal(text, locale=language, strict=True)
    except NumberFormatError:
        errors["amount_eur"] = "decimal_parsing"
        return None
