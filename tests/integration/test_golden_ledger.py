"""Old ledgers keep working: the golden ledger, written by the code of 7f54471, read by the code of today.

`tests/golden/data/<backend>/` holds a ledger that the code of commit
7f54471 wrote on each backend (docs/golden-ledger.md): every event type the
domain had, canary personal values, subjects shredded by retention and on
request, and what that code made of it — every event as the auditor's feed
showed it, every view's rows, the retention due dates, an audit checkpoint.
Each test restores a fresh copy, brings its schema to today's head (as
`ledger migrate` would) and checks that today's code still reads it: the
stored topics resolve, every event decodes with its personal fields opened
(or shredded, where they were), the chain verifies, a rebuild of every view
gives the old rows, and the retention job finds the old subjects, the old
inspections' notes falling due on their dates and shredded.

A failure names the position, event, view, table, row or column that
differs. A change on purpose to what an old event or row reads as is not
fixed by regenerating the fixture (never after a module move): write it into
`CHANGED_ON_PURPOSE` with the reason.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import resolve_topic

from cli.parser import build_parser
from jobs.retention import DueSubject, due_subjects, run_retention
from ledger.application.retention import load_policies
from ledger.application.service import Ledger
from ledger.audit.event_documents import event_document
from ledger.domain.inspection import Inspection
from ledger.domain.values import SHREDDED
from ledger.persistence.migrations import upgrade
from ledger.settings import Settings
from ledger.system import open_database, open_ledger
from projections.registry import build_view_runners
from projections.runner import ViewRunner
from tests.conftest import PostgresDatabase, fixed_clock
from tests.golden.contents import (
    DATA,
    FIXTURE_COMMIT,
    checksums,
    claim_rows,
    forget_claims,
    plaintext_found,
    read_checksums,
    read_json,
    table_rows,
)

# Far enough ahead that every subject whose registration has ended is due by then.
END_OF_TIME = date(2100, 12, 31)

# Event fields ("Type.field") and view columns ("view.table.column") whose reading changed on purpose since
# the fixture was built, each with the reason; they are left out of the comparison. Empty: nothing did.
CHANGED_ON_PURPOSE: dict[str, str] = {}

# Subjects whose retention due date a rule changed on purpose: subject id -> (what is due now, or None; why).
# Issue 16 §4: a registration that reports no end goes stale, and its retention clock starts
# LEDGER_STALE_RETENTION_MONTHS after it became stale (docs/retention.md), so the fixture's two workers that
# are still registered without an end now come due.
DUE_CHANGED_ON_PURPOSE: dict[str, tuple[dict[str, Any] | None, str]] = {
    "0b43c2ee17cb49f6b3fe5c5ca554e53e": (
        {
            "subjectId": "0b43c2ee17cb49f6b3fe5c5ca554e53e",
            "subjectType": "worker",
            "policy": "worker_registration",
            "dueOn": "2027-11-29",
            "legalHolds": [],
        },
        "a stale registration's retention clock starts (issue 16 §4)",
    ),
    "a3d96c80ebbe449d94c56b9a4a54e9c9": (
        {
            "subjectId": "a3d96c80ebbe449d94c56b9a4a54e9c9",
            "subjectType": "worker",
            "policy": "worker_registration",
            "dueOn": "2028-02-01",
            "legalHolds": [],
        },
        "a stale registration's retention clock starts (issue 16 §4)",
    ),
    "f1cdacb1af5e45299c7788aacd330995": (
        {
            "subjectId": "f1cdacb1af5e45299c7788aacd330995",
            "subjectType": "inspection",
            "policy": "sanction_fine",
            "dueOn": "2033-04-20",
            "legalHolds": [],
        },
        "a warning is no sanction (Awb art. 5:2): the fine's 7 years count, not enforcement's 10 (issue 16 §4)",
    ),
}


def _expected_due(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The subjects the old code found due, with the changes made on purpose since."""
    expected = [s for s in manifest["due"] if s["subjectId"] not in DUE_CHANGED_ON_PURPOSE]
    return expected + [due for due, _why in DUE_CHANGED_ON_PURPOSE.values() if due is not None]


