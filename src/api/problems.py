"""RFC 9457 problem details for every 4xx and 5xx, mapped once from the ledger's errors, and documented.

Invalid input — malformed JSON, a schema violation, a broken domain rule — is
400 with `invalidParams` naming each member by its dotted camelCase path;
unknown ids 404; state conflicts 409 (a registration of something already
registered names its id, `existingId`); a stale `If-Match` 412; a database
that could not be reached or did not answer in time 503 with `Retry-After`
(`database_unavailable`). Nothing is caught in routes; what no handler here
maps is answered 500 by `api.middleware.UnexpectedErrors`. `document` makes
the OpenAPI document say so: FastAPI would advertise a 422 this API never
answers, and none of its problems.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic.alias_generators import to_camel
from starlette.exceptions import HTTPException

from api.services import ProjectionLagError
from ledger.errors import (
    AlreadyRegistered,
    ConcurrentModification,
    Conflict,
    DuplicateAddress,
    DuplicatePerson,
    NotFound,
    RuleViolated,
    SubjectShredded,
)
from ledger.persistence import database

log = structlog.get_logger()

PROBLEM_JSON = "application/problem+json"

# When the database is unavailable, a client is asked to come back after about a server restart.
DATABASE_RETRY_AFTER_S = 5

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    428: "Precondition Required",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem(
    request: Request, status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """A problem+json response: the one builder of every problem the API answers.

    The exception handlers here, the routing's 405 and the middleware's 413 and
    500 (an ASGI app: `await problem(...)(scope, receive, send)`) all answer
    with it, so every problem has the same members and framing.
    """
    body = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def database_unavailable(request: Request, error: BaseException) -> JSONResponse | None:
    """503 with `Retry-After` when `error` says the database was unreachable or too slow; None for any other error.

    Unreachable or too slow: `ledger.persistence.database.database_unavailable` (a lost
    or refused connection, a pool or statement or lock timeout, SQLite's
    "database is locked"). The request's transaction failed and was rolled
    back before this answer is given, so nothing of it commits afterwards; the
    client may send it again (with its `Idempotency-Key`, safely). Raised
    anywhere — a route, a dependency such as the idempotency check — it is
    answered by `api.middleware.UnexpectedErrors`, which calls this.
    """
    if not database.database_unavailable(error):
        return None
    # The message may name the server or quote a statement: only the type is logged.
    # Not the path either: a careless client may put a value in it (the request line names the route).
    log.warning("database_unavailable", error_type=type(error).__qualname__)
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_S)}
    return problem(request, 503, "the database is not available at the moment; try again shortly", headers=headers)


def camel_path(field: str) -> str:
    """`person.birth_date` -> `person.birthDate` (the API's member names)."""
    return ".".join(part if part.isdigit() else to_camel(part) for part in field.split("."))


def _invalid_params(error: RequestValidationError) -> list[dict[str, str]]:
    params = []
    for e in error.errors():
        location = [str(p) for p in e.get("loc", ())]
        where = location[0] if location else "body"
        # A JSON syntax error is located by character offset, which names no member.
        path = where if e.get("type") == "json_invalid" else ".".join(location[1:]) or where
        params.append({"name": path, "code": str(e.get("type", "invalid")), "reason": str(e.get("msg", "invalid"))})
    return params


def install(app: FastAPI) -> None:
    """Register the exception handlers."""

    @app.exception_handler(RequestValidationError)
    def validation_failed(request: Request, error: RequestValidationError) -> JSONResponse:
        return problem(request, 400, "the request is not valid", invalidParams=_invalid_params(error))

    @app.exception_handler(RuleViolated)
    def rule_violated(request: Request, error: RuleViolated) -> JSONResponse:
        params = [{"name": camel_path(v.field), "code": v.code, "reason": v.reason} for v in error.violations]
        return problem(request, 400, "the request breaks the ledger's rules", invalidParams=params)

    @app.exception_handler(NotFound)
    def not_found(request: Request, error: NotFound) -> JSONResponse:
        return problem(request, 404, f"no such {error.kind}")

    @app.exception_handler(ConcurrentModification)
    def concurrent(request: Request, error: ConcurrentModification) -> JSONResponse:
        # A stale If-Match is 412; a race between two writers without one is 409.
        status = 412 if error.expected is not None else 409
        return problem(request, status, str(error))

    @app.exception_handler(SubjectShredded)
    def shredded(request: Request, error: SubjectShredded) -> JSONResponse:
        return problem(request, 409, "the worker's personal data has been erased")

    @app.exception_handler(Conflict)
    def conflict(request: Request, error: Conflict) -> JSONResponse:
        return problem(request, 409, str(error))

    @app.exception_handler(AlreadyRegistered)
    def already_registered(request: Request, error: AlreadyRegistered) -> JSONResponse:
        # The existing id is named so that the caller goes on with it (a registrar sets its limit).
        return problem(request, 409, str(error), existingId=str(error.existing_id))

    @app.exception_handler(DuplicatePerson)
    def duplicate_person(request: Request, error: DuplicatePerson) -> JSONResponse:
        # The worker is named to its own employer and to the municipality; another
        # employer learns nothing of whom it belongs to (not even its id).
        principal = getattr(request.state, "principal", None)
        hidden = principal is None or (principal.is_only_employer() and principal.employer_id != error.employer_id)
        if hidden or error.existing_id is None:
            return problem(request, 409, "a worker with this identity document is registered already")
        detail = f"a worker with this identity document is registered already: worker {error.existing_id}"
        return problem(request, 409, detail, existingId=str(error.existing_id))

    @app.exception_handler(DuplicateAddress)
    def duplicate_address(request: Request, error: DuplicateAddress) -> JSONResponse:
        if error.existing_id is None:
            return problem(request, 409, str(error))
        return problem(request, 409, str(error), existingId=str(error.existing_id))

    @app.exception_handler(ProjectionLagError)
    def lagging(request: Request, error: ProjectionLagError) -> JSONResponse:
        headers = {"Retry-After": str(error.retry_after_s)}
        return problem(request, 503, f"{error}; try again shortly", headers=headers)

    @app.exception_handler(HTTPException)
    def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return problem(request, error.status_code, str(error.detail), headers=dict(error.headers or {}))


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "existingId": {
            "type": "string",
            "format": "uuid",
            "description": (
                "409 for a duplicate: the id of what is registered already (a worker is named only to its own"
                " employer and to the municipality)."
            ),
        },
        "invalidParams": {
            "type": "array",
            "description": "Invalid input (400): each offending member by its dotted path.",
            "items": {
                "type": "object",
                "required": ["name", "code", "reason"],
                "properties": {"name": {"type": "string"}, "code": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}

_WRITES = {"post", "put", "patch", "delete"}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def document(app: FastAPI) -> None:
    """Describe the problem answers of each operation in the app's OpenAPI document (400, not FastAPI's 422)."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    documented: list[bool] = []

    def openapi() -> dict[str, Any]:
        schema = generate()  # cached by FastAPI after the first call
        if not documented:
            _document_problems(schema)
            documented.append(True)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_problems(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status in _problem_statuses(method, operation):
                responses.setdefault(
                    str(status),
                    {
                        "description": _TITLES[status],
                        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                    },
                )
    # FastAPI's 422 schemas refer to each other: unused unless something else refers to them.
    rest = {**schema, "components": {**schema["components"], "schemas": dict(components)}}
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        rest["components"]["schemas"].pop(name, None)
    if not any(f'"#/components/schemas/{name}"' in json.dumps(rest) for name in _FASTAPI_VALIDATION_SCHEMAS):
        for name in _FASTAPI_VALIDATION_SCHEMAS:
            components.pop(name, None)


def _problem_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    statuses = []
    if parameters or has_body:
        statuses.append(400)
    if operation.get("security"):
        statuses += [401, 403]
    if any(p.get("in") == "path" for p in parameters):
        statuses.append(404)
    # An operation that answers in more than one media type refuses an `Accept` that names none of them.
    if len(operation.get("responses", {}).get("200", {}).get("content", {})) > 1:
        statuses.append(406)
    if method in _WRITES:
        statuses.append(409)  # a state conflict, or an Idempotency-Key used for another request
    if any(p.get("in") == "header" and p.get("name", "").lower() == "if-match" for p in parameters):
        statuses.append(412)
    if has_body:
        statuses.append(413)
    # The database unavailable (any operation), or the read models not at minPosition in time.
    statuses.append(503)
    return statuses
