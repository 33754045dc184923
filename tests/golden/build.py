"""Build the golden ledger: a ledger written by the code of commit 7f54471, on SQLite and on PostgreSQL.

    .venv/bin/python -m tests.golden.build            # from the repository's root

writes `tests/golden/data/<backend>/`: the ledger itself (SQLite: `ledger.db`
and `keys.db`; PostgreSQL: `ledger.sql`, a plain-SQL `pg_dump`), its
`keyring`, and what that code made of it — `events.json` (every event as the
auditor's feed showed it, personal fields opened), `views.json` (every view's
rows, sealed columns opened) and `manifest.json` (the commit, the stored
topics, the cast of subjects, the retention due dates, the audit checkpoint,
the canaries).

**Never regenerate it after a module moves** (docs/golden-ledger.md): the
fixture is what proves that today's code still reads what old code wrote, so
it must be written by old code. The script refuses to run unless the code it
imports (`src/`, `migrations/`) is that of `FIXTURE_COMMIT`: to rebuild it on
purpose (a fixture lost, or a story extended), check that commit out in a
worktree of its own, set up its `.venv` there, and run this script from this
repository's root with that `.venv`'s Python, whose editable install imports
the old code.

The story is fixed: worker and inspection ids come from a seeded generator,
every event's timestamp from a story clock (days from 2019 to 2026, one
second between events), and every personal value is a canary — names,
document numbers and free texts carry the word "Kanarie", and the BSNs are
listed — that must never be found in plain text in a database. Both backends
are built from the same story, so they hold the same ids and dates.
"""
# This script imports the module paths of 7f54471 (ledger.bootstrap, projections.retention, …), which today's
# tree no longer has: the import sorter would take them for third-party modules, so it is told to leave them.
# ruff: noqa: I001

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import UUID

import eventsourcing.domain
import psycopg
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic, resolve_topic
from pydantic.alias_generators import to_camel
from sqlalchemy import make_url

import ledger as ledger_package
import ledger.domain
from ledger.application import Ledger
from ledger.audit import AuditChain
from ledger.bootstrap import open_keystore, open_ledger
from ledger.domain.values import SHREDDED
from ledger.logs import configure_logging
from ledger.migrations import current_revision, upgrade
from ledger.retention import load_policies
from ledger.settings import Settings
from projections.registry import build_view_runners
from projections.retention import due_subjects, run_retention
from tests.golden.contents import (
    DATA,
    FIXTURE_COMMIT,
    claim_rows,
    forget_claims,
    plaintext_found,
    stored_events,
    view_tables,
    write_checksums,
    write_json,
)
from tests.golden.story import CANARY, Story, StoryClock, tell

