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
  `format: date` where readers and the linter look for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from api.middleware import API_VERSION
from ledger.settings import Settings

BASE_PATH = "/api/v1"
API_VERSION_HEADER = "API-Version"

_API_VERSION_COMPONENT: dict[str, Any] = {
    "description": "The API's full version (semantic versioning); on every answer.",
    "schema": {"type": "string", "example": API_VERSION},
}
_PLATFORM_SERVER = {"url": "/", "description": "The platform's endpoints, at the root outside the API's base path."}


def document(app: FastAPI, settings: Settings) -> None:
    """Shape the app's OpenAPI document (once, when it is first asked for)."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    shaped: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not shaped:
            shaped.append(shape(generate(), settings))
        return shaped[0]

    app.openapi = openapi  # type: ignore[method-assign]


def shape(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The document FastAPI generated, as the API publishes it."""
    schema["info"]["contact"] = {
        "name": settings.api_contact_name,
        "email": settings.api_contact_email,
        "url": settings.api_contact_url,
    }
    schema["servers"] = [{"url": BASE_PATH, "description": "This server's API, version 1."}]
    schema["paths"] = _relative_paths(schema.get("paths", {}))
    _declare_api_version(schema)
    _nullable_scalars(schema)
    return _ordered(schema)


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
    for item in schema["paths"].values():
        for method, operation in item.items():
            if method == "servers":
                continue
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


def _ordered(schema: dict[str, Any]) -> dict[str, Any]:
    """The top-level members in the order a reader expects them (FastAPI appends what is added later)."""
    first = ("openapi", "info", "servers", "paths", "components")
    return {**{key: schema[key] for key in first if key in schema}, **schema}
