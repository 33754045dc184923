"""A PostgreSQL cluster of a test's own, to stop and start under load (the fault tests).

The machine's shared server cannot be stopped: every other test uses it. This
one lives in a temporary directory and listens on a free port of 127.0.0.1.
`initdb` and the server refuse to run as root, so both run as the `postgres`
user (`runuser`), in a directory that user owns. A cluster that cannot be made
here fails the test with the reason: these tests must run, not be skipped.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

OWNER = "postgres"
READY_WITHIN_S = 30.0


def _binaries() -> Path:
    """The newest installed PostgreSQL's binaries (Debian keeps them under /usr/lib/postgresql/<version>/bin)."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda bindir: int(bindir.parent.name) if bindir.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    if initdb is None:
        pytest.fail("the fault test needs PostgreSQL's server binaries (initdb, pg_ctl): none found")
    return Path(initdb).resolve().parent


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Cluster:
    """A throw-away cluster: `create`, `start`, `stop_immediately`, `remove`."""

    def __init__(self) -> None:
        if os.geteuid() != 0:
            pytest.fail("the fault test runs the server as the postgres user with runuser, which needs root")
        if shutil.which("runuser") is None:
            pytest.fail("the fault test needs runuser (util-linux) to run PostgreSQL as the postgres user")
        self.bindir = _binaries()
        self.directory = Path(tempfile.mkdtemp(prefix="ledger-fault-pg-"))
        shutil.chown(self.directory, user=OWNER, group=OWNER)
        self.directory.chmod(0o700)
        self.data = self.directory / "data"
        self.port = free_port()

    @property
    def admin_url(self) -> str:
        """The maintenance database of the cluster."""
        return f"postgresql://{OWNER}@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        """A database of the cluster."""
        return f"postgresql://{OWNER}@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> None:
        command = ["runuser", "-u", OWNER, "--", str(self.bindir / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            pytest.fail(f"{program} {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    def create(self) -> None:
        """initdb: trust on the loopback, as the suite's shared server."""
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", OWNER, "-E", "UTF8", "--no-instructions")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.directory / "server.log"), "-o", options, "-w", "start"
        )
        deadline = time.monotonic() + READY_WITHIN_S
        while True:
            try:
                with psycopg.connect(self.admin_url, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the cluster did not accept connections:\n{self.log()}")
                time.sleep(0.05)

    def stop_immediately(self) -> None:
        """`pg_ctl stop -m immediate`: every backend killed at once, as in a crash (recovery on the next start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def create_database(self, name: str) -> str:
        """A new database of the cluster; its URL."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log(self) -> str:
        """The server's log (for a failing test's message)."""
        path = self.directory / "server.log"
        return path.read_text(errors="replace") if path.exists() else "(no server log)"

    def remove(self) -> None:
        """Stop the server if it runs, and delete the cluster."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [
                    "runuser",
                    "-u",
                    OWNER,
                    "--",
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-m",
                    "immediate",
                    "stop",
                ],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(self.directory, ignore_errors=True)
