"""`create_app(settings)`: the FastAPI application, everything built in its lifespan.

Nothing connects at import: the lifespan opens the ledger and the views, and
closes them. The routers are mounted under `/api/v1` (health under the root),
the OpenAPI document is public at `/api/v1/openapi.json`, a trailing slash is
404 (no redirects), and errors are problem details: the ledger's errors are
mapped in `api.problems`, anything unexpected in `api.middleware`. The edges
of `/api/v1` — methods, HEAD, query parameters, the caller checked before the
request is read — are `api.routing`'s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from api import idempotency, openapi, problems
from api.inclusion import include_routers
from api.middleware import (
    API_VERSION,
    OPENAPI_PATH,
    BodySizeLimit,
    ErrorAnswer,
    ResponseHeaders,
    UnexpectedErrors,
    as_problem,
)
from api.routers import ROUTERS, docs, health
from api.routing import PathMethods
from api.services import open_services
from ledger.settings import Settings

DESCRIPTION = """\
The registration ledger for labour migrants of the municipality of Medemblik
(the Westland model): employers register workers with work and housing address;
the municipality watches occupancy, inspects, enforces and reports.

Errors are RFC 9457 problem details; invalid input is 400 with `invalidParams`.
Every write answers `position`; pass it as `minPosition` to read your own write.
Send an `Idempotency-Key` with a write to make retrying it safe.
"""


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    error_answer: ErrorAnswer = as_problem,
) -> FastAPI:
    """The API on the given settings (default: from the environment); `clock` is for tests.

    `error_answer` answers an unexpected error (500, or 503 for the database) in
    place of its problem: the staff pages (`web.app`) answer theirs with a page.
    """
    config = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with open_services(config, clock=clock) as services:
            app.state.services = services
            yield

    app = FastAPI(
        title="westland-ledger",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_url=OPENAPI_PATH,
        docs_url=None,  # FastAPI's page loads Swagger UI from a CDN; api.routers.docs serves it from here
        redoc_url=None,
        lifespan=lifespan,
        redirect_slashes=False,
    )
    problems.install(app)
    idempotency.install(app)
    problems.document(app)
    openapi.document(app, config)  # after the problems: it shapes their answers too
    include_routers(app, [*ROUTERS, *([docs.router] if config.serves_api_docs else [])], prefix=openapi.BASE_PATH)
    include_routers(app, [health.router])
    # Innermost: a method the path lacks is 405 before any route runs; HEAD runs as GET.
    app.add_middleware(PathMethods, prefix="/api/v1")
    # Outermost last: headers wrap everything, the size limit runs before any route reads the body.
    app.add_middleware(BodySizeLimit, max_bytes=config.api_max_body_bytes)
    # Inside the headers, outside everything else: any exception becomes a 503 (the database) or a 500, with the
    # headers, logged once.
    app.add_middleware(UnexpectedErrors, answer=error_answer)
    app.add_middleware(ResponseHeaders)
    return app
