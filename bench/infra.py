"""What the scenarios run on: throw-away databases, settings for them, and server processes.

A `Workspace` owns a temporary directory (SQLite files, keyrings, logs) and
the PostgreSQL databases it created; closing it drops them all. Processes the
harness starts (`ledger serve`, `ledger project`, its own baseline server) are
stopped by their own pid, never by name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

from ledger.application.service import Ledger
from ledger.persistence.migrations import upgrade
from ledger.settings import Settings
from ledger.system import open_database, open_ledger

# The server the throw-away databases are created on (the test suite's variable, or the default).
ADMIN_URL = os.environ.get(
    "LEDGER_BENCH_POSTGRES_URL",
    os.environ.get("LEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
)
BACKENDS = ("postgresql", "sqlite")


class Workspace:
    """A temporary directory and the throw-away databases of one harness run."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
        self._databases: list[str] = []

    def settings(self, name: str, backend: str, *, kept_in: Path | None = None) -> Settings:
        """Settings of a new, migrated, empty ledger database called `name` on `backend`.

        `kept_in`: a directory outside the workspace (`--keep`) for the data,
        and on PostgreSQL a database named after `name` (one there before is
        dropped first), which closing the workspace leaves in place.
        """
        data_dir = kept_in if kept_in is not None else self.root / f"{name}-{backend}"
        database_url = None
        if backend == "postgresql":
            database_url = self._kept_database(name) if kept_in is not None else self._create_database(name)
        settings = Settings(
            env="development",
            data_dir=data_dir,
            database_url=database_url,
            keyring_file=data_dir / "keyring",
            jwt_dev_key_file=data_dir / "jwt-dev-key.pem",
            api_run_projections=False,
        )
        migrate(settings)
        return settings

    def _create_database(self, name: str) -> str:
        database = f"ledger_bench_{name}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        self._databases.append(database)
        return _url(database)

    @staticmethod
    def _kept_database(name: str) -> str:
        database = f"ledger_bench_kept_{name}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database}"')
        return _url(database)

    def log_path(self, name: str) -> Path:
        return self.root / f"{name}.log"

    def close(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            for database in self._databases:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self._databases.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def _url(database: str) -> str:
    """The URL of `database` on the server of `ADMIN_URL`."""
    base = psycopg.conninfo.conninfo_to_dict(ADMIN_URL)
    user, host, port = base.get("user", "postgres"), base.get("host", "127.0.0.1"), base.get("port", 5432)
    password = f":{base['password']}" if base.get("password") else ""
    return f"postgresql://{user}{password}@{host}:{port}/{database}"


def child_environment(settings: Settings) -> dict[str, str]:
    """The environment under which a `ledger` subprocess sees the same database and keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {
        "LEDGER_ENV": settings.env,
        "LEDGER_DATA_DIR": str(settings.data_dir),
        "LEDGER_KEYRING_FILE": str(settings.keyring_path),
        "LEDGER_JWT_DEV_KEY_FILE": str(settings.jwt_dev_key_path),
        "LEDGER_API_RUN_PROJECTIONS": "false",
    }
    if settings.database_url:
        env["LEDGER_DATABASE_URL"] = settings.database_url
    return env


def migrate(settings: Settings) -> None:
    """What `ledger migrate` does: the ledger's schema and the key store's."""
    with open_database(settings) as database:
        upgrade(database.engine, database.key_engine)


@contextmanager
def opened(settings: Settings, ledger_class: type[Ledger] = Ledger) -> Iterator[Ledger]:
    """A ledger on `settings` (the product's start-up checks included), closed afterwards."""
    with open_ledger(settings, application=ledger_class) as ledger:
        yield ledger


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ledger_command(*args: str) -> list[str]:
    """The `ledger` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("ledger")
    return [str(script), *args]


class Process:
    """A subprocess the harness started, stopped by its own pid."""

    def __init__(self, command: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._log_file = log.open("wb")
        self.popen = subprocess.Popen(command, env=env, stdout=self._log_file, stderr=subprocess.STDOUT)

    def wait_ready(self, url: str, timeout: float = 60.0) -> None:
        """Poll `url` until it answers 200 (or fail with the process's log)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"process exited ({self.popen.returncode}):\n{self.log.read_text()[-2000:]}")
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{url} not ready after {timeout} s:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log_file.close()
