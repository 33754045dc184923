"""Running the `ledger` command as a separate process, on a test's database."""

from __future__ import annotations

import os
import subprocess
import sys

from ledger.settings import Settings


def ledger_env(settings: Settings) -> dict[str, str]:
    """The environment of a `ledger` process on `settings`' database and keyring, nothing else of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["LEDGER_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["LEDGER_DATABASE_URL"] = settings.database_url
    return env


def ledger_command(*args: str) -> list[str]:
    """The command line of `ledger ARGS…` with this interpreter."""
    return [sys.executable, "-m", "cli", *args]


def run_ledger(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `ledger ARGS…` to its end; its output is captured."""
    return subprocess.run(
        ledger_command(*args), env=ledger_env(settings), capture_output=True, text=True, timeout=60, check=False
    )
