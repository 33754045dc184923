"""Errors on the pages are pages: 404, 403, 400, 500, … in HTML, in the page's language; the API keeps its problems.

The API's exception handlers (`api.problems`) answer problem+json. Each is
wrapped here: on a page path (`web.access.is_page_path`) the same status (and
headers, such as `Retry-After`) is answered with an error page instead, which
names no English detail of the API's. The unexpected error (500) and the
unavailable database (503) come from `api.middleware.UnexpectedErrors`, which
calls `answer`. A page that needs a signed-in person sends them to sign in
(303) — except a live block's poll (htmx's, from a timer): a redirect would be
followed inside the browser's request and the sign-in page swapped into the
block, so the poll gets a block that says the session ended, links to signing
in again, shows no figure and polls no more.
"""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from api.middleware import trace_id_var
from web.access import CsrfRefused, SignInRequired, is_page_path, is_unattended
from web.templating import render

# The headers of the API's answer that the page keeps.
_KEPT_HEADERS = ("retry-after", "allow")


def error_page(request: Request, status: int, *, headers: dict[str, str] | None = None, **context: Any) -> Response:
    """The error page for `status` (its title and explanation are in the template, per status)."""
    shown = {"status": status, "trace_id": trace_id_var.get() if status >= 500 else None, "reason": None, **context}
    return render(request, "error.html", shown, status=status, headers=headers)


def answer(request: Request, problem: Response) -> Response:
    """The answer to an unexpected error: a page on a page path, the problem itself elsewhere."""
    if not is_page_path(request.url.path):
        return problem
    return error_page(request, problem.status_code, headers=_kept(problem))


def _kept(problem: Response) -> dict[str, str]:
    return {name: value for name, value in problem.headers.items() if name.lower() in _KEPT_HEADERS}


def install(app: FastAPI) -> None:
    """Wrap each exception handler of the API so that a page gets a page; add the pages' own two."""
    for kind, handler in list(app.exception_handlers.items()):
        app.exception_handlers[kind] = _for_pages_too(handler)

    @app.exception_handler(SignInRequired)
    def sign_in_first(request: Request, error: SignInRequired) -> Response:
        if is_unattended(request) and request.headers.get("hx-request") == "true":
            return _session_ended(request)
        return RedirectResponse(f"/aanmelden?volgende={quote(error.next_path, safe='')}", status_code=303)

    @app.exception_handler(CsrfRefused)
    def csrf_refused(request: Request, _error: CsrfRefused) -> Response:
        return error_page(request, 403, reason="csrf")


def _session_ended(request: Request) -> Response:
    """A live block's poll after the session ended: a block saying so, with the way back to the page it is on."""
    page = urlsplit(request.headers.get("hx-current-url", ""))
    back = page.path + (f"?{page.query}" if page.query else "") if page.path.startswith("/") else "/"
    sign_in = f"/aanmelden?volgende={quote(back, safe='')}"
    return render(request, "_live_ended.html", {"sign_in": sign_in}, headers={"Cache-Control": "no-store"})


def _for_pages_too(handler: Any) -> Any:
    async def handle(request: Request, error: Exception) -> Response:
        problem = handler(request, error)
        if inspect.isawaitable(problem):
            problem = await problem
        if not is_page_path(request.url.path):
            return problem  # type: ignore[no-any-return]
        return error_page(request, problem.status_code, headers=_kept(problem))

    return handle
