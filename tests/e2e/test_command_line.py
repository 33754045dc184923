"""The `ledger` command as a person meets it: run as a real process, its stdout, stderr and exit status.

A refused start (no database, nothing listening, a malformed URL, an invalid
setting, production without a keyring) is one line on stderr and exit status
1; a usage error is one line naming the argument and exit status 2. Long jobs
draw a progress bar on a terminal and nothing when stderr is not one. Human
lines go to stdout, JSON logs to stderr, and in development the log does not
repeat what the human line says. docs/command-line.md describes all of it.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import selectors
import signal
import socket
import stat
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import make_url

from ledger.application.service import Ledger
from ledger.audit.processing_log import ProcessingLog
from ledger.settings import Settings
from tests.conftest import POSTGRES_ADMIN_URL, PostgresDatabase
from tests.factories import a_world, register_worker
from tests.integration.ledger_process import ledger_command, ledger_env

README = Path(__file__).resolve().parents[2] / "README.md"
TIMEOUT_S = 120


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `ledger ARGS…` in `env` to its end, stdin closed, stdout and stderr captured (not a terminal)."""
    return subprocess.run(
        ledger_command(*args),
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def development(settings: Settings) -> dict[str, str]:
    return ledger_env(settings)


def production(settings: Settings) -> dict[str, str]:
    """Production on `settings`' database, with the keyring the development runs made in its data folder."""
    return ledger_env(settings) | {
        "LEDGER_ENV": "production",
        "LEDGER_KEYRING_FILE": str(settings.keyring_path),
        "LEDGER_OIDC_ISSUER": "https://login.medemblik.example/realms/ledger",
        "LEDGER_OIDC_JWKS_URL": "https://login.medemblik.example/realms/ledger/certs",
        "LEDGER_WEB_SESSION_SECRET": "a-test-secret-of-the-pages-session-cookie",
    }


def one_line(text: str) -> str:
    """The only line of `text` (fails when there are more, or none)."""
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


def json_records(stderr: str) -> list[dict[str, Any]]:
    """Every line of stderr as a JSON log record (fails on a line that is not one)."""
    return [json.loads(line) for line in stderr.splitlines()]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def postgres_url(port: int, database: str) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{database}"


@pytest.fixture
def replay_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A separate, empty database of the test's backend, for `ledger audit replay --into`."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'replay' / 'replayed.db'}"
        return
    database = PostgresDatabase()
    database.create()
    try:
        yield database.url
    finally:
        database.discard()


def head(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


# -- usage errors: one line naming the argument, exit status 2 ---------------------------------------


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--bogus"], "--bogus"),
        (["audit", "--bogus"], "--bogus"),
        (["audit", "verify", "--bogus"], "--bogus"),
        (["bogus"], "bogus"),
        (["demo", "--workers", "-3"], "--workers"),
        (["demo", "--workers", "0"], "--workers"),
        (["demo", "--workers", "many"], "--workers"),
        (["audit", "verify", "--from", "-5"], "--from"),
        (["audit", "verify", "--workers", "-3"], "--workers"),
        (["audit", "export", "--after", "-1"], "--after"),
        (["projections", "rebuild", "--processes", "0"], "--processes"),
        (["scheduler", "--at", "25:00"], "--at"),
        (["retention", "run", "--on", "2027-13-01"], "--on"),
        (["token", "--role", "employer", "--kvk", "123"], "--kvk"),
    ],
)
def test_a_usage_error_is_one_line_naming_the_argument(tmp_path: Path, argv: list[str], named: str) -> None:
    settings = Settings(data_dir=tmp_path / "var")

    refused = run(development(settings), *argv)

    assert refused.returncode == 2, refused.stderr
    assert named in one_line(refused.stderr)
    assert refused.stdout == ""
    assert not settings.data_dir.exists()


def test_no_command_is_a_usage_error_listing_the_commands(tmp_path: Path) -> None:
    refused = run(development(Settings(data_dir=tmp_path / "var")))

    assert refused.returncode == 2
    line = one_line(refused.stderr)
    assert "migrate" in line and "serve" in line


def test_a_subcommand_group_without_its_subcommand_is_a_usage_error(tmp_path: Path) -> None:
    refused = run(development(Settings(data_dir=tmp_path / "var")), "audit")

    assert refused.returncode == 2
    assert "verify" in one_line(refused.stderr)