# How many differences a failure lists (the rest are counted).
SHOWN = 25


@dataclass
class Golden:
    """A restored copy of the golden ledger of one backend, migrated to today's head, and what was built with it."""

    settings: Settings
    ledger: Ledger
    manifest: dict[str, Any]
    events: list[dict[str, Any]]
    views: dict[str, Any]


def _restore_sqlite(source: Path, data_dir: Path) -> Settings:
    data_dir.mkdir(mode=0o700)
    for name in ("ledger.db", "keys.db"):
        shutil.copyfile(source / name, data_dir / name)
    return Settings(data_dir=data_dir, database_url=None)


def _restore_postgresql(source: Path, data_dir: Path, database: PostgresDatabase) -> Settings:
    data_dir.mkdir(mode=0o700)
    database.create()
    settings = Settings(data_dir=data_dir, database_url=database.url)
    url = settings.url
    subprocess.run(
        [
            "psql",
            "-q",
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            "-f",
            str(source / "ledger.sql"),
            url.database or "",
        ],
        check=True,
        capture_output=True,
    )
    return settings


@pytest.fixture
def golden(backend: str, tmp_path: Path) -> Iterator[Golden]:
    source = DATA / backend
    manifest = read_json(source / "manifest.json")
    database = PostgresDatabase() if backend == "postgresql" else None
    data_dir = tmp_path / "var"
    settings = (
        _restore_sqlite(source, data_dir) if database is None else _restore_postgresql(source, data_dir, database)
    )
    # Git keeps no file modes; the keyring must be the owner's alone.
    shutil.copyfile(source / "keyring", settings.keyring_path)
    settings.keyring_path.chmod(0o600)
    try:
        with open_database(settings) as opened:
            upgrade(opened.engine, opened.key_engine)  # as `ledger migrate` brings an old ledger to today's schema
        with open_ledger(settings, clock=fixed_clock) as ledger:
            yield Golden(
                settings, ledger, manifest, read_json(source / "events.json"), read_json(source / "views.json")
            )
    finally:
        if database is not None:
            database.discard()


def _fail_listing(what: str, differences: list[str]) -> None:
    if differences:
        more = f"\n… and {len(differences) - SHOWN} more" if len(differences) > SHOWN else ""
        pytest.fail(f"{what} ({len(differences)}):\n" + "\n".join(differences[:SHOWN]) + more)


def test_the_fixture_is_byte_for_byte_as_it_was_built() -> None:
    built, found = read_checksums(), checksums()

    changed = sorted(name for name in built.keys() | found.keys() if built.get(name) != found.get(name))
    assert changed == [], (
        f"tests/golden/data changed since it was built: {changed}. A search-and-replace over the tree (a module"
        " move) must leave the fixture alone: it is what old code wrote (docs/golden-ledger.md)"
    )


def test_the_golden_ledger_was_written_by_the_fixture_commit(golden: Golden) -> None:
    assert golden.manifest["commit"].startswith(FIXTURE_COMMIT)
    assert golden.manifest["backend"] == golden.settings.backend
    # Each event type of the domain then, at least once (build.py refuses a ledger without one).
    assert {event["topic"] for event in golden.events} == set(golden.manifest["topics"])


