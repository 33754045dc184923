"""`ledger projections verify`: every view against a rebuild from zero, row by row.

It is ok on views built by their projections (including after shreds and
back-dated changes), and reports the view and table of a row altered by hand.
"""

from __future__ import annotations

import argparse
from datetime import date

import pytest
from sqlalchemy import func, select, text, update

from cli.parser import build_parser
from ledger.application.service import Ledger
from projections.consistency import verify_views
from projections.register_tables import register_workers
from projections.registry import build_view_runners
from projections.residence import residence_history
from tests.factories import a_world, register_worker


def run_command(ledger: Ledger, *argv: str) -> int:
    args: argparse.Namespace = build_parser().parse_args(argv)
    exit_status: int = args.func(ledger.settings, args)
    return exit_status


@pytest.fixture
def history(ledger: Ledger) -> Ledger:
    """A few workers, moves (one back-dated), a departure and a shred; the views followed part of it."""
    world = a_world(ledger, max_occupants=2)
    workers = [register_worker(ledger, world, family_name=n) for n in ("Kowalska", "Nowak", "Popescu")]
    ledger.change_housing(workers[0], housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
    for runner in build_view_runners(ledger):
        runner.catch_up()
    # The rest the views have not seen yet: verify brings them up to date first.
    ledger.change_housing(workers[1], housing_location_id=world.other_location_id, valid_from=date(2026, 4, 20))
    ledger.record_departure(workers[2], departed_on=date(2026, 6, 1))
    ledger.shred_subject(workers[1], policy="erasure_request")
    return ledger


def test_verify_is_ok_when_every_view_is_what_its_projection_built(
    history: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_command(history, "projections", "verify") == 0

    out = capsys.readouterr().out
    head = history.recorder.max_notification_id()
    for name in ("residence", "register", "alerts"):
        assert f"{name}: ok (" in out
        assert f"rows at position {head})" in out


def test_verify_reports_a_view_row_altered_by_hand(history: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    for runner in build_view_runners(history):
        runner.catch_up()
    engine = history.database.engine
    with engine.begin() as conn:
        first = conn.execute(select(func.min(residence_history.c.row_id))).scalar_one()
        conn.execute(
            update(residence_history).where(residence_history.c.row_id == first).values(valid_from=date(2026, 3, 1))
        )

    assert run_command(history, "projections", "verify") == 1

    out = capsys.readouterr().out
    assert "residence: DIFF at position" in out
    assert "  residence_history: 1 rows only in the live view, 1 only in the rebuild (first: worker_id=" in out
    assert "register: ok (" in out and "alerts: ok (" in out


def test_a_deleted_row_and_a_sealed_value_removed_are_differences(history: Ledger) -> None:
    for runner in build_view_runners(history):
        runner.catch_up()
    with history.database.engine.begin() as conn:
        conn.execute(text("DELETE FROM alert_workers WHERE worker_id = (SELECT MIN(worker_id) FROM alert_workers)"))
        conn.execute(update(register_workers).where(register_workers.c.shredded.is_(False)).values(sealed_bsn="x"))

    checks = {check.view: check for check in verify_views(history)}

    assert checks["residence"].ok
    assert checks["alerts"].differences[0].startswith("alert_workers: 0 rows only in the live view, 1 only in the")
    assert checks["register"].differences[0].startswith("register_workers: 2 rows only in the live view, 2 only")
