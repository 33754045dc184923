"""`make screenshots` (tests/browser/screenshots.py): it takes every picture the README shows, at the fixed width."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser.screenshots import OUT, SHOTS, VIEWPORT, take_screenshots
from tests.contract.node import ROOT

pytestmark = pytest.mark.slow

PNG = b"\x89PNG\r\n\x1a\n"


def _size(path: Path) -> tuple[int, int]:
    """A PNG's width and height, from its IHDR chunk (the first after the signature)."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG and head[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_the_screenshot_tool_takes_each_page_at_the_fixed_viewport(tmp_path: Path, browser: Browser) -> None:
    written = take_screenshots(tmp_path, workers=40, seed=19, browser=browser)

    assert [path.name for path in written] == [f"{shot.name}.png" for shot in SHOTS]
    assert {_size(path) for path in written} == {(VIEWPORT["width"], VIEWPORT["height"])}
    # Different pages make different pictures (a sign-in page or an error page taken eleven times would not).
    assert len({path.read_bytes() for path in written}) == len(written)


def test_the_readme_shows_every_committed_screenshot() -> None:
    readme = (ROOT / "README.md").read_text()
    shown = set(re.findall(r"\(docs/screenshots/([a-z-]+\.png)\)", readme))
    committed = {path.name for path in OUT.glob("*.png")}

    assert shown == committed == {f"{shot.name}.png" for shot in SHOTS}
    assert {_size(OUT / name)[0] for name in committed} == {VIEWPORT["width"]}
