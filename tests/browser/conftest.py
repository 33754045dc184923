"""The browser tests: Debian's chromium, driven by Playwright, against a real `ledger serve` (docs/web.md).

One server per module and one browser per session; each test has a browser
context of its own (its own cookies). Chromium is the machine's
(`shutil.which("chromium")`): Playwright's own browser download cannot be had
here, and `make test` installs the package when it is missing. Without it the
tests fail with one line saying what to install; they never skip. axe-core
comes from npm (package.json) and is injected with `page.evaluate`, which the
pages' Content-Security-Policy does not stop. Each page's screenshot goes into
`artifacts/browser/` (ignored by git).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from ledger.settings import Settings
from tests.contract.node import ROOT, node_modules
from tests.e2e.test_serve import free_port
from tests.integration.ledger_process import ledger_command, ledger_env, run_ledger

ARTIFACTS = ROOT / "artifacts" / "browser"
# Keep chromium off the network it cannot reach here (and should not, in a test).
LAUNCH_ARGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
NO_BROWSER = (
    "no chromium on the PATH: the browser tests drive Debian's chromium. `make test` installs it when run as root;"
    " otherwise run `apt-get install -y --no-install-recommends chromium fonts-liberation` (docs/web.md)"
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
READY_WITHIN_S = 60.0
STAFF = ["registrar", "inspector", "auditor", "admin"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(NO_BROWSER, pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return (node_modules() / "axe-core" / "axe.min.js").read_text()


@dataclass
class Server:
    """A running `ledger serve` (and on PostgreSQL its `ledger project`)."""

    url: str
    settings: Settings
    processes: list[subprocess.Popen[bytes]]


def _start(settings: Settings, log: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    environment = ledger_env(settings) | (env or {})
    with log.open("wb") as out:
        return subprocess.Popen(ledger_command(*args), env=environment, stdout=out, stderr=subprocess.STDOUT)


@dataclass
class Served:
    server: Server
    logs: list[Path]


def serve(
    settings: Settings,
    logs_dir: Path,
    *,
    demo_workers: int,
    seed: int = 19,
    env: dict[str, str] | None = None,
) -> Generator[Server]:
    """Migrate, fill with the demo data of `seed`, serve on a free port of 127.0.0.1 until the generator is closed.

    `env` adds settings of the server's own (`LEDGER_…`), e.g. a short refresh interval of the live blocks.
    """
    for command in (("migrate",), ("demo", "--workers", str(demo_workers), "--seed", str(seed))):
        done = run_ledger(settings, *command)
        assert done.returncode == 0, done.stderr
    port = free_port()
    logs = [logs_dir / "serve.log"]
    processes = [_start(settings, logs[0], "serve", "--host", "127.0.0.1", "--port", str(port), env=env)]
    if not settings.runs_projections_in_process:
        logs.append(logs_dir / "project.log")
        processes.append(_start(settings, logs[1], "project"))
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(url, processes, logs)
        yield Server(url, settings, processes)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)


def _wait_until_ready(url: str, processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    # A condition, not a sleep: readyz answers 200 once every view has caught up with the log.
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline:
        exited = [p.args for p in processes if p.poll() is not None]
        assert not exited, f"exited before ready: {exited}\n" + "\n".join(p.read_text() for p in logs)
        try:
            if httpx.get(f"{url}/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail("the server did not become ready:\n" + "\n".join(p.read_text() for p in logs))


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    try:
        yield made
    finally:
        made.close()


@dataclass
class Visit:
    """A page in a browser, and what the browser reported about its security policy."""

    page: Page
    violations: list[str]


@pytest.fixture
def visit(context: BrowserContext) -> Visit:
    page = context.new_page()
    violations: list[str] = []
    # Chromium reports a blocked script, style or load as a console error naming the policy.
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return Visit(page, violations)


def sign_in(visit: Visit, url: str, role: str) -> None:
    """Sign in through the development picker, as a person would: pick the role, press the button."""
    visit.page.goto(f"{url}/aanmelden")
    visit.page.check(f"input[name=role][value={role}]")
    visit.page.click("form[action='/aanmelden'] button[type=submit]")
    visit.page.wait_for_url(f"{url}/")


def axe_violations(page: Page, source: str) -> list[dict[str, Any]]:
    """The WCAG 2.1 A and AA violations axe-core finds on the page (injected by evaluate, under the page's CSP)."""
    page.evaluate(source)
    found: list[dict[str, Any]] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))",
        AXE_TAGS,
    )
    return found


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# The role whose view of a page the per-role walks check with axe and photograph. An
# administrator's page holds all that another staff role's page holds (every form, the
# notes only inspectors and administrators read), so the other roles' walks check what
# they see and may do, not the same markup with fewer parts again (docs/web.md).
WIDEST_ROLE = "admin"


def accessible_for(page: Page, axe_source: str, role: str) -> None:
    """axe finds no violation on the page, checked when `role` is `WIDEST_ROLE` (nothing to do otherwise)."""
    if role == WIDEST_ROLE:
        assert axe_violations(page, axe_source) == []


def screenshot_for(page: Page, name: str, role: str) -> None:
    """The page's screenshot as `name` in the artifacts folder, taken when `role` is `WIDEST_ROLE`."""
    if role == WIDEST_ROLE:
        screenshot(page, name)
