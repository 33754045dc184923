"""Fault test: PostgreSQL crashes under write load and comes back; the system rides it out by itself.

A cluster of the test's own (tests/integration/postgres_cluster.py) serves
`ledger serve` and `ledger project`, as in production, while two clients
register employers over HTTP as fast as they are answered. The server is
stopped with `pg_ctl stop -m immediate` (every backend killed, recovery on the
next start), and started again. Then:

- every write the API acknowledged (201) is in the ledger;
- every write made while the server was down was answered 503 with
  `Retry-After`, promptly, and is not in the ledger afterwards — nothing
  commits after the client was told it did not;
- `/readyz` answered 503 within a second while the server was down, and 200
  within seconds of its return (a runner that backs off too far, or dead pooled
  connections found one at a time, would keep the views unfollowed);
- the same `ledger project` process caught up by itself (it was never
  restarted), and every view equals a rebuild from zero.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from ledger.application.service import Ledger
from ledger.domain.employer import Employer, employer_id_for
from ledger.errors import NotFound
from ledger.settings import Settings
from ledger.system import open_ledger
from projections.consistency import verify_views
from projections.registry import build_view_runners
from tests.integration.ledger_process import ledger_command, ledger_env, run_ledger
from tests.integration.postgres_cluster import Cluster, free_port

pytestmark = pytest.mark.slow

BOUND_S = 60.0  # every wait is bounded: a system that does not recover fails the test, it does not hang it
READY_ANSWER_S = 1.5  # readyz must answer within a second; the rest is this loaded machine's HTTP round trip
OUTAGE_ANSWER_S = 10.0  # a write while the database is down is refused well before a client gives up
ACKNOWLEDGED = 15  # writes acknowledged before the crash, and again after the restart
REFUSED = 4  # writes refused while the server is down
# The server stays down until the runner has tried this often: its backoff has grown to the longest wait.
RECONNECT_ATTEMPTS = 6
# From the server accepting connections again to readyz 200: the runner's longest backoff (5 s) and slack.
READY_AGAIN_WITHIN_S = 10.0


@dataclass(frozen=True)
class Write:
    """One registration over HTTP and how it was answered."""

    kvk: str
    started: float
    answered: float
    status: int | None  # None: no HTTP answer at all
    retry_after: str | None
    body: dict[str, Any]


class Writers:
    """Clients registering employers, each as soon as its last one was answered, until stopped."""

    def __init__(self, url: str, headers: dict[str, str], clients: int = 2) -> None:
        self.url = url
        self.headers = headers
        self.writes: list[Write] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write, args=(n,), daemon=True) for n in range(clients)]

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=BOUND_S)

    def _write(self, client_number: int) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=BOUND_S) as client:
            for n in range(1_000_000):
                if self._stop.is_set():
                    return
                kvk = f"{client_number + 1}{n:07d}"
                started = time.monotonic()
                try:
                    answer = client.post("/api/v1/employers", json={"kvkNumber": kvk, "name": f"Werkgever {kvk}"})
                    status, retry_after, body = answer.status_code, answer.headers.get("retry-after"), _json(answer)
                except httpx.HTTPError:
                    status, retry_after, body = None, None, {}
                with self._lock:
                    self.writes.append(Write(kvk, started, time.monotonic(), status, retry_after, body))

    def answered(self, *, since: float, until: float = float("inf")) -> list[Write]:
        """The writes started in [since, until) that have been answered."""
        with self._lock:
            return [w for w in self.writes if since <= w.started < until]


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except json.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


@dataclass(frozen=True)
class Started:
    """A `ledger` process of the test and the file its output goes to."""

    process: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        return f"--- {' '.join(map(str, self.process.args))}:\n" + self.log.read_text(errors="replace")[-4000:]


def wait_until(condition: Callable[[], bool], what: str, processes: list[Started]) -> None:
    deadline = time.monotonic() + BOUND_S
    while not condition():
        exited = [p for p in processes if p.process.poll() is not None]
        assert not exited, f"exited while waiting for {what}:\n" + "\n".join(p.tail() for p in exited)
        assert time.monotonic() < deadline, f"not within {BOUND_S} s: {what}\n" + "\n".join(p.tail() for p in processes)
        time.sleep(0.05)


class Probe:
    """`/readyz`, each answer's status and how long it took."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: list[tuple[int | None, float]] = []

    def status(self) -> int | None:
        started = time.monotonic()
        try:
            status: int | None = httpx.get(f"{self.url}/readyz", timeout=BOUND_S).status_code
        except httpx.HTTPError:
            status = None
        self.answers.append((status, time.monotonic() - started))
        return status


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    cluster = Cluster()
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def _start(settings: Settings, log: Path, *args: str) -> Started:
    with log.open("wb") as out:
        process = subprocess.Popen(
            ledger_command(*args), env=ledger_env(settings), stdout=out, stderr=subprocess.STDOUT
        )
    return Started(process, log)