def test_every_stored_topic_resolves_to_the_event_class_it_named(golden: Golden) -> None:
    stored = golden.ledger.recorder.select_notifications(start=1, limit=len(golden.events) + 1)
    assert [(n.id, n.topic) for n in stored] == [(e["position"], e["topic"]) for e in golden.events], (
        "the restored log is not the golden log"
    )

    differences: list[str] = []
    for event in golden.events:
        try:
            cls = resolve_topic(event["topic"])
        except Exception as error:  # a moved module or class whose old topic was not registered
            differences.append(
                f"position {event['position']}: topic {event['topic']!r} does not resolve"
                f" ({type(error).__name__}: {error}); register the moved class under its old topic"
                " (eventsourcing.utils.register_topic, docs/golden-ledger.md)"
            )
            continue
        if cls.__qualname__ != event["document"]["type"]:
            differences.append(
                f"position {event['position']}: topic {event['topic']!r} resolves to {cls.__qualname__},"
                f" not {event['document']['type']}"
            )
    _fail_listing("stored topics that no longer resolve to their event class", differences)


def _document_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between an event's document then and now: the old members only (a new version may add some)."""
    where = f"position {old['position']} ({old['type']} of {old['aggregateId']} v{old['version']})"
    differences = [
        f"{where}: {member} was {old[member]!r}, now {new.get(member)!r}"
        for member in ("position", "recordedAt", "aggregateId", "version", "type", "shredded")
        if new.get(member) != old[member]
    ]
    for name, value in old["data"].items():
        if f"{old['type']}.{name}" in CHANGED_ON_PURPOSE:
            continue
        if name not in new["data"]:
            differences.append(f"{where}: field {name} is gone (upcast it: bump class_version, add upcast_vN_vN+1)")
        elif new["data"][name] != value:
            differences.append(f"{where}: field {name} was {value!r}, now {new['data'][name]!r}")
    for name in sorted(set(old["shreddedFields"]) ^ set(new.get("shreddedFields", []))):
        state = "shredded" if name in old["shreddedFields"] else "open"
        differences.append(f"{where}: field {name} was {state}, now it is not")
    return differences


def test_every_stored_event_decodes_with_its_personal_fields_as_they_were(golden: Golden) -> None:
    ledger = golden.ledger
    differences: list[str] = []
    opened = shredded = 0
    for event in golden.events:
        old = event["document"]
        (notification,) = ledger.recorder.select_notifications(start=event["position"], limit=1)
        try:
            domain_event = ledger.mapper.to_domain_event(notification)
        except Exception as error:
            differences.append(
                f"position {old['position']} ({old['type']}): does not decode: {type(error).__name__}: {error}"
            )
            continue
        differences += _document_differences(old, event_document(domain_event, notification.id))
        personal = getattr(type(domain_event), "personal_fields", ())
        values = [getattr(domain_event, name, None) for name in personal]
        opened += sum(1 for value in values if value is not None and value is not SHREDDED)
        shredded += sum(1 for value in values if value is SHREDDED)

    _fail_listing("events that no longer read as the code of the fixture read them", differences)
    # The comparison above is about something: canaries opened, and shredded subjects' fields shredded.
    assert (opened, shredded) == (
        golden.manifest["personalFields"]["opened"],
        golden.manifest["personalFields"]["shredded"],
    )


def test_every_aggregate_loads_at_its_last_version(golden: Golden) -> None:
    last: dict[str, int] = {}
    for event in golden.events:
        last[event["document"]["aggregateId"]] = event["document"]["version"]
    differences: list[str] = []
    for aggregate_id, version in last.items():
        for how, load in (("get", golden.ledger.get), ("get_facts", golden.ledger.get_facts)):
            try:
                aggregate = load(Aggregate, UUID(aggregate_id))
            except Exception as error:
                differences.append(f"{aggregate_id}: {how} fails: {type(error).__name__}: {error}")
                continue
            if aggregate.version != version:
                differences.append(f"{aggregate_id}: {how} gives version {aggregate.version}, not {version}")
    _fail_listing("aggregates of the golden ledger that no longer load", differences)


def _ledger_audit(settings: Settings, *argv: str) -> int:
    args: argparse.Namespace = build_parser().parse_args(["audit", *argv])
    status: int = args.func(settings, args)
    return status


