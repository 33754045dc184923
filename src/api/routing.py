"""The edges of `/api/v1`: which methods a path has, which query parameters a route takes, who asks first.

Three pieces, each in one place for every route under `/api/v1`:

- `ApiRoute`, the route class of every `/api/v1` router. Before FastAPI reads
  the body or solves a dependency, it checks the bearer token (401) and the
  caller's roles against the route's policy (403) — so a malformed `If-Match`
  or a body that is not JSON is never looked at for a caller who may not ask
  (`api.policy`) — and then the query: a parameter the route does not take is
  400 `unknownParam`, a single-valued one given twice 400 `repeatedParam`,
  each named in `invalidParams`, as the Haal Centraal APIs answer. Silently
  ignoring a misspelt filter (`employerid=…`) would answer a question the
  client did not ask.
- `PathMethods`, middleware in front of the routes. Starlette answers a method
  a path lacks with the `Allow` of the first route whose path matched, and a
  path parameter takes any segment, so `GET /workers/_search` was a lookup of a
  worker called `_search`. Here a path belongs to its most specific templates
  (a literal segment before a parameter), a 405 lists every method they have,
  and HEAD is answered wherever GET is: as GET, with GET's headers and no body.
- `MemberPathRoute`, the route class of the routers whose bodies are
  discriminated unions (the workers'): an invalid member is named by its path
  in the body, not by the union's tag.
"""

from __future__ import annotations

import types
import typing
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.policy import Policy, check_caller
from api.problems import problem

_SEQUENCES = (list, tuple, set, frozenset, Sequence)


class ApiRoute(APIRoute):
    """A route of `/api/v1`: the caller is checked first, then the query's parameters, then FastAPI's own work."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        policy = policy_of(self.dependant)
        parameters = query_parameters(self.dependant)

        async def route(request: Request) -> Response:
            if policy is not None:
                await check_caller(request, policy)
            refusal = refused_parameters(request, parameters)
            if refusal is not None:
                return refusal
            return await handler(request)

        return route


def policy_of(dependant: Dependant) -> Policy | None:
    """The policy an `allow(POLICY)` dependency carries (None for a public route)."""
    for dependency in dependant.dependencies:
        policy = getattr(dependency.call, "policy", None)
        if isinstance(policy, Policy):
            return policy
        if (found := policy_of(dependency)) is not None:
            return found
    return None


def query_parameters(dependant: Dependant) -> dict[str, bool]:
    """The query parameters a route takes, its dependencies' included: name -> whether it takes several values."""
    found = {field.alias: _is_sequence(field.field_info.annotation) for field in dependant.query_params}
    for dependency in dependant.dependencies:
        found |= query_parameters(dependency)
    return found


