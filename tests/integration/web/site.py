"""A test client of the whole site (the API and the staff pages), and what the page tests share.

The client comes from 127.0.0.1 by default, as a browser on the developer's
machine does: the development sign-in page admits loopback clients only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser

import httpx
from fastapi.testclient import TestClient

from ledger.settings import Settings
from tests.conftest import TEST_APP_POOLS, fixed_clock
from web.app import create_app

LOOPBACK = ("127.0.0.1", 50000)
ELSEWHERE = ("192.0.2.10", 50000)  # TEST-NET-1 (RFC 5737): an address that is nobody's loopback

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def site_client(settings: Settings, *, client: tuple[str, int] = LOOPBACK) -> Iterator[TestClient]:
    """The site on `settings`, projections running in-process; redirects are not followed (tests look at them)."""
    app = create_app(settings.model_copy(update={"api_run_projections": True, **TEST_APP_POOLS}), clock=fixed_clock)
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False, client=client) as test_client:
        yield test_client


def csrf_token(page: httpx.Response) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF.search(page.text)
    assert found, f"no CSRF token on the page:\n{page.text[:2000]}"
    return found.group(1)


def sign_in(client: TestClient, role: str, *, next_path: str = "/") -> httpx.Response:
    """Sign in through the development picker as `role`: the answer to the form (a redirect)."""
    page = client.get("/aanmelden", params={"volgende": next_path})
    assert page.status_code == 200, page.text
    return client.post("/aanmelden", data={"csrf_token": csrf_token(page), "role": role, "volgende": next_path})


class Figures(HTMLParser):
    """The figures a page shows: `<data data-figure="NAME" value="N">`, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        name, value = attributes.get("data-figure"), attributes.get("value")
        if tag == "data" and name and value is not None:
            self.figures[name] = int(value)


def figures(page: httpx.Response) -> dict[str, int]:
    """The figures on the page, by name."""
    parser = Figures()
    parser.feed(page.text)
    return parser.figures


def csp(answer: httpx.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy of an answer, by directive."""
    directives = [d.split() for d in answer.headers["content-security-policy"].split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}
