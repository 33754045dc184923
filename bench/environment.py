"""The environment block: what the figures were measured on.

CPU, cores, memory and load; PostgreSQL's version and durability settings;
SQLite's version and the pragmas the ledger's connections run with; the
versions of the libraries on the hot paths; and the disk's fsync rate from
`pg_test_fsync` when it is installed (its first test only: two seconds).
"""

from __future__ import annotations

import glob
import os
import platform
import shutil
import subprocess
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text

from bench.infra import ADMIN_URL, Workspace
from ledger.persistence.database import create_ledger_engine

PACKAGES = ("eventsourcing", "psycopg", "cryptography", "uvicorn", "sqlalchemy", "fastapi", "httpx")


def collect(workspace: Workspace) -> dict[str, Any]:
    """Everything the block prints, as data."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(_meminfo_kib("MemTotal") / 1024 / 1024, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "postgresql": _postgresql(),
        "sqlite": _sqlite(workspace),
        "fsync_per_s": _fsync_rate(),
    }


def render(env: dict[str, Any]) -> str:
    pg, lite = env["postgresql"], env["sqlite"]
    packages = ", ".join(f"{k} {v}" for k, v in env["packages"].items())
    fsync = env["fsync_per_s"]
    fsync_line = f"{fsync['rate']:,.0f}/s ({fsync['method']}, pg_test_fsync)" if fsync else "- (no pg_test_fsync)"
    return "\n".join(
        (
            f"cpu:         {env['cpu']}, {env['cores']} cores, {env['memory_gib']} GiB,"
            f" load average {' '.join(map(str, env['load_average']))} at start",
            f"postgresql:  {pg.get('version', '?')}; "
            + ", ".join(f"{k}={v}" for k, v in pg.get("settings", {}).items()),
            f"sqlite:      {lite.get('version', '?')}; "
            + ", ".join(f"{k}={v}" for k, v in lite.get("pragmas", {}).items()),
            f"python:      {env['python']}; {packages}",
            f"fsync:       {fsync_line}",
        )
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _meminfo_kib(key: str) -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def _postgresql() -> dict[str, Any]:
    names = (
        "synchronous_commit",
        "fsync",
        "wal_sync_method",
        "full_page_writes",
        "shared_buffers",
        "autovacuum",
        "jit",
    )
    try:
        with psycopg.connect(ADMIN_URL) as conn:
            server = conn.execute("SHOW server_version").fetchone()
            settings = {name: str(_one(conn.execute(f"SHOW {name}").fetchone())) for name in names}
    except psycopg.Error as error:
        return {"error": str(error)}
    return {"version": str(_one(server)), "settings": settings}


def _one(row: tuple[Any, ...] | None) -> Any:
    return row[0] if row else None


def _sqlite(workspace: Workspace) -> dict[str, Any]:
    """The pragmas as a ledger connection reports them (a connection of the product's engine)."""
    settings = workspace.settings("environment", "sqlite")
    engine = create_ledger_engine(settings)
    try:
        with engine.connect() as conn:
            pragmas = {
                name: conn.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "secure_delete", "foreign_keys")
            }
            sqlite_version = conn.execute(text("SELECT sqlite_version()")).scalar()
    finally:
        engine.dispose()
    return {"version": sqlite_version, "pragmas": pragmas}


def _pg_test_fsync() -> str | None:
    found = shutil.which("pg_test_fsync")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_test_fsync"))
    return candidates[-1] if candidates else None


def _fsync_rate() -> dict[str, Any] | None:
    """The first `fdatasync` figure of pg_test_fsync (one 8 kB write per sync), then stop it."""
    program = _pg_test_fsync()
    if program is None:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        process = subprocess.Popen(
            [program, "-s", "1", "-f", str(Path(scratch) / "fsync.test")], stdout=subprocess.PIPE, text=True
        )
        try:
            assert process.stdout is not None
            for line in process.stdout:
                fields = line.split()
                if len(fields) >= 3 and fields[0] == "fdatasync" and fields[2] == "ops/sec":
                    return {"rate": float(fields[1]), "method": "fdatasync, one 8 kB write"}
        finally:
            process.terminate()
            process.wait(timeout=10)
    return None
