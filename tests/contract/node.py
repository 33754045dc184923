"""The Node.js tools the contract tests run, installed from the committed lockfile.

`package.json` pins each tool at an exact version and `package-lock.json` pins
everything they pull in; `npm ci` installs exactly that into `node_modules/`
(ignored by git) the first time a test needs a tool, and again when the
lockfile changed (a stamp in `node_modules/` holds the lockfile's hash). Under
`pytest -n N` the workers take a lock, so only one runs `npm ci`. Without npm
on the PATH the test fails (it does not skip): the suite is not complete
without the standard's own linter.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
_STAMP = NODE_MODULES / ".westland-ledger-lockfile.sha256"
NPM_MISSING = (
    "npm is not on the PATH: the contract tests run Spectral and compare the vendored Swagger UI with its npm "
    "package. Install Node.js 20 with npm (README, prerequisites); the tests install the pinned tools themselves "
    "(npm ci into node_modules/)."
)


def _lockfile_hash() -> str:
    return hashlib.sha256((ROOT / "package-lock.json").read_bytes()).hexdigest()


@contextmanager
def _install_lock() -> Iterator[None]:
    # Outside node_modules/, which `npm ci` deletes; one lock per checkout.
    name = hashlib.sha256(str(ROOT).encode()).hexdigest()[:16]
    with (Path(tempfile.gettempdir()) / f"westland-ledger-npm-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def node_modules() -> Path:
    """`node_modules/` with exactly the locked packages, installed by `npm ci` when missing or stale."""
    wanted = _lockfile_hash()
    with _install_lock():
        if _STAMP.is_file() and _STAMP.read_text().strip() == wanted:
            return NODE_MODULES
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(NPM_MISSING, pytrace=False)
        # No install scripts: the tools need none, and a dependency's script would run with the tester's rights.
        command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(f"`npm ci` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}", pytrace=False)
        _STAMP.write_text(wanted + "\n")
    return NODE_MODULES


def node_tool(name: str) -> Path:
    """The installed command `name` (`node_modules/.bin/<name>`)."""
    tool = node_modules() / ".bin" / name
    if not tool.is_file():
        pytest.fail(f"{tool} is missing after `npm ci`: is {name} in package.json?", pytrace=False)
    return tool