ADMIN_URL = os.environ.get("LEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SEED = 20260615
# The retention job's horizon when the fixture records what is due.
END_OF_TIME = date(2100, 12, 31)


# -- determinism: ids and timestamps -----------------------------------------------------------------


@contextmanager
def fixed_story(clock: StoryClock) -> Iterator[None]:
    """Timestamps from `clock` and ids from a seeded generator, for the code that makes them (not changed)."""
    ids = random.Random(SEED)

    def next_id() -> UUID:
        return UUID(int=ids.getrandbits(128), version=4)

    patches: list[tuple[Any, str, Any]] = [
        (eventsourcing.domain, "datetime_now_with_tzinfo", clock.stamp),
        (importlib.import_module("ledger.domain.worker"), "uuid4", next_id),
        (importlib.import_module("ledger.domain.inspection"), "uuid4", next_id),
    ]
    saved = [(target, name, getattr(target, name)) for target, name, _ in patches]
    for target, name, value in patches:
        setattr(target, name, value)
    try:
        yield
    finally:
        for target, name, value in saved:
            setattr(target, name, value)


def tell_the_story(app: Ledger, clock: StoryClock) -> Story:
    """Tell the story (`tests.golden.story`) into `app`, the retention job run where it says, the views caught up."""
    policies = load_policies()

    def retention_run(on: date) -> None:
        for runner in build_view_runners(app):  # the job reads the register: bring it up to date first
            runner.catch_up()
        report = run_retention(app, app.keys.engine, policies, on=on)
        assert not report.failed, report

    story = Story(app, clock, retention_run)
    tell(story)
    for runner in build_view_runners(app):
        runner.catch_up()
    return story


# -- what the code made of it -------------------------------------------------------------------------


def domain_event_topics() -> set[str]:
    """The topic of every event class the domain declares (the library's implicit base classes left out)."""
    topics: set[str] = set()
    for module_info in pkgutil.iter_modules(ledger.domain.__path__):
        module = importlib.import_module(f"ledger.domain.{module_info.name}")
        for aggregate in vars(module).values():
            if not (isinstance(aggregate, type) and issubclass(aggregate, Aggregate)):
                continue
            if aggregate.__module__ != module.__name__:
                continue
            for name, member in vars(aggregate).items():
                # The library gives each aggregate an `Event` and a `Created` of its own, which nothing triggers.
                if name in ("Event", "Created"):
                    continue
                if isinstance(member, type) and issubclass(member, Aggregate.Event):
                    topics.add(get_topic(member))
    return topics


def personal_field_counts(app: Ledger) -> dict[str, int]:
    """How many personal fields of the stored events open, and how many read as shredded."""
    opened = shredded = 0
    for notification in app.recorder.select_notifications(start=1, limit=100_000):
        event = app.mapper.to_domain_event(notification)
        for name in getattr(type(event), "personal_fields", ()):
            value = getattr(event, name, None)
            opened += value is not None and value is not SHREDDED
            shredded += value is SHREDDED
    return {"opened": opened, "shredded": shredded}


def check_canaries(events: list[dict[str, Any]], bsns: list[str]) -> None:
    """Every opened personal text of the story carries the canary word, or is one of its BSNs."""
    for event in events:
        document = event["document"]
        for name in getattr(resolve_topic(event["topic"]), "personal_fields", ()):
            value = document["data"][to_camel(name)]
            if name in NOT_TEXT or value is None or document["shredded"]:
                continue
            if CANARY.lower() not in value.lower() and value not in bsns:
                msg = f"position {event['position']}: personal field {name} is not a canary: fix the story"
                raise AssertionError(msg)


# Personal fields that are no free text (a date, a code) and so cannot carry the canary word.
NOT_TEXT = {"birth_date", "id_document_type", "id_document_expires_on"}


def record(app: Ledger, cast: Story, backend: str, source: str) -> tuple[dict[str, Any], list[Any], dict[str, Any]]:
    """The manifest, the events and the views, as the code of the fixture reads them."""
    events = stored_events(app)
    check_canaries(events, cast.bsns)
    topics = sorted({event["topic"] for event in events})
    missing = domain_event_topics() - set(topics)
    if missing:
        msg = f"the story writes no event of {sorted(missing)}: the golden ledger must hold every event type"
        raise AssertionError(msg)
    canaries = [CANARY, *cast.bsns]
    leaked = plaintext_found(app.keys.engine, canaries)
    if leaked:
        msg = f"personal data in plain text: {leaked}"
        raise AssertionError(msg)
    views = {}
    for runner in build_view_runners(app):
        views[runner.name] = {"position": runner.position(), "tables": view_tables(runner.view)}
    due = [
        {
            "subjectId": s.subject_id.hex,
            "subjectType": s.subject_type,
            "policy": s.policy,
            "dueOn": s.due_on.isoformat(),
            "legalHolds": list(s.legal_holds),
        }
        for s in due_subjects(app, app.keys.engine, load_policies(), on=END_OF_TIME)
    ]
    checkpoint = AuditChain(app.recorder, app.keys.engine).latest_checkpoint()
    assert checkpoint is not None
    manifest = {
        "commit": source,
        "backend": backend,
        "builtWith": {name: version(name) for name in ("eventsourcing", "sqlalchemy", "psycopg", "alembic")},
        "schemaRevision": current_revision(app.keys.engine),
        "keystoreRevision": current_revision(app.keys.key_engine, keystore=True),
        "cast": {role: {"id": cast.ids[role], "what": cast.roles[role]} for role in cast.ids},
        "topics": topics,
        "personalFields": personal_field_counts(app),
        "canaries": canaries,
        "checkpoint": {"position": checkpoint.position, "link": checkpoint.link.hex()},
        "due": due,
        "inspectionsWithNotes": sum(1 for s in due if s["subjectType"] == "inspection"),
    }
    return manifest, events, views


# -- building on each backend ------------------------------------------------------------------------------


def source_commit() -> str:
    """The commit of the code imported, refused unless `src/` and `migrations/` are exactly FIXTURE_COMMIT's."""
    root = Path(ledger_package.__file__).resolve().parents[2]

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)

    commit = git("rev-parse", FIXTURE_COMMIT).stdout.strip()
    changed = git("status", "--porcelain", "--", "src", "migrations", "pyproject.toml").stdout.strip()
    differs = git("diff", "--quiet", FIXTURE_COMMIT, "--", "src", "migrations", "pyproject.toml").returncode
    if not commit or changed or differs:
        msg = (
            f"the code imported from {root} is not that of {FIXTURE_COMMIT}: the golden ledger must be written by"
            " the code of its commit only (docs/golden-ledger.md); never regenerate it after a module moves"
        )
        raise SystemExit(msg)
    return commit


