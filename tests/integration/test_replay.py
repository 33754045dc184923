"""Replay to an instant: the read models rebuilt from the events known then answer as the live ones `asKnownAt` then.

A scripted history (registrations, an over-full house, a move, a back-dated
move, a raised limit, a departure, a correction, a shred) is replayed into a
separate database at five instants during it; at each, every query the
auditor's comparison asks must answer the same on both sides.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cli.parser import build_parser
from ledger.application.core import Receipt
from ledger.application.service import Ledger
from ledger.persistence.database import create_ledger_engine
from projections.replay import compare, replay
from tests.conftest import PostgresDatabase
from tests.factories import a_world, register_worker

DAYS = [date(2026, 4, 1), date(2026, 4, 20), date(2026, 5, 1), date(2026, 5, 20), date(2026, 6, 1), date(2026, 7, 1)]


@pytest.fixture
def target_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A separate, empty database to replay into."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'replay' / 'replayed.db'}"
        return
    database = PostgresDatabase()
    database.create()
    try:
        yield database.url
    finally:
        database.discard()


@pytest.fixture
def target(ledger: Ledger, target_url: str) -> Iterator[Engine]:
    settings = ledger.settings.model_copy(update={"database_url": target_url})
    settings.prepare_data_dir()
    engine = create_ledger_engine(settings)
    try:
        yield engine
    finally:
        engine.dispose()


def recorded_at(ledger: Ledger, receipt: Receipt) -> datetime:
    """The instant the ledger recorded the write of `receipt`."""
    event = next(iter(ledger.events.get(receipt.id, gt=receipt.version - 1, lte=receipt.version)))
    return event.timestamp  # type: ignore[attr-defined, no-any-return]


def scripted_history(ledger: Ledger) -> list[datetime]:
    """Write a history with back-dated changes and corrections; five instants during it."""
    world = a_world(ledger, max_occupants=2)
    anna = register_worker(ledger, world, nationality="POL")
    piotr = register_worker(ledger, world, family_name="Nowak", nationality="POL")
    instants = [datetime.now(UTC)]
    ion = register_worker(ledger, world, family_name="Popescu", nationality="ROU")  # the house is over-full
    ledger.change_housing(anna, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
    instants.append(datetime.now(UTC))
    ledger.change_occupancy_limit(world.location_id, max_occupants=3, valid_from=date(2026, 5, 15))
    back_dated = ledger.change_housing(piotr, housing_location_id=world.other_location_id, valid_from=date(2026, 4, 20))
    instants.append(recorded_at(ledger, back_dated))  # exactly an event's instant: "at or before" includes it
    ledger.record_departure(ion, departed_on=date(2026, 6, 1))
    # A correction: the same valid-from recorded again, later; the later one wins.
    ledger.change_housing(anna, housing_location_id=world.location_id, valid_from=date(2026, 5, 1))
    instants.append(datetime.now(UTC))
    register_worker(ledger, world, family_name="Dimitrova", nationality="BGR")
    ledger.shred_subject(piotr, policy="erasure_request")
    ledger.change_housing(ion, housing_location_id=world.other_location_id, valid_from=date(2026, 6, 10))
    instants.append(datetime.now(UTC))
    return instants


def run_command(ledger: Ledger, *argv: str) -> int:
    args: argparse.Namespace = build_parser().parse_args(argv)
    exit_status: int = args.func(ledger.settings, args)
    return exit_status


def test_replay_to_five_instants_equals_the_live_as_known_at_answers(ledger: Ledger, target: Engine) -> None:
    instants = scripted_history(ledger)

    for instant in instants:
        report = replay(ledger, as_known_at=instant, into=target)
        checks = compare(ledger, target, as_known_at=instant, days=DAYS)

        assert [(c.query, c.difference) for c in checks if not c.ok] == [], f"as known at {instant}"
        kinds = {c.query.split(" ")[0] for c in checks}
        assert kinds == {"occupancy", "residents", "headcounts", "residence"}
        assert report.views == ("residence", "register", "alerts", "inspections", "directory", "flows")
    assert report.events == ledger.recorder.max_notification_id()


def test_a_replay_to_another_instant_does_not_compare_equal(ledger: Ledger, target: Engine) -> None:
    instants = scripted_history(ledger)
    replay(ledger, as_known_at=instants[1], into=target)

    differing = [c.query for c in compare(ledger, target, as_known_at=instants[3], days=DAYS) if not c.ok]

    assert any(query.startswith("occupancy") for query in differing)
    assert any(query.startswith("residence history") for query in differing)


def test_the_ledger_commands_replay_and_compare(
    ledger: Ledger, target_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    instants = scripted_history(ledger)
    then, later = (instant.isoformat() for instant in instants[2:4])

    assert run_command(ledger, "audit", "replay", "--as-known-at", then, "--into", target_url) == 0
    assert run_command(ledger, "audit", "compare", target_url, "--as-known-at", then) == 0
    assert run_command(ledger, "audit", "compare", target_url, "--as-known-at", later, "--on", "2026-05-20") == 1

    out = capsys.readouterr().out.splitlines()
    replayed = [line for line in out if line.startswith("replayed ")]
    assert len(replayed) == 1 and replayed[0].endswith(": residence, register, alerts, inspections, directory, flows")
    summaries = [line for line in out if " queries asKnownAt " in line]
    assert summaries[0].endswith(": 0 differ") and not summaries[1].endswith(": 0 differ")
    assert any(line.startswith("DIFF: occupancy ") for line in out)


def test_replay_refuses_a_database_that_holds_a_ledger(ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    scripted_history(ledger)
    live_url = ledger.settings.database_url or f"sqlite:///{ledger.settings.sqlite_path}"

    refused = run_command(ledger, "audit", "replay", "--as-known-at", "2026-06-15T10:00:00Z", "--into", live_url)

    assert refused == 1
    assert "holds a ledger's events" in capsys.readouterr().err
