"""`create_app(settings)`: the whole site — the API (`api.app`) under `/api/v1` and the staff pages at `/`.

`ledger serve` serves this app. The pages sit above the API in the layers
(docs/architecture.md): they use its services, its roles and policies, and its
parameter types, and add their routes (not in the OpenAPI document), their
session cookie (`web.access.Sessions`, pages only) and their error pages
(`web.errors`: the API's problems stay problems under `/api/v1`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI

from api.app import create_app as create_api
from api.inclusion import include_routers
from ledger.settings import Settings
from web import (
    account,
    assets,
    audit,
    employers,
    errors,
    inspection_forms,
    inspections,
    location,
    locations,
    overview,
    reports,
    sign_in,
    signals,
    workers,
)
from web.access import Sessions
from web.figure_memo import FigureMemo
from web.oidc import OidcClient
from web.session import SessionCodec


def create_app(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """The API and the staff pages on the given settings (default: from the environment); `clock` is for tests."""
    config = settings or Settings()
    app = create_api(config, clock=clock, error_answer=errors.answer)
    codec = SessionCodec.for_settings(config)
    app.state.session_codec = codec
    memo = app.state.figure_memo = FigureMemo()  # the overview's figures while the views stand still (web.figure_memo)
    _closing_first(app, memo.close)  # nothing counts in the background once the views close
    # With an issuer the pages sign in there (web.sign_in); without, development's picker (web.account).
    app.state.oidc = OidcClient(config) if config.oidc_issuer else None
    # The forms before the inspection's page: `/inspecties/nieuw` is not an inspection's id.
    include_routers(
        app,
        [
            overview.router,
            locations.router,
            location.router,
            workers.router,
            employers.router,
            signals.router,
            account.router,
            sign_in.router,
            assets.router,
            inspection_forms.router,
            inspections.router,
            audit.router,
            reports.router,
        ],
    )
    errors.install(app)
    # Outermost: the session is read before anything of a page runs and written after its answer is made.
    app.add_middleware(Sessions, codec=codec)
    return app


def _closing_first(app: FastAPI, close: Callable[[], None]) -> None:
    """Run `close` when the app stops, before the API's lifespan closes the ledger and the views."""
    opened = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with opened(app) as state:
            try:
                yield state
            finally:
                close()

    app.router.lifespan_context = lifespan
