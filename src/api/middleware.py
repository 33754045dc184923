"""ASGI middleware: the headers every response carries, the body-size limit, request logs, 503s, the 500.

Pure ASGI (no BaseHTTPMiddleware) so streaming and exceptions pass untouched.
Every response gets `API-Version` and the ADR security headers; W3C trace
context is accepted from `traceparent` (or started) and echoed; request
bodies over the configured size are refused with 413 before they are read
whole; each request is logged with its route template, status and duration —
never a personal value (neither the path's values nor the query are logged).
An exception that no handler maps ends in `UnexpectedErrors`: logged once,
answered 500 as a problem with these headers, never passed on to the server.
A request the database failed is answered 503 (`UnexpectedErrors`).
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from contextvars import ContextVar

import structlog
from fastapi.routing import iter_route_contexts
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import problems

API_VERSION = "1.0.0"
OPENAPI_PATH = "/api/v1/openapi.json"
UNMATCHED_ROUTE = "(unmatched)"

SECURITY_HEADERS = (
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"referrer-policy", b"no-referrer"),
)
# The interactive docs (api.routers.docs) load everything from this server and start from a script file:
# no other host, no inline script. Styles keep 'unsafe-inline': Swagger UI writes style attributes into the
# page as it renders (swagger-api/swagger-ui issue 10655), and its CSS draws icons as data: images.
DOCS_CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    b"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
trace_id_var: ContextVar[str] = ContextVar("trace_id", default="")

log = structlog.get_logger()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class ResponseHeaders:
    """API-Version, security headers, trace context and a request log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: dict[int, str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _TRACEPARENT.match(_header(scope, b"traceparent") or "")
        trace_id = incoming.group(1) if incoming else secrets.token_hex(16)
        span_id = secrets.token_hex(8)
        token = trace_id_var.set(trace_id)
        started = time.perf_counter()
        status = 500
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                docs = path.startswith("/api/v1/docs")
                for name, value in SECURITY_HEADERS:
                    if name not in names:
                        headers.append((name, DOCS_CSP if docs and name == b"content-security-policy" else value))
                headers.append((b"api-version", API_VERSION.encode()))
                headers.append((b"traceparent", f"00-{trace_id}-{span_id}-01".encode()))
                if path == OPENAPI_PATH:
                    headers.append((b"access-control-allow-origin", b"*"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            log.info(
                "request_handled",
                method=scope["method"],
                route=self._route_template(scope),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                trace_id=trace_id,
            )
            trace_id_var.reset(token)

    def _route_template(self, scope: Scope) -> str:
        """The matched route's full path template; never the raw path, which a careless client may fill with data."""
        route = scope.get("route")
        if route is None:
            return UNMATCHED_ROUTE
        if self._templates is None:
            # FastAPI keeps an included router's routes under their own (unprefixed) path.
            contexts = iter_route_contexts(scope["app"].routes)
            self._templates = {id(c.original_route): str(c.path) for c in contexts if c.path}
        return self._templates.get(id(route)) or str(getattr(route, "path", UNMATCHED_ROUTE))


# How the answer to an unexpected error is given: the problem as is (the API's), or (the staff pages,
# `web.errors`) another answer of the same status. Only an app above the API supplies another.
ErrorAnswer = Callable[[Request, Response], Response]


def as_problem(_request: Request, problem: Response) -> Response:
    """The API's answer to an error: the problem details themselves."""
    return problem


class UnexpectedErrors:
    """The answer to any exception a request raises: 503 if the database failed it, else a 500; nothing escapes.

    Starlette's own error middleware answers outside all others (a 500 without
    `ResponseHeaders`' headers) and raises the exception again for the server,
    which logs a second traceback ("Exception in ASGI application"). This one
    sits just inside `ResponseHeaders`, so the answer carries the headers and
    the trace id, and the exception ends here. A database that could not be
    reached or did not answer in time (`problems.database_unavailable`,
    wherever in the request it failed) is 503 with `Retry-After`; anything
    else is logged once, without values (`ledger.logs.format_exception`; the
    path is not logged: the request line under the same trace id names the
    route), and answered 500.
    """

    def __init__(self, app: ASGIApp, answer: ErrorAnswer = as_problem) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as error:
            unavailable = None if started else problems.database_unavailable(Request(scope), error)
            if unavailable is not None:
                await self.answer(Request(scope), unavailable)(scope, receive, send)
                return
            trace_id = trace_id_var.get()
            log.error(
                "request_failed",
                method=scope["method"],
                error_type=type(error).__qualname__,
                trace_id=trace_id,
                exc_info=error,
            )
            if started:
                return  # part of the answer is out: the server ends the connection, the client sees it cut
            detail = f"an unexpected error occurred; it has been logged under trace id {trace_id}"
            await self.answer(Request(scope), problems.problem(Request(scope), 500, detail))(scope, receive, send)


class BodySizeLimit:
    """413 for request bodies over `max_bytes`, judged by Content-Length or while they arrive.

    The body is read here, up to the limit, before the application sees any of
    it: a body sent without Content-Length (chunked) that runs over is refused
    as it arrives, and never half-read by the application, whose framework
    would answer the interrupted read as a 400 of its own. At most `max_bytes`
    (and one chunk) is held in memory.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(scope, receive, send, self.max_bytes)
            return
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: the application hears it where the body would be
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                await _too_large(scope, receive, send, self.max_bytes)
                return
            if not message.get("more_body", False):
                break
        pending = iter(messages)

        async def replay() -> Message:
            return next(pending, None) or await receive()

        await self.app(scope, replay, send)


async def _too_large(scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
    detail = f"the request body is larger than {max_bytes} bytes"
    answer = problems.problem(Request(scope), 413, detail, headers={"Connection": "close"})
    await answer(scope, receive, send)
