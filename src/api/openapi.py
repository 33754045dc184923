"""The OpenAPI document as the API publishes it: FastAPI's, shaped once where FastAPI cannot know better.

FastAPI writes the document from the routes and the schemas, and
`api.problems.document` adds the problem answers. This module then makes the
document say what the server does and what the NL API Design Rules (ADR) ask
(docs/openapi.md):

- `servers` is the base path `/api/v1` (ADR /core/uri-version: the major
  version in the URI) and the paths are relative to it; the platform's own
  endpoints (`/healthz`, `/readyz`, `/metrics`) are outside it and carry a
  server of their own, `/`.
- `info.contact` names who runs the API, from the settings (ADR
  /core/doc-openapi-contact).
- Every response declares the `API-Version` header that
  `api.middleware.ResponseHeaders` adds to every answer (ADR /core/version-header).
- A nullable scalar is written `type: [T, "null"]` with its `format`, not as
  pydantic's `anyOf` of the type and null, so that a nullable date says
  `format: date` where readers and the linter look for it. A parameter is
  never `null`: left out is how it is not given.
- Each operation's description ends with the roles that may call it, read
  from the policy its route depends on (`api.policy`): the one place the role
  matrix lives (docs/roles.md is checked against it).
- Every write declares the optional `Idempotency-Key` header that
  `api.idempotency` honours (unless its route declares it already).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from api.auth import Role
from api.idempotency import MAX_KEY_LENGTH
from api.middleware import API_VERSION
from api.policy import Policy, policies_of
from ledger.settings import Settings

BASE_PATH = "/api/v1"
API_VERSION_HEADER = "API-Version"

_API_VERSION_COMPONENT: dict[str, Any] = {
    "description": "The API's full version (semantic versioning); on every answer.",
    "schema": {"type": "string", "example": API_VERSION},
}
_WRITES = {"post", "put", "patch", "delete"}
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: the first answer to a caller's key is kept, and the same request again with the same "
        "key gets that answer and writes nothing new; the key with another request is 409."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}
_PLATFORM_SERVER = {"url": "/", "description": "The platform's endpoints, at the root outside the API's base path."}


def document(app: FastAPI, settings: Settings) -> None:
    """Shape the app's OpenAPI document (once, when it is first asked for)."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    shaped: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not shaped:
            shaped.append(shape(generate(), settings, policies=route_policies(app)))
        return shaped[0]

    app.openapi = openapi  # type: ignore[method-assign]


def route_policies(app: FastAPI) -> dict[tuple[str, str], Policy | None]:
    """(method, full path) of each documented route -> the policy it depends on (None: public)."""
    policies: dict[tuple[str, str], Policy | None] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            found = policies_of(context.dependant)
            for method in context.methods or ():
                # Deny by default: a route without a policy is refused by a test; here it names no role.
                policies[(method.lower(), str(context.path))] = found[0] if found else Policy("none", frozenset())
    return policies


def roles_paragraph(policy: Policy | None) -> str:
    """The last paragraph of an operation's description: who may call it."""
    if policy is None:
        return "Roles: any caller; no token needed."
    roles = ", ".join(f"`{role.value}`" for role in Role if role in policy.roles)
    return f"Roles: {roles or 'none'} ({policy.name})."


def shape(
    schema: dict[str, Any], settings: Settings, *, policies: dict[tuple[str, str], Policy | None]
) -> dict[str, Any]:
    """The document FastAPI generated, as the API publishes it."""
    _describe_roles(schema, policies)
    _declare_idempotency_key(schema)
    schema["info"]["contact"] = {
        "name": settings.api_contact_name,
        "email": settings.api_contact_email,
        "url": settings.api_contact_url,
    }
    schema["servers"] = [{"url": BASE_PATH, "description": "This server's API, version 1."}]
    schema["paths"] = _relative_paths(schema.get("paths", {}))
    _declare_api_version(schema)
    _nullable_scalars(schema)
    for _, _, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            _not_null(parameter["schema"])
    return _ordered(schema)


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema.get("paths", {}).items()
        for method, operation in item.items()
        if method in _METHODS
    ]


def _describe_roles(schema: dict[str, Any], policies: dict[tuple[str, str], Policy | None]) -> None:
    for method, path, operation in _operations(schema):
        description = operation.get("description", "").rstrip()
        paragraph = roles_paragraph(policies[(method, path)])
        operation["description"] = f"{description}\n\n{paragraph}" if description else paragraph


def _declare_idempotency_key(schema: dict[str, Any]) -> None:
    for method, path, operation in _operations(schema):
        # A search by POST (`…/_search`, ADR) is a read; every other POST, PUT, PATCH and DELETE writes.
        if method not in _WRITES or path.endswith("/_search"):
            continue
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key" for p in parameters):
            parameters.append(IDEMPOTENCY_KEY)


def _relative_paths(paths: dict[str, Any]) -> dict[str, Any]:
    """Paths under the base path made relative to it; the others keep theirs and get a server of their own."""
    relative: dict[str, Any] = {}
    for path, item in paths.items():
        if path == BASE_PATH or path.startswith(f"{BASE_PATH}/"):
            relative[path[len(BASE_PATH) :] or "/"] = item
        else:
            relative[path] = {"servers": [_PLATFORM_SERVER], **item}
    return relative


def _declare_api_version(schema: dict[str, Any]) -> None:
    schema.setdefault("components", {}).setdefault("headers", {})[API_VERSION_HEADER] = _API_VERSION_COMPONENT
    for _, _, operation in _operations(schema):
        for response in operation.get("responses", {}).values():
            headers = response.setdefault("headers", {})
            headers[API_VERSION_HEADER] = {"$ref": f"#/components/headers/{API_VERSION_HEADER}"}


def _nullable_scalars(node: Any) -> None:
    """`anyOf: [{type: T, …}, {type: null}]` becomes `type: [T, null]` with the rest of T's keywords, everywhere."""
    if isinstance(node, list):
        for child in node:
            _nullable_scalars(child)
        return
    if not isinstance(node, dict):
        return
    for child in node.values():
        _nullable_scalars(child)
    options = node.get("anyOf")
    if not (isinstance(options, list) and len(options) == 2 and {"type": "null"} in options):
        return
    (other,) = [option for option in options if option != {"type": "null"}]
    # A reference or an enumeration stays an anyOf: `null` is not among its values.
    if not isinstance(other.get("type"), str) or {"$ref", "enum", "const"} & other.keys():
        return
    del node["anyOf"]
    for key, value in other.items():
        node.setdefault(key, value)
    node["type"] = [other["type"], "null"]


def _not_null(schema: dict[str, Any]) -> None:
    """A parameter's schema without `null`: a query string or a header has no null, only absence."""
    if isinstance(schema.get("type"), list) and "null" in schema["type"]:
        kept = [kind for kind in schema["type"] if kind != "null"]
        schema["type"] = kept[0] if len(kept) == 1 else kept
    options = schema.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options and len(options) == 2:
        (other,) = [option for option in options if option != {"type": "null"}]
        del schema["anyOf"]
        schema.update({key: value for key, value in other.items() if key not in schema})


def _ordered(schema: dict[str, Any]) -> dict[str, Any]:
    """The top-level members in the order a reader expects them (FastAPI appends what is added later)."""
    first = ("openapi", "info", "servers", "paths", "components")
    return {**{key: schema[key] for key in first if key in schema}, **schema}