def _stop(process: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM, and its exit status; None if it had to be killed."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=BOUND_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=BOUND_S)
        return None


def _logged(log: Path) -> list[dict[str, Any]]:
    """The JSON lines a `ledger` process logged."""
    events = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


def _logged_events(log: Path, name: str) -> int:
    """How often the process logged the event `name`."""
    return sum(event.get("event") == name for event in _logged(log))


def _is_stored(ledger: Ledger, kvk: str) -> bool:
    try:
        ledger.get(Employer, employer_id_for(kvk))
    except NotFound:
        return False
    return True


def test_the_system_rides_out_a_postgresql_crash_under_write_load(cluster: Cluster, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=cluster.create_database("ledger"))
    migrated = run_ledger(settings, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    issued = run_ledger(settings, "token", "--role", "registrar", "--sub", "fault-test")
    assert issued.returncode == 0, issued.stderr
    headers = {"Authorization": f"Bearer {issued.stdout.strip()}"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    serve_log, project_log = tmp_path / "serve.log", tmp_path / "project.log"
    serve = _start(settings, serve_log, "serve", "--host", "127.0.0.1", "--port", str(port))
    project = _start(settings, project_log, "project")
    processes = [serve, project]
    probe = Probe(url)
    try:
        wait_until(lambda: probe.status() == 200, "the server ready", processes)

        with Writers(url, headers) as writers:
            wait_until(lambda: len(writers.answered(since=0)) >= ACKNOWLEDGED, "writes before the crash", processes)

            cluster.stop_immediately()
            stopped = time.monotonic()
            probe.answers.clear()
            wait_until(lambda: probe.status() == 503, "readyz 503 while the database is down", processes)
            wait_until(
                lambda: len(writers.answered(since=stopped)) >= REFUSED, "writes answered during the outage", processes
            )
            wait_until(
                lambda: _logged_events(project_log, "database_unavailable") >= RECONNECT_ATTEMPTS,
                "the runner's reconnect attempts",
                processes,
            )
            probe.status()
            down_answers = list(probe.answers)

            restarting = time.monotonic()
            cluster.start()
            back = time.monotonic()
            wait_until(lambda: probe.status() == 200, "readyz 200 after the restart", processes)
            restarted = time.monotonic()
            wait_until(
                lambda: sum(w.status == 201 for w in writers.answered(since=restarted)) >= ACKNOWLEDGED,
                "writes acknowledged after the restart",
                processes,
            )
        writes = writers.answered(since=0)

        # readyz: 503 while down, each answer within about a second; 200 again soon after the restart.
        assert [status for status, _ in down_answers][-1] == 503
        assert all(seconds < READY_ANSWER_S for _, seconds in down_answers), down_answers
        assert restarted - back < READY_AGAIN_WITHIN_S, f"ready {restarted - back:.1f} s after the server was back"

        # Writes: 201 or 503, never a server error or a hang; during the outage 503 with Retry-After, promptly.
        assert {w.status for w in writes} <= {201, 503}, sorted({str(w.status) for w in writes})
        during = [w for w in writes if stopped <= w.started and w.answered < restarting]
        assert len(during) >= REFUSED
        assert all(w.status == 503 and w.retry_after for w in during), during
        assert all(w.answered - w.started < OUTAGE_ANSWER_S for w in during), during

        # The runner: the same process, alive, caught up by itself.
        assert project.process.poll() is None and serve.process.poll() is None
        with open_ledger(settings) as ledger:
            acknowledged = [w for w in writes if w.status == 201]
            assert all(_is_stored(ledger, w.kvk) and ledger.get(Employer, UUID(w.body["id"])) for w in acknowledged)
            assert not [w.kvk for w in during if _is_stored(ledger, w.kvk)], "refused writes were stored"

            head = ledger.recorder.max_notification_id() or 0
            runners = build_view_runners(ledger)
            wait_until(lambda: all(r.position() == head for r in runners), "the views at the head", processes)
            checks = verify_views(ledger)
            assert all(check.ok for check in checks), [c for c in checks if not c.ok]
        assert probe.status() == 200
    finally:
        exits = [_stop(started.process) for started in processes]
    assert _logged_events(project_log, "database_reconnected") >= 1
    assert exits == [0, 0], "\n".join(p.tail() for p in processes)
