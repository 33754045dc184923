"""The staff pages' front-end files are the pinned npm packages, vendored with their licences (docs/web.md).

htmx, the NL Design System's component CSS and the example theme's design
tokens come from npm at the versions package.json pins; the copies in
src/web/static/vendor are byte for byte the packages' files, each folder with
the package's licence and a README naming the version. Nothing a page loads
comes from another host.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.contract.node import ROOT, node_modules

VENDOR = ROOT / "src" / "web" / "static" / "vendor"
# Each vendored folder: its npm package, and the files taken from it (the licence included).
PACKAGES = {
    "htmx": ("htmx.org", ["dist/htmx.min.js", "LICENSE"]),
    "utrecht": ("@utrecht/component-library-css", ["dist/index.css", "LICENSE.md"]),
    "voorbeeld": ("@nl-design-system-unstable/voorbeeld-design-tokens", ["dist/theme.css", "LICENSE.md"]),
}


@pytest.mark.parametrize("folder", sorted(PACKAGES))
def test_the_vendored_files_are_the_pinned_npm_package(folder: str) -> None:
    name, files = PACKAGES[folder]
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"][name]
    package = node_modules() / name
    installed = json.loads((package / "package.json").read_text())["version"]

    assert installed == pinned
    assert f"{name} {pinned}" in (VENDOR / folder / "README.md").read_text()
    different = [
        file for file in files if (VENDOR / folder / Path(file).name).read_bytes() != (package / file).read_bytes()
    ]
    assert different == []


def test_htmx_is_version_2() -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["htmx.org"]
    assert pinned.split(".")[0] == "2"


def test_the_licences_are_the_eupl_and_bsd_zero() -> None:
    assert "EUROPEAN UNION PUBLIC LICENCE v. 1.2" in (VENDOR / "utrecht" / "LICENSE.md").read_text()
    assert "EUROPEAN UNION PUBLIC LICENCE" in (VENDOR / "voorbeeld" / "LICENSE.md").read_text().upper()
    assert (
        "Zero-Clause BSD" in (VENDOR / "htmx" / "LICENSE").read_text()
        or "BSD" in (VENDOR / "htmx" / "LICENSE").read_text()
    )


def test_no_style_sheet_loads_anything_from_another_host() -> None:
    sheets = [*VENDOR.rglob("*.css"), *(ROOT / "src" / "web" / "static").glob("*.css")]
    assert len(sheets) >= 3
    for sheet in sheets:
        text = sheet.read_text()
        assert "@import" not in text, sheet
        for url in text.split("url(")[1:]:
            target = url.split(")", 1)[0].strip("'\" ")
            assert target.startswith(("data:", "/", "#")) or "://" not in target, (sheet, target[:80])


def test_the_vendored_files_go_into_the_wheel() -> None:
    files = [VENDOR / folder / Path(file).name for folder, (_, names) in PACKAGES.items() for file in names]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *map(str, files)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert all(path.is_file() for path in files)
    assert ignored.stdout == ""