def test_ledger_audit_verify_passes_over_the_whole_chain_and_from_the_checkpoint(
    golden: Golden, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = golden.manifest["checkpoint"]
    capsys.readouterr()

    assert _ledger_audit(golden.settings, "verify", "--workers", "1") == 0
    assert capsys.readouterr().out == f"ok: {len(golden.events)} events checked\n"

    assert _ledger_audit(golden.settings, "verify", "--checkpoint", "--workers", "1") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"checkpoint: position {checkpoint['position']} link {checkpoint['link']} (recorded ")
    assert lines[1] == f"ok: {len(golden.events) - checkpoint['position']} events checked"


def test_the_claims_backfill_finds_the_old_registrations(golden: Golden) -> None:
    # A ledger migrated from before claims (0008) builds them from the events, selected by their topics.
    forget_claims(golden.ledger.database.engine)
    with open_ledger(golden.settings, clock=fixed_clock):
        pass

    found = claim_rows(golden.ledger.database.engine)

    expected = golden.manifest["claims"]
    differences = [f"claimed then, not now: {c}" for c in expected if c not in found]
    differences += [f"claimed now, not then: {c}" for c in found if c not in expected]
    _fail_listing("claims the backfill builds from the old events", differences)


def _row_key(row: dict[str, Any], key: list[str]) -> str:
    return ", ".join(f"{name}={row[name]}" for name in key)


