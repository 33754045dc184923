"""`ledger projections status` and `ledger projections rebuild`, plugged into the `ledger` command."""

from __future__ import annotations

import argparse
from datetime import date

import pytest

from cli.parser import build_parser
from ledger.application.service import Ledger
from projections.coordination import view_lock
from projections.registry import build_view_runners
from tests.factories import a_world, register_worker
from tests.integration.ledger_process import run_ledger
from tests.integration.view_contents import view_rows


def run_command(ledger: Ledger, *argv: str) -> int:
    """Parse `ledger ARGV…` as the console script does and run it on the test's settings."""
    args: argparse.Namespace = build_parser().parse_args(argv)
    exit_status: int = args.func(ledger.settings, args)
    return exit_status


def head(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


@pytest.mark.slow
def test_the_ledger_command_reports_and_rebuilds_the_views(ledger: Ledger) -> None:
    register_worker(ledger, a_world(ledger))
    names = sorted(r.name for r in build_view_runners(ledger))

    before = run_ledger(ledger.settings, "projections", "status")
    rebuilt = run_ledger(ledger.settings, "projections", "rebuild")
    after = run_ledger(ledger.settings, "projections", "status")

    assert (before.returncode, rebuilt.returncode, after.returncode) == (0, 0, 0), rebuilt.stderr
    n = head(ledger)
    assert sorted(before.stdout.splitlines()) == [f"{name}: position 0, head {n}, lag {n}" for name in names]
    assert sorted(after.stdout.splitlines()) == [f"{name}: position {n}, head {n}, lag 0" for name in names]
    assert sorted(rebuilt.stdout.splitlines()) == [
        f"{name}: rebuilt from {n} events, at position {n}" for name in names
    ]


def test_status_shows_where_a_view_stopped_and_its_lag(ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    world = a_world(ledger)
    residence = next(r for r in build_view_runners(ledger) if r.name == "residence")
    residence.catch_up()
    register_worker(ledger, world)
    residence.view.mark_stopped(head(ledger), KeyError("never shown"))

    assert run_command(ledger, "projections", "status") == 0

    out = capsys.readouterr().out
    position, n = residence.position(), head(ledger)
    assert f"residence: position {position}, head {n}, lag {n - position}, stopped at {n} (KeyError)\n" in out
    assert "never shown" not in out


def test_rebuilding_only_the_named_view(ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    register_worker(ledger, a_world(ledger))

    assert run_command(ledger, "projections", "rebuild", "residence") == 0

    positions = {r.name: r.position() for r in build_view_runners(ledger)}
    assert positions["residence"] == head(ledger)
    assert [p for name, p in positions.items() if name != "residence"] == [0] * (len(positions) - 1)
    rebuilt = [line for line in capsys.readouterr().out.splitlines() if ": rebuilt from" in line]
    assert rebuilt == [f"residence: rebuilt from {head(ledger)} events, at position {head(ledger)}"]


def test_an_unknown_view_name_is_refused(ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command(ledger, "projections", "rebuild", "residence", "no-such-view") == 2

    assert "unknown view no-such-view" in capsys.readouterr().err
    assert next(r for r in build_view_runners(ledger) if r.name == "residence").position() == 0


def test_a_view_another_runner_holds_is_not_rebuilt(ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    register_worker(ledger, a_world(ledger))
    held = view_lock(ledger.settings, "residence")
    try:
        assert held.acquire()
        assert run_command(ledger, "projections", "rebuild", "residence") == 1
    finally:
        held.release()

    assert "being run by another process" in capsys.readouterr().err
    assert next(r for r in build_view_runners(ledger) if r.name == "residence").position() == 0


def test_views_rebuilt_side_by_side_equal_views_rebuilt_one_after_another(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    world = a_world(ledger)
    for _ in range(3):
        worker = register_worker(ledger, world)
        ledger.change_housing(worker, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))

    assert run_command(ledger, "projections", "rebuild", "--processes", "1") == 0
    one_after_another = {r.name: view_rows(r.view) for r in build_view_runners(ledger)}
    assert run_command(ledger, "projections", "rebuild", "--processes", "3") == 0
    side_by_side = {r.name: view_rows(r.view) for r in build_view_runners(ledger)}

    assert side_by_side == one_after_another
    assert all(rows for rows in side_by_side.values())
    rebuilt = [line for line in capsys.readouterr().out.splitlines() if ": rebuilt from" in line]
    assert len(rebuilt) == 2 * len(side_by_side)


def test_a_view_held_elsewhere_does_not_stop_the_others_rebuilding_side_by_side(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    register_worker(ledger, a_world(ledger))
    held = view_lock(ledger.settings, "register")
    try:
        assert held.acquire()
        assert run_command(ledger, "projections", "rebuild", "--processes", "2") == 1
    finally:
        held.release()

    assert "view register: being run by another process" in capsys.readouterr().err
    positions = {r.name: r.position() for r in build_view_runners(ledger)}
    assert positions.pop("register") == 0
    assert set(positions.values()) == {head(ledger)}