# -- a refused start: one line naming the problem and what to do, exit status 1 -----------------------


def test_an_invalid_environment_name_is_one_line(tmp_path: Path) -> None:
    env = development(Settings(data_dir=tmp_path / "var")) | {"LEDGER_ENV": "prod"}

    refused = run(env, "migrate")

    assert refused.returncode == 1
    line = one_line(refused.stderr)
    assert "LEDGER_ENV" in line and "'production'" in line
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize(
    "url", ["notaurl", "postgresql://clerk:s3cret@db.medemblik.example:fivefourthreetwo/ledger", "mysql://clerk@db/x"]
)
def test_a_malformed_database_url_is_one_line_without_the_password(tmp_path: Path, url: str) -> None:
    env = development(Settings(data_dir=tmp_path / "var")) | {"LEDGER_DATABASE_URL": url}

    refused = run(env, "projections", "status")

    assert refused.returncode == 1
    assert "LEDGER_DATABASE_URL" in one_line(refused.stderr)
    assert "s3cret" not in refused.stderr
    assert not (tmp_path / "var").exists()


def test_production_without_a_keyring_setting_is_one_line(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    env = production(settings)
    del env["LEDGER_KEYRING_FILE"]

    refused = run(env, "migrate")

    assert refused.returncode == 1
    assert "LEDGER_KEYRING_FILE" in one_line(refused.stderr)


def test_production_with_a_missing_keyring_is_one_line_saying_what_to_do(settings: Settings) -> None:
    refused = run(production(settings), "migrate")

    assert refused.returncode == 1
    line = one_line(refused.stderr)
    assert str(settings.keyring_path) in line and "ledger keys init" in line
    assert not settings.keyring_path.exists()


def test_a_keyring_made_with_keys_init_lets_production_start(settings: Settings) -> None:
    env = production(settings)

    made = run(env, "keys", "init")
    again = run(env, "keys", "init")
    migrated = run(env, "migrate")

    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(settings.keyring_path.stat().st_mode) == 0o600
    assert again.returncode == 1
    assert "already exists" in one_line(again.stderr)
    assert migrated.returncode == 0, migrated.stderr


def test_a_database_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    missing = make_url(POSTGRES_ADMIN_URL).set(database="ledger_no_such_database")
    env = development(Settings(data_dir=tmp_path / "var")) | {
        "LEDGER_DATABASE_URL": missing.render_as_string(hide_password=False)
    }

    refused = run(env, "projections", "status")

    assert refused.returncode == 1
    line = one_line(refused.stderr)
    assert 'database "ledger_no_such_database" does not exist' in line
    assert "LEDGER_DATABASE_URL" in line


def test_a_port_where_nothing_listens_is_one_line(tmp_path: Path) -> None:
    port = free_port()
    env = development(Settings(data_dir=tmp_path / "var")) | {"LEDGER_DATABASE_URL": postgres_url(port, "ledger")}

    refused = run(env, "migrate")

    assert refused.returncode == 1
    line = one_line(refused.stderr)
    assert f"127.0.0.1:{port}" in line and "connection refused" in line.lower()


def test_a_data_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")

    refused = run(development(Settings(data_dir=blocker / "var")), "migrate")

    assert refused.returncode == 1
    assert str(blocker) in one_line(refused.stderr)


def test_the_readme_shows_the_line_a_person_gets_with_the_database_down(tmp_path: Path) -> None:
    port = free_port()
    env = development(Settings(data_dir=tmp_path / "var")) | {"LEDGER_DATABASE_URL": postgres_url(port, "ledger")}

    refused = run(env, "migrate")

    # The README shows it for port 5432; here nothing listens on a free port instead.
    shown = one_line(refused.stderr).replace(f":{port}", ":5432")
    assert shown in README.read_text(encoding="utf-8")


# -- impossible values that only the ledger can refuse ----------------------------------------------


def test_verify_from_past_the_head_says_so_and_fails(ledger: Ledger) -> None:
    register_worker(ledger, a_world(ledger))
    n = head(ledger)

    past = run(development(ledger.settings), "audit", "verify", "--from", str(n + 1))
    at_head = run(development(ledger.settings), "audit", "verify", "--from", str(n))

    assert past.returncode == 2
    line = one_line(past.stderr)
    assert "--from" in line and "past the head" in line and str(n) in line
    assert past.stdout == ""
    assert at_head.returncode == 0, at_head.stderr


# -- files and folders -------------------------------------------------------------------------------


@pytest.mark.parametrize("existing", [False, True])
def test_an_exported_file_is_readable_by_its_owner_only(ledger: Ledger, tmp_path: Path, existing: bool) -> None:
    register_worker(ledger, a_world(ledger))
    out = tmp_path / "export.jsonl"
    if existing:
        out.write_text("an older export\n")
        out.chmod(0o644)

    exported = run(development(ledger.settings), "audit", "export", "--out", str(out))

    assert exported.returncode == 0, exported.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert len(out.read_text(encoding="utf-8").splitlines()) == head(ledger)


def test_an_opened_export_needs_a_reason_and_says_by_when_to_destroy_it(ledger: Ledger, tmp_path: Path) -> None:
    worker = register_worker(ledger, a_world(ledger), family_name="Exportowska")
    out = tmp_path / "opened.jsonl"

    refused = run(development(ledger.settings), "audit", "export", "--open", "--out", str(out))
    pseudonymised = run(development(ledger.settings), "audit", "export", "--out", str(out))
    kept = out.read_text(encoding="utf-8")
    opened = run(
        development(ledger.settings), "audit", "export", "--open", "--reason", "accuracy_check", "--out", str(out)
    )

    assert refused.returncode == 2
    assert "--reason" in one_line(refused.stderr)
    assert pseudonymised.returncode == 0, pseudonymised.stderr
    assert "Exportowska" not in kept and "pseudonym:" in kept
    assert opened.returncode == 0, opened.stderr
    assert "Exportowska" in out.read_text(encoding="utf-8")
    (line,) = [line for line in ProcessingLog(ledger.database.engine).lines(subject_id=worker)]
    assert (line.operation, line.reason_code) == ("export", "accuracy_check")
    assert line.destroy_on is not None
    assert f"destroy it by {line.destroy_on.isoformat()}" in opened.stdout


def test_status_on_an_empty_data_folder_creates_nothing(settings: Settings, tmp_path: Path) -> None:
    before = sorted(tmp_path.rglob("*"))

    status = run(development(settings), "projections", "status")

    assert status.returncode == 1
    assert "ledger migrate" in one_line(status.stderr)
    assert sorted(tmp_path.rglob("*")) == before
    assert not settings.data_dir.exists()


# -- human lines on stdout, JSON logs on stderr ------------------------------------------------------


def test_in_development_the_log_does_not_repeat_the_human_line(settings: Settings) -> None:
    commands = [
        (("migrate",), "schema_migrated", "database schema at revision"),
        (("demo", "--workers", "2"), "demo_appended", "demo: 2 workers"),
        (("audit", "checkpoint"), "audit_checkpoint", "checkpoint: position"),
        (("projections", "rebuild", "residence"), "view_rebuilt", "residence: rebuilt from"),
        (("keys", "rotate"), "keys_rotated", "key epoch"),
    ]
    for argv, event, human in commands:
        done = run(development(settings), *argv)
        assert done.returncode == 0, done.stderr
        assert human in done.stdout
        assert event not in {record["event"] for record in json_records(done.stderr)}, done.stderr

    for argv, event, human in commands[2:]:
        done = run(production(settings), *argv)
        assert done.returncode == 0, done.stderr
        assert human in done.stdout
        assert event in {record["event"] for record in json_records(done.stderr)}, done.stderr


def test_a_dry_run_logs_what_it_would_shred(ledger: Ledger) -> None:
    world = a_world(ledger)
    for _ in range(2):
        worker = register_worker(ledger, world)
        ledger.end_contract(worker, end_date=date(2026, 5, 1))
        ledger.record_departure(worker, departed_on=date(2026, 6, 1))

    dry = run(production(ledger.settings), "retention", "run", "--dry-run", "--on", "2027-07-01")

    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("retention on 2027-07-01: would shred 2,")
    record = next(r for r in json_records(dry.stderr) if r["event"] == "retention_run")
    assert record["would_shred"] == 2
    assert "shredded" not in record


def test_compare_prints_a_summary_not_a_line_per_query(ledger: Ledger, replay_url: str) -> None:
    world = a_world(ledger)
    for _ in range(3):
        register_worker(ledger, world)
    target = replay_url
    instant = datetime.now(ZoneInfo("UTC")).isoformat()

    replayed = run(development(ledger.settings), "audit", "replay", "--as-known-at", instant, "--into", target)
    compared = run(development(ledger.settings), "audit", "compare", target, "--as-known-at", instant)

    assert replayed.returncode == 0, replayed.stderr
    assert compared.returncode == 0, compared.stderr
    summary = one_line(compared.stdout)
    queries = int(summary.split(" ", 1)[0])
    assert queries > 10 and summary.endswith(": 0 differ")


def test_the_scheduler_logs_the_nightly_time_when_it_starts(tmp_path: Path) -> None:
    env = development(Settings(data_dir=tmp_path / "var"))
    scheduler = subprocess.Popen(
        ledger_command("scheduler", "--at", "03:15"),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        started = _first_record(scheduler, "scheduler_started")
    finally:
        scheduler.send_signal(signal.SIGTERM)
        assert scheduler.wait(timeout=TIMEOUT_S) == 0

    assert started["retention_at"] == "03:15"
    assert started["timezone"] == "Europe/Amsterdam"
    next_run = datetime.fromisoformat(started["next_run_at"])
    local = next_run.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert (local.hour, local.minute) == (3, 15)
    assert next_run > datetime.now(ZoneInfo("UTC"))


def _first_record(process: subprocess.Popen[bytes], event: str) -> dict[str, Any]:
    """The first log record of `event` the process writes on stderr (within the time limit)."""
    assert process.stderr is not None
    stderr = process.stderr.fileno()
    deadline = time.monotonic() + TIMEOUT_S
    pending = b""
    with selectors.DefaultSelector() as selector:
        selector.register(stderr, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                continue
            chunk = os.read(stderr, 65536)
            assert chunk, "the process ended without logging " + event
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                record: dict[str, Any] = json.loads(line)
                if record["event"] == event:
                    return record
    pytest.fail(f"no {event} within {TIMEOUT_S} s")


# -- progress on a terminal, quiet otherwise ---------------------------------------------------------

# Each long job, and the description of its progress bar.
LONG_JOBS: list[tuple[tuple[str, ...], str]] = [
    (("demo", "--workers", "4"), "demo"),
    (("projections", "rebuild", "--processes", "2"), "projections rebuild"),
    (("audit", "verify"), "audit verify"),
    (("projections", "verify"), "projections verify"),
    (("audit", "replay", "--as-known-at", "2100-01-01T00:00:00Z", "--into", "{target}"), "audit replay"),
    (("retention", "run", "--dry-run", "--on", "2100-01-01"), "retention run"),
    (("keys", "rotate"), "keys rotate"),
]


def _long_jobs(target: str) -> list[tuple[list[str], str]]:
    return [([arg.format(target=target) for arg in argv], description) for argv, description in LONG_JOBS]


def test_long_jobs_are_quiet_when_stderr_is_not_a_terminal(migrated: Settings, replay_url: str) -> None:
    for argv, _ in _long_jobs(replay_url):
        done = run(development(migrated), *argv)
        assert done.returncode == 0, done.stderr
        assert "\r" not in done.stderr and "%|" not in done.stderr
        json_records(done.stderr)  # nothing on stderr but log records


def test_long_jobs_show_progress_on_a_terminal(migrated: Settings, replay_url: str) -> None:
    for argv, description in _long_jobs(replay_url):
        status, stdout, terminal = _run_on_a_terminal(development(migrated), *argv)
        assert status == 0, terminal
        assert re.search(rf"{re.escape(description)}: +\d+%\|", terminal), (description, terminal)
        assert "%|" not in stdout


def _run_on_a_terminal(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run `ledger ARGS…` with stderr on a pseudo-terminal (80 columns); its status, stdout, and the terminal."""
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(
        ledger_command(*args), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=secondary
    )
    os.close(secondary)
    received: list[bytes] = []

    def read_terminal() -> None:
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: every process holding the terminal has ended
                return
            if not chunk:
                return
            received.append(chunk)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    try:
        stdout, _ = process.communicate(timeout=TIMEOUT_S)
        reader.join(timeout=TIMEOUT_S)
    finally:
        os.close(main)
    return process.returncode, stdout.decode(), b"".join(received).decode(errors="replace")