def build(backend: str, out: Path, source: str) -> None:
    """Tell the story on `backend` and write the fixture into `out/backend`."""
    target = out / backend
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        data_dir = Path(tmp) / "var"
        database = f"golden_build_{uuid.uuid4().hex[:12]}" if backend == "postgresql" else None
        admin = make_url(ADMIN_URL)
        if database is not None:
            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
        url = None if database is None else admin.set(database=database).render_as_string(hide_password=False)
        settings = Settings(data_dir=data_dir, database_url=url, keystore_url=None, keyring_file=None)
        try:
            keys = open_keystore(settings)
            upgrade(keys.engine, keys.key_engine)
            keys.dispose()
            clock = StoryClock()
            with fixed_story(clock):
                app = open_ledger(settings, clock=clock)
                try:
                    cast = tell_the_story(app, clock)
                    manifest, events, views = record(app, cast, backend, source)
                finally:
                    app.close()
                    app.keys.engine.dispose()
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            if database is None:
                for name in ("ledger.db", "keys.db"):
                    compact_sqlite(data_dir / name, target / name)
            else:
                dump_postgresql(admin.set(database=database), target / "ledger.sql")
            shutil.copyfile(settings.keyring_path, target / "keyring")
            manifest["claims"] = claims_built_again(settings)
            write_json(target / "manifest.json", manifest)
            write_json(target / "events.json", events)
            write_json(target / "views.json", views)
        finally:
            if database is not None:
                with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def claims_built_again(settings: Settings) -> list[dict[str, Any]]:
    """The claims the backfill builds from the stored events (as after migration 0008), on the built ledger.

    Run after the fixture was copied: the fixture keeps the claims its writes made.
    """
    app = open_ledger(settings)
    try:
        forget_claims(app.keys.engine)
        app.backfill_claims()
        return claim_rows(app.keys.engine)
    finally:
        app.close()
        app.keys.engine.dispose()


def compact_sqlite(source: Path, target: Path) -> None:
    """A copy of an SQLite database in one file: its WAL checkpointed, free pages dropped (VACUUM INTO)."""
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM INTO ?", (str(target),))
    conn.close()


def dump_postgresql(url: Any, target: Path) -> None:
    """A plain-SQL `pg_dump` of the database, without owners and grants, restorable by `psql`."""
    subprocess.run(
        [
            "pg_dump",
            "--no-owner",
            "--no-privileges",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            "-f",
            str(target),
            url.database,
        ],
        check=True,
    )
    # pg_dump 15.14 and later fence the script with `\restrict KEY` and `\unrestrict KEY` (CVE-2025-8714);
    # a psql before those releases refuses the commands. The dump is ours, so the fence is left out.
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    target.write_text("".join(line for line in lines if not line.startswith(("\\restrict", "\\unrestrict"))))


def main(argv: list[str] | None = None) -> int:
    """Build the golden ledger of each backend asked for."""
    parser = argparse.ArgumentParser(prog="python -m tests.golden.build", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA, help="where to write (default: tests/golden/data)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append", help="default: both")
    args = parser.parse_args(argv)
    source = source_commit()
    configure_logging("WARNING")
    for backend in args.backend or ("sqlite", "postgresql"):
        build(backend, args.out, source)
        print(f"golden ledger ({backend}) written to {args.out / backend} by the code of {source}")
    write_checksums(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
