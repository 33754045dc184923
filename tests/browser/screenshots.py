"""`make screenshots`: the README's pictures of the staff pages, taken in Debian's chromium (docs/web.md).

    .venv/bin/python -m tests.browser.screenshots [--out docs/screenshots] [--workers 200] [--seed 420]

Starts the system as `make run` does, on a fresh temporary SQLite ledger
(`ledger migrate`, `ledger demo --workers N --seed S`, `ledger serve` on a free
port of 127.0.0.1), signs in with the development role picker and saves a PNG
of each main page at a fixed viewport (1280 by 800, Dutch): Overzicht, Locaties
and one location, Werknemers (a search) and one worker, Werkgevers and one
employer, Signalen, Inspecties and Rapportages as a registrar, Audit as an
auditor (after a verification of the chain). Each page is checked to be the
one meant (its heading) before it is saved, so a broken page fails the run
instead of landing in the README. `optipng`, when on the PATH, makes the
files smaller (lossless).

The pictures do not churn between runs on one day: the demo data comes from a
fixed seed, locations and employers have ids derived from their BAG id and KvK
number (so the lists keep their order), and the location and worker shown are
chosen by those. They do change from day to day: the demo draws its dates
relative to today and neither `ledger demo` nor `ledger serve` takes a fixed
clock, so the dates on the pages (and the times "as known at", and the audit
chain's hashes) are the run's. It lives with the browser tests because it
drives the browser the same way (tests/browser/conftest.py);
tests/browser/test_screenshots.py runs it on a small data set.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from api.auth import DevelopmentTokens, Role
from ledger.settings import Settings
from tests.browser.conftest import LAUNCH_ARGS, NO_BROWSER, Server, Visit, serve, sign_in
from tests.contract.node import ROOT

OUT = ROOT / "docs" / "screenshots"
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
WORKERS = 200  # as `make run` (its WORKERS)
SEED = 420  # `ledger demo`'s default, so the pictures show what `make run` serves


@dataclass(frozen=True)
class Shot:
    """One picture: its file name (without .png), the role that takes it, and the way to the page."""

    name: str
    role: str
    heading: str | None  # the page's h1, checked before the picture is taken (None: the subject's own name)
    reach: Callable[[Page, Server], None]


def _nav(path: str) -> Callable[[Page, Server], None]:
    def reach(page: Page, server: Server) -> None:
        page.click(f"nav a[href='{path}']")
        page.wait_for_url(f"{server.url}{path}")

    return reach


def _api(server: Server, path: str, **params: Any) -> Any:
    token = DevelopmentTokens(server.settings).issue(role=Role.REGISTRAR, sub="screenshots")
    answer = httpx.get(
        f"{server.url}/api/v1{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    answer.raise_for_status()
    return answer.json()


def _crowded(server: Server) -> dict[str, Any]:
    """The first location over capacity (the list's order: by id, derived from the BAG id, so the same each run)."""
    found = _api(server, "/housing-locations", overCapacity="true", limit=1)["items"]
    if not found:
        raise SystemExit("the demo data has no location over capacity to show")
    crowded: dict[str, Any] = found[0]
    return crowded


def _a_location(page: Page, server: Server) -> None:
    location = _crowded(server)["id"]
    page.goto(f"{server.url}/locaties?overCapacity=true")
    page.click(f"tr[data-location-id='{location}'] a")
    page.wait_for_url(f"{server.url}/locaties/{location}*")


def _resident(server: Server) -> dict[str, Any]:
    """The first occupant of that location today (a worker to search for and to show)."""
    occupants = _api(server, f"/housing-locations/{_crowded(server)['id']}/occupancy")["occupants"]
    if not occupants:
        raise SystemExit("the location over capacity has no occupants to show")
    first: dict[str, Any] = min(occupants, key=lambda o: (o["familyName"], o["givenNames"], o["since"]))
    return first


def _worker_search(page: Page, server: Server) -> None:
    _nav("/werknemers")(page, server)
    page.fill("#familyName", _resident(server)["familyName"])
    page.click("#worker-search button[type=submit]")
    page.wait_for_selector("table#found")


def _a_worker(page: Page, server: Server) -> None:
    worker = _resident(server)["workerId"]
    _worker_search(page, server)
    page.click(f"tr[data-worker='{worker}'] a")
    page.wait_for_url(f"{server.url}/werknemers/{worker}")


def _an_employer(page: Page, server: Server) -> None:
    _nav("/werkgevers")(page, server)
    page.locator("tr[data-employer-id] a").first.click()
    page.wait_for_url(f"{server.url}/werkgevers/*")


def _audit(page: Page, server: Server) -> None:
    _nav("/audit")(page, server)
    page.click("form[action='/audit'][method=post] button[type=submit]")  # not the time-travel control's
    # The status refreshes itself while the verification runs in the background.
    page.wait_for_selector("[data-verification=ok], [data-verification=broken], [data-verification=failed]")


SHOTS = (
    Shot("overzicht", "registrar", "Overzicht", lambda page, server: None),
    Shot("locaties", "registrar", "Locaties", _nav("/locaties")),
    Shot("locatie", "registrar", None, _a_location),
    Shot("werknemers", "registrar", "Werknemers", _worker_search),
    Shot("werknemer", "registrar", None, _a_worker),
    Shot("werkgevers", "registrar", "Werkgevers", _nav("/werkgevers")),
    Shot("werkgever", "registrar", None, _an_employer),
    Shot("signalen", "registrar", "Signalen", _nav("/signalen")),
    Shot("inspecties", "registrar", "Inspecties", _nav("/inspecties")),
    Shot("rapportages", "registrar", "Rapportages", _nav("/rapportages")),
    Shot("audit", "auditor", "Audit", _audit),
)


def _take(browser: Browser, server: Server, shot: Shot, out: Path) -> Path:
    context = browser.new_context(locale="nl-NL", viewport=VIEWPORT, device_scale_factor=1, reduced_motion="reduce")
    try:
        page = context.new_page()
        sign_in(Visit(page, []), server.url, shot.role)
        shot.reach(page, server)
        page.wait_for_load_state("networkidle")  # the charts (images) too
        heading = page.locator("h1").inner_text()
        if shot.heading is not None and heading != shot.heading:
            raise SystemExit(f"{shot.name}: the page's heading is {heading!r}, not {shot.heading!r} ({page.url})")
        if not heading.strip():
            raise SystemExit(f"{shot.name}: the page has no heading ({page.url})")
        path = out / f"{shot.name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        return path
    finally:
        context.close()


def _optimised(path: Path) -> None:
    """Lossless recompression with optipng when it is at hand (the pictures are committed)."""
    optipng = shutil.which("optipng")
    if optipng is not None:
        subprocess.run([optipng, "-quiet", "-o2", "-strip", "all", str(path)], check=True, timeout=300)


def take_screenshots(
    out: Path, *, workers: int = WORKERS, seed: int = SEED, browser: Browser | None = None
) -> list[Path]:
    """Serve a fresh demo ledger, take every picture of `SHOTS` into `out`; the files written, in order.

    `browser`: one already launched (the tests' session browser: Playwright's sync API runs once per thread).
    """
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ledger-screenshots-") as home:
        settings = Settings(env="development", data_dir=Path(home) / "var", database_url=None)
        running = serve(settings, Path(home), demo_workers=workers, seed=seed)
        server = next(running)
        try:  # closing the generator runs its `finally`: the server stops
            if browser is not None:
                written = [_take(browser, server, shot, out) for shot in SHOTS]
            else:
                with _launched() as launched:
                    written = [_take(launched, server, shot, out) for shot in SHOTS]
        finally:
            running.close()
    for path in written:
        _optimised(path)
    return written


@contextmanager
def _launched() -> Iterator[Browser]:
    """Debian's chromium, launched as the browser tests launch it."""
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit(NO_BROWSER)
    with sync_playwright() as playwright:
        # Chromium on Linux takes its own language, which formats the date fields, from the environment
        # (with Debian's chromium-l10n for the Dutch one; the context's `locale` sets only the page's).
        dutch = {**os.environ, "LANGUAGE": "nl", "LANG": "nl_NL.UTF-8"}
        browser = playwright.chromium.launch(executable_path=executable, args=[*LAUNCH_ARGS, "--lang=nl"], env=dutch)
        try:
            yield browser
        finally:
            browser.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.browser.screenshots", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where the PNGs go (default {OUT.relative_to(ROOT)})")
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"demo workers (default {WORKERS}, as make run)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"demo seed (default {SEED}, as ledger demo)")
    args = parser.parse_args(argv)
    for path in take_screenshots(args.out, workers=args.workers, seed=args.seed):
        print(f"{path} ({path.stat().st_size / 1024:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
