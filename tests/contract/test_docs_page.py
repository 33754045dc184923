"""The interactive docs work on an intranet: everything the page loads comes from this server.

`/api/v1/docs` is Swagger UI, vendored from npm's `swagger-ui-dist` into the
package (src/api/static/swagger-ui, at the version package.json pins), its
start-up script in a file of its own so that the page's Content-Security-Policy
needs no `'unsafe-inline'` for scripts, and no other host anywhere: not in the
page, not in the policy. `LEDGER_API_DOCS` switches the page off; it is off in
production unless set.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.settings import Settings
from tests.contract.node import ROOT, node_modules

DOCS = "/api/v1/docs"
VENDORED = ROOT / "src" / "api" / "static" / "swagger-ui"
# The files of swagger-ui-dist the page needs, and the licence that comes with them.
FROM_THE_PACKAGE = ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-bundle.js.LICENSE.txt", "favicon-32x32.png"]
LICENCE = ["LICENSE", "NOTICE"]
_CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class _Page(HTMLParser):
    """The URLs a page loads (scripts, style sheets, icons, images) and any inline script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in ("src", "href", "data", "poster", "action", "formaction", "background"):
            if attributes.get(name):
                self.urls.append(str(attributes[name]))
        if attributes.get("style") is not None:
            self.inline.append(f"style attribute on <{tag}>")
        if any(name.startswith("on") for name in attributes):
            self.inline.append(f"event handler on <{tag}>")
        if tag in ("script", "style"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in and data.strip():
            self.inline.append(f"inline <{self._in}>")


def _page(client: TestClient) -> _Page:
    answer = client.get(DOCS)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    page = _Page()
    page.feed(answer.text)
    return page


def _csp(answer: Any) -> dict[str, list[str]]:
    directives = [d.split() for d in answer.headers["content-security-policy"].split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def test_the_docs_page_loads_nothing_from_another_host(client: TestClient) -> None:
    page = _page(client)

    assert len(page.urls) >= 3, "the page loads its script, style sheet and icon"
    elsewhere = [url for url in page.urls if urlsplit(url).scheme or urlsplit(url).netloc]
    assert elsewhere == []
    assert page.inline == []


def test_everything_the_page_loads_is_served_here(client: TestClient) -> None:
    for url in _page(client).urls:
        path = urlsplit(urljoin(f"http://testserver{DOCS}", url)).path
        answer = client.get(path)

        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith(_CONTENT_TYPES[Path(path).suffix]), path


def test_the_start_up_script_names_no_host(client: TestClient) -> None:
    scripts = [url for url in _page(client).urls if url.endswith(".js") and "swagger-ui-bundle" not in url]
    assert scripts, "Swagger UI is started by a script of its own"

    for url in scripts:
        text = client.get(urljoin(f"{DOCS}", url)).text
        assert "http:" not in text
        assert "https:" not in text
        assert not re.search(r"[\"'`]//", text)  # no protocol-relative URL either (a comment is no URL)


def test_the_docs_policy_admits_no_other_host_and_no_inline_script(client: TestClient) -> None:
    policy = _csp(client.get(DOCS))
    sources = [source for values in policy.values() for source in values]

    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    allowed = {"'self'", "'none'", "data:", "'unsafe-inline'"}
    assert [source for source in sources if source not in allowed] == []
    assert "'unsafe-inline'" not in policy.get("default-src", [])


def test_the_api_keeps_its_strict_policy(client: TestClient) -> None:
    assert _csp(client.get("/api/v1/openapi.json"))["default-src"] == ["'none'"]


def test_the_vendored_files_are_the_pinned_npm_package() -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["swagger-ui-dist"]
    package = node_modules() / "swagger-ui-dist"
    installed = json.loads((package / "package.json").read_text())["version"]

    assert installed == pinned
    assert f"swagger-ui-dist {pinned}" in (VENDORED / "README.md").read_text()
    different = [
        name for name in FROM_THE_PACKAGE + LICENCE if (VENDORED / name).read_bytes() != (package / name).read_bytes()
    ]
    assert different == []


def test_the_docs_are_off_when_the_setting_says_so(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(data_dir=tmp_path / "var", api_docs=False)))

    assert client.get(DOCS).status_code == 404
    assert client.get(f"{DOCS}/swagger-ui-bundle.js").status_code == 404
    assert client.get("/api/v1/openapi.json").status_code == 200  # the contract is always published


@pytest.mark.parametrize(
    ("env", "setting", "served"), [("development", None, True), ("production", None, False), ("production", True, True)]
)
def test_the_docs_are_on_in_development_and_off_in_production_unless_set(
    tmp_path: Path, env: str, setting: bool | None, served: bool
) -> None:
    production = {
        "keyring_file": tmp_path / "keyring",
        "oidc_issuer": "https://id.example",
        "oidc_public_key_file": tmp_path / "key.pem",
        "web_session_secret": "a-test-secret-of-the-pages-session-cookie",
    }
    settings = Settings(
        data_dir=tmp_path / "var", env=env, api_docs=setting, **(production if env == "production" else {})
    )

    answer = TestClient(create_app(settings)).get(DOCS)

    assert (answer.status_code == 200) is served


def test_the_vendored_files_go_into_the_wheel() -> None:
    # Hatch puts every file of the listed package folders into the wheel, but for what git ignores.
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    files = [VENDORED / name for name in [*FROM_THE_PACKAGE, *LICENCE, "start-swagger-ui.js"]]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *map(str, files)], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert "src/api" in build["targets"]["wheel"]["packages"]
    assert "exclude" not in build and "exclude" not in build["targets"]["wheel"]
    assert all(path.is_file() for path in files)
    assert ignored.stdout == ""