def _table_differences(where: str, old: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """Rows only then, only now, and (matched by key) the columns that differ."""
    key: list[str] = old["key"] or old["columns"]
    then = {_row_key(row, key): row for row in old["rows"]}
    now = {_row_key(row, key): row for row in rows}
    differences = [f"{where}: row {k} was built then, not now: {then[k]}" for k in sorted(then.keys() - now.keys())]
    differences += [f"{where}: row {k} is built now, not then: {now[k]}" for k in sorted(now.keys() - then.keys())]
    for k in sorted(then.keys() & now.keys()):
        differences += [
            f"{where}: row {k}: column {column} was {then[k][column]!r}, now {now[k][column]!r}"
            for column in old["columns"]
            if then[k][column] != now[k][column]
        ]
    if not differences and len(rows) != len(old["rows"]):
        differences.append(f"{where}: {len(old['rows'])} rows then, {len(rows)} now (rows repeated)")
    return differences


def test_a_rebuild_of_every_view_gives_the_rows_the_old_code_built(golden: Golden) -> None:
    ledger = golden.ledger
    runners = {runner.name: runner for runner in build_view_runners(ledger)}
    head = ledger.recorder.max_notification_id()
    differences: list[str] = []
    for name, view in golden.views.items():
        runner = runners.get(name)
        if runner is None:
            differences.append(f"view {name}: no longer built (the code of the fixture built it)")
            continue
        runner.rebuild()
        assert runner.position() == head, f"view {name} stopped at {runner.position()}: {runner.view.stopped()}"
        tables = {t.name: t for t in runner.view.tables}
        with runner.view.engine.connect() as conn:
            for table_name, old in view["tables"].items():
                where = f"view {name}, table {table_name}"
                current = tables.get(table_name)
                if current is None:
                    differences.append(f"{where}: the view has no such table any more")
                    continue
                gone = [c for c in old["columns"] if c not in current.c]
                if gone:
                    differences.append(f"{where}: columns gone: {gone}")
                    continue
                columns = [c for c in old["columns"] if f"{name}.{table_name}.{c}" not in CHANGED_ON_PURPOSE]
                rows = table_rows(conn, current, columns, ledger.keys)
                differences += _table_differences(where, {**old, "columns": columns}, rows)
    _fail_listing("view rows that a rebuild no longer gives as the code of the fixture built them", differences)


def _catch_up(ledger: Ledger) -> list[ViewRunner]:
    # The views as `ledger migrate` and the runner leave them: a migration may have emptied one for a rebuild.
    runners = build_view_runners(ledger)
    for runner in runners:
        runner.catch_up()
    return runners


def _due(subject: DueSubject) -> dict[str, Any]:
    return {
        "subjectId": subject.subject_id.hex,
        "subjectType": subject.subject_type,
        "policy": subject.policy,
        "dueOn": subject.due_on.isoformat(),
        "legalHolds": list(subject.legal_holds),
    }


def test_the_retention_job_finds_the_old_subjects_due_when_the_old_code_did(golden: Golden) -> None:
    ledger = golden.ledger
    _catch_up(ledger)

    found = [_due(s) for s in due_subjects(ledger, ledger.database.engine, load_policies(), on=END_OF_TIME)]

    expected = _expected_due(golden.manifest)
    differences = [f"due then, not now: {s}" for s in expected if s not in found]
    differences += [f"due now, not then: {s}" for s in found if s not in expected]
    _fail_listing(f"subjects the retention job finds due by {END_OF_TIME}", differences)


def test_the_old_inspections_notes_fall_due_on_their_dates_and_are_shredded(golden: Golden) -> None:
    ledger = golden.ledger
    _catch_up(ledger)
    policies = load_policies()
    inspections = [s for s in _expected_due(golden.manifest) if s["subjectType"] == "inspection"]
    assert len(inspections) == golden.manifest["inspectionsWithNotes"], "the fixture's inspections with open notes"

    differences: list[str] = []
    for subject in inspections:
        due_on = date.fromisoformat(subject["dueOn"])
        before = {
            s.subject_id.hex for s in due_subjects(ledger, ledger.database.engine, policies, on=due_on - timedelta(1))
        }
        on_the_day = {
            s.subject_id.hex: s.policy for s in due_subjects(ledger, ledger.database.engine, policies, on=due_on)
        }
        if subject["subjectId"] in before:
            differences.append(f"inspection {subject['subjectId']}: due before {due_on}")
        if on_the_day.get(subject["subjectId"]) != subject["policy"]:
            differences.append(
                f"inspection {subject['subjectId']}: on {due_on} due under {on_the_day.get(subject['subjectId'])},"
                f" not {subject['policy']}"
            )
    _fail_listing("old inspections whose notes do not fall due as they did", differences)

    last_due = max(date.fromisoformat(s["dueOn"]) for s in inspections)
    report = run_retention(ledger, ledger.database.engine, policies, on=last_due)

    shredded = {s.subject_id.hex for s in report.shredded}
    assert report.failed == []
    for subject in inspections:
        inspection_id = UUID(subject["subjectId"])
        assert subject["subjectId"] in shredded, f"inspection {inspection_id} was not shredded"
        assert ledger.get(Inspection, inspection_id).notes is SHREDDED
        last = ledger.repository.event_store.get(inspection_id, desc=True, limit=1)
        (event,) = list(last)
        assert isinstance(event, Inspection.PersonalDataShredded)
        assert (event.policy, event.due_on.isoformat() if event.due_on else None, event.reason_code) == (
            subject["policy"],
            subject["dueOn"],
            "retention",
        )


def test_no_canary_stands_in_plain_text_after_a_rebuild_and_a_retention_run(golden: Golden) -> None:
    ledger = golden.ledger
    for runner in build_view_runners(ledger):
        runner.rebuild()
    run_retention(ledger, ledger.database.engine, load_policies(), on=END_OF_TIME)
    tokens = golden.manifest["canaries"]
    assert tokens, "the fixture names its canaries"

    assert plaintext_found(ledger.database.engine, tokens) == []


def test_what_was_shredded_then_stays_shredded(golden: Golden) -> None:
    shredded = {e["document"]["aggregateId"] for e in golden.events if e["document"]["shredded"]}
    assert shredded, "the fixture has shredded subjects"

    # Their keys stay destroyed: a subject that opened again would be a shred undone.
    assert golden.ledger.keys.data_keys(UUID(s) for s in shredded) == {}