def _is_sequence(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_sequence(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return any(_is_sequence(arg) for arg in typing.get_args(annotation))
    return isinstance(origin, type) and issubclass(origin, _SEQUENCES)


def refused_parameters(request: Request, parameters: dict[str, bool]) -> Response | None:
    """400 naming each query parameter the route does not take, and each single-valued one given more than once."""
    given = Counter(name for name, _ in request.query_params.multi_items())
    unknown = [name for name in given if name not in parameters]
    repeated = [name for name, count in given.items() if count > 1 and parameters.get(name) is False]
    if not unknown and not repeated:
        return None
    invalid = [_invalid(name, "unknownParam", "this route takes no such query parameter") for name in unknown]
    invalid += [_invalid(name, "repeatedParam", f"given {given[name]} times; it takes one value") for name in repeated]
    details = []
    if unknown:
        details.append(f"unknown query parameters: {', '.join(unknown)}")
    if repeated:
        details.append(f"query parameters given more than once: {', '.join(repeated)}")
    return problem(request, 400, "; ".join(details), invalidParams=invalid)


def _invalid(name: str, code: str, reason: str) -> dict[str, str]:
    return {"name": name, "code": code, "reason": reason}


@dataclass(frozen=True)
class _Template:
    """A path template of the app and the methods of the routes on it."""

    path: str
    matcher: Any  # the compiled path regex
    methods: frozenset[str]

    @property
    def specificity(self) -> tuple[bool, ...]:
        """Orders templates matching one path: a literal segment before a parameter, from the left."""
        return tuple("{" in segment for segment in self.path.split("/"))


class PathMethods:
    """405 listing every method of the path, HEAD wherever GET is, a literal path before a parameter."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/") + "/"
        self._templates: list[_Template] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        methods = self._methods(scope)
        method = scope["method"]
        if methods is None or method in methods:
            await self.app(scope, receive, send)  # no route has the path (404), or the method is its own
        elif method == "HEAD" and "GET" in methods:
            await self._head_as_get(scope, receive, send)
        else:
            allowed = ", ".join(sorted(methods | ({"HEAD"} if "GET" in methods else set())))
            detail = f"{method} is not a method of this path; it has {allowed}"
            await problem(Request(scope), 405, detail, headers={"Allow": allowed})(scope, receive, send)

    def _methods(self, scope: Scope) -> frozenset[str] | None:
        """The methods of the most specific templates matching the path; None if none matches."""
        if self._templates is None:
            # Built on first use: every router is included by then, and the routes do not change.
            self._templates = list(_templates(scope["app"].routes, self.prefix))
        path = scope["path"]
        matching = [t for t in self._templates if t.matcher.match(path)]
        if not matching:
            return None
        best = min(t.specificity for t in matching)
        return frozenset().union(*(t.methods for t in matching if t.specificity == best))

    async def _head_as_get(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request as GET and send its headers only (Content-Length stays GET's, as HTTP has it)."""
        as_get = {**scope, "method": "GET"}

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {"type": "http.response.body", "body": b"", "more_body": message.get("more_body", False)}
            await send(message)

        try:
            await self.app(as_get, receive, headers_only)
        finally:
            if "route" in as_get:  # the request log names the route the request took
                scope["route"] = as_get["route"]


def _templates(routes: Sequence[BaseRoute], prefix: str) -> Iterator[_Template]:
    templates: dict[str, tuple[Any, set[str]]] = {}
    for context in iter_route_contexts(routes):
        path, methods = str(context.path or ""), context.methods
        if path.startswith(prefix) and methods:
            templates.setdefault(path, (context.path_regex, set()))[1].update(methods)
    for path, (matcher, methods) in templates.items():
        yield _Template(path, matcher, frozenset(methods))


def _untagged(error: dict[str, Any], body: Any) -> dict[str, Any]:
    """The error located by member path only: union tags dropped, a bad tag named by its member."""
    location = list(error.get("loc", ()))
    if location[:1] != ["body"]:
        return error
    kept: list[Any] = ["body"]
    node = body
    for index, part in enumerate(location[1:], start=2):
        # A name that is absent from the body yet has a location below it cannot
        # be a member (errors nest only under members that are there): a union tag.
        if isinstance(node, dict) and isinstance(part, str) and part not in node and index < len(location):
            continue
        kept.append(part)
        node = node.get(part) if isinstance(node, dict) else None
    discriminator = str(error.get("ctx", {}).get("discriminator", ""))
    if error.get("type") in {"union_tag_invalid", "union_tag_not_found"} and discriminator.startswith("'"):
        kept.append(discriminator.strip("'"))
    return {**error, "loc": tuple(kept)}


class MemberPathRoute(ApiRoute):
    """Names invalid members by their path in the body, as the contract does (`validFrom`).

    Pydantic puts the tag of a discriminated union into an error's location
    (`housing.validFrom` for a `{"type": "housing", ...}` body; pydantic issue
    3947), which would name a member the body does not have.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                errors = [_untagged(e, error.body) for e in error.errors()]
                raise RequestValidationError(errors, body=error.body) from None

        return route
