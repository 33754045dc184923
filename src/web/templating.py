"""Rendering a page: Jinja2 templates in the page's language, and the headers every page carries.

One Jinja2 environment per language, each with that language's catalogue
installed (`jinja2.ext.i18n`), so rendering is the same in every thread.
Autoescaping is on everywhere. Numbers, dates and months are written as the
language writes them (Babel). Every page answers with a Content-Security-Policy
that admits this server only and no inline script or style (`PAGE_CSP`):
templates carry no `<script>` body, `style` attribute or `hx-on`, and htmx is
configured not to add styles or evaluate code (docs/web.md § Security).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal, format_percent
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from web.domain_texts import alert_detail, chain_problem
from web.i18n import HERE, LANGUAGE_COOKIE, LANGUAGES, language_of, refusal, translations
from web.session import Session, anonymous_session

PAGE_CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
# htmx 2 (docs/web.md): no indicator styles injected (a <style> the policy refuses), no eval, no script tags
# from swapped content.
HTMX_CONFIG = '{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}'


@cache
def environment(language: str) -> Environment:
    """The templates, with `language`'s catalogue and formats."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["number"] = lambda value: format_decimal(value, locale=language)
    env.filters["percent"] = lambda value: format_percent(value, locale=language)
    env.filters["day"] = lambda value: format_date(value, format="long", locale=language)
    env.filters["month"] = lambda value: format_date(value, format="LLLL yyyy", locale=language)
    env.filters["refusal"] = lambda code: refusal(language, code)
    env.filters["alert_detail"] = lambda alert: alert_detail(language, alert.kind, alert.detail)
    env.filters["chain_problem"] = lambda problem: chain_problem(language, problem)
    env.globals["HTMX_CONFIG"] = HTMX_CONFIG
    env.globals["LANGUAGES"] = LANGUAGES
    return env


def page_language(request: Request) -> str:
    """The language of the page asked for: the cookie's, else Dutch."""
    return language_of(request.cookies.get(LANGUAGE_COOKIE))


def session_of(request: Request) -> Session:
    """The request's session (`web.access.Sessions` put it there); a fresh anonymous one outside the pages."""
    session: Session | None = getattr(request.state, "session", None)
    return session if session is not None else anonymous_session(now=0)


def here(request: Request) -> str:
    """The path and query of the request: where to come back to after a form."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page `template` in the request's language, with what every page shows (who, language, CSRF token)."""
    language = page_language(request)
    session = session_of(request)
    page = (
        environment(language)
        .get_template(template)
        .render(
            {
                "language": language,
                "other_languages": [code for code in LANGUAGES if code != language],
                "principal": session.principal(),
                "csrf_token": session.csrf,
                "here": here(request),
                "path": request.url.path,
                "travel": None,
                **(context or {}),
            }
        )
    )
    policy = page_csp(request)
    return HTMLResponse(page, status_code=status, headers={"Content-Security-Policy": policy, **(headers or {})})


def page_csp(request: Request) -> str:
    """The pages' policy; with an issuer, its forms may also lead there (sign-out goes on to the provider)."""
    # Chromium holds a form's redirects to `form-action` too: sign-out's 303 to the end-session endpoint.
    oidc = getattr(request.app.state, "oidc", None)
    if oidc is None:
        return PAGE_CSP
    origins = " ".join(oidc.form_origins())
    return PAGE_CSP.replace("form-action 'self'", f"form-action 'self' {origins}")


def local_input(instant: datetime, zone: str) -> str:
    """An instant as a `datetime-local` field shows it: the municipality's wall-clock time, to the second."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None, microsecond=0).isoformat()


def query(**values: str | date | None) -> str:
    """A query string of the values given (None left out), `?` included when there is any."""
    given = {name: str(value) for name, value in values.items() if value not in (None, "")}
    return f"?{urlencode(given)}" if given else ""


def moment_label(instant: datetime, zone: str, language: str) -> str:
    """An instant as a person reads it, in the municipality's zone."""
    return format_datetime(instant.astimezone(ZoneInfo(zone)), format="medium", locale=language)


def clock_label(instant: datetime, zone: str, language: str) -> str:
    """The time of day of an instant of today, in the municipality's zone (`10:42:13`)."""
    return format_time(instant.astimezone(ZoneInfo(zone)), format="medium", locale=language)
