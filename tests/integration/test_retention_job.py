"""The retention job: exactly the due subjects without a hold, once, resumably."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from sqlalchemy import insert

from jobs.retention import due_subjects, run_retention, worker_due_dates
from ledger.application.retention import load_policies
from ledger.application.service import Ledger
from ledger.audit.processing_log import ProcessingLog, processing_log
from ledger.crypto.keystore import KeyStore
from ledger.domain.inspection import Inspection
from ledger.domain.values import SHREDDED
from ledger.domain.worker import Worker
from projections.registry import build_view_runners
from tests.conftest import fixed_clock
from tests.factories import World, a_world, register_worker

POLICIES = load_policies()


def _catch_up(ledger: Ledger) -> None:
    for runner in build_view_runners(ledger):
        runner.catch_up()


def _lives(ledger: Ledger, world: World) -> dict[str, UUID]:
    """Workers with the typical lives: ended, departed, active, back-dated end, held."""
    lives = {name: register_worker(ledger, world) for name in ("ended", "departed", "active", "back_dated", "held")}
    ledger.end_contract(lives["ended"], end_date=date(2026, 5, 1))
    ledger.change_housing(lives["ended"], housing_location_id=None, valid_from=date(2026, 5, 10))
    ledger.end_contract(lives["departed"], end_date=date(2026, 5, 1))
    ledger.record_departure(lives["departed"], departed_on=date(2026, 6, 1))
    ledger.record_departure(lives["back_dated"], departed_on=date(2026, 6, 10))
    ledger.end_contract(lives["back_dated"], end_date=date(2026, 6, 10))
    ledger.end_contract(lives["back_dated"], end_date=date(2026, 4, 20))  # corrected: it ended earlier
    ledger.record_departure(lives["back_dated"], departed_on=date(2026, 4, 20))
    ledger.record_departure(lives["held"], departed_on=date(2026, 5, 1))
    ledger.place_legal_hold(lives["held"], case_reference="HH-2026-001", reason="onderzoek overbewoning")
    _catch_up(ledger)
    return lives


def test_due_dates_follow_the_registration_policy(ledger: Ledger) -> None:
    lives = _lives(ledger, a_world(ledger))
    due = worker_due_dates(ledger.database.engine, POLICIES, on=date(2026, 6, 15), stale=ledger.settings.stale_periods)

    assert due[lives["ended"]] == date(2027, 5, 10)
    assert due[lives["departed"]] == date(2027, 6, 1)
    # No end reported: stale the day after its expected end (2026-10-31), its clock 3 months on.
    assert due[lives["active"]] == date(2028, 2, 1)
    assert due[lives["back_dated"]] == date(2027, 4, 20)


def test_the_job_shreds_exactly_the_due_subjects_without_a_hold_and_a_second_run_does_nothing(
    ledger: Ledger,
) -> None:
    lives = _lives(ledger, a_world(ledger))
    on = date(2027, 5, 15)

    dry = run_retention(ledger, ledger.database.engine, POLICIES, on=on, dry_run=True)
    assert {s.subject_id for s in dry.shredded} == {lives["ended"], lives["back_dated"]}
    assert ledger.get(Worker, lives["ended"]).family_name == "Kowalska"  # a dry run changes nothing

    first = run_retention(ledger, ledger.database.engine, POLICIES, on=on)
    _catch_up(ledger)
    second = run_retention(ledger, ledger.database.engine, POLICIES, on=on)

    assert {s.subject_id for s in first.shredded} == {lives["ended"], lives["back_dated"]}
    assert [s.subject_id for s in first.held] == [lives["held"]]
    assert second.shredded == []
    assert ledger.get(Worker, lives["ended"]).family_name is SHREDDED
    assert ledger.get(Worker, lives["departed"]).family_name == "Kowalska"
    assert ledger.get(Worker, lives["held"]).family_name == "Kowalska"
    shredded = [e for e in ledger.events.get(lives["ended"]) if isinstance(e, Worker.PersonalDataShredded)]
    assert [(e.policy, e.due_on) for e in shredded] == [("worker_registration", date(2027, 5, 10))]


def test_a_run_killed_between_key_deletion_and_event_is_completed_by_the_next(ledger: Ledger) -> None:
    lives = _lives(ledger, a_world(ledger))
    ledger.keys.shred(lives["ended"])  # the run died right after destroying the key

    report = run_retention(ledger, ledger.database.engine, POLICIES, on=date(2027, 5, 15))

    assert lives["ended"] in {s.subject_id for s in report.shredded}
    assert ledger.get(Worker, lives["ended"]).shredded


def test_inspection_notes_are_due_after_five_years_or_after_the_sanction_period(ledger: Ledger) -> None:
    world = a_world(ledger)
    plain = ledger.record_inspection(
        housing_location_id=world.location_id,
        inspected_on=date(2026, 6, 1),
        occupants_found=2,
        findings=[],
        outcome="compliant",
        notes="twee bewoners aangetroffen",
    ).id
    fined = ledger.record_inspection(
        housing_location_id=world.location_id,
        inspected_on=date(2026, 6, 1),
        occupants_found=9,
        findings=["overcrowding"],
        outcome="violations",
        notes="negen bewoners",
    ).id
    ledger.impose_sanction(
        fined, kind="administrative_fine", against="owner", owner_kvk_number="34781256", amount_eur=Decimal("2500")
    )
    _catch_up(ledger)

    due_2031 = {s.subject_id for s in due_subjects(ledger, ledger.database.engine, POLICIES, on=date(2031, 6, 1))}
    run_retention(ledger, ledger.database.engine, POLICIES, on=date(2031, 6, 1))

    assert due_2031 == {plain}
    assert ledger.get(Inspection, plain).notes is SHREDDED
    assert ledger.get(Inspection, fined).notes == "negen bewoners"


def test_processing_log_lines_past_their_retention_are_deleted(ledger: Ledger) -> None:
    log = ProcessingLog(ledger.database.engine)
    old, recent = uuid4(), uuid4()
    for subject, at in ((old, datetime(2024, 5, 1, tzinfo=UTC)), (recent, datetime(2026, 5, 1, tzinfo=UTC))):
        with ledger.database.engine.begin() as conn:
            conn.execute(
                insert(processing_log).values(
                    at=at,
                    actor="registrar",
                    role="registrar",
                    processing_activity="PA-01-registration",
                    subject_id=subject.hex,
                    subject_type="worker",
                    operation="read",
                    outcome="OK",
                    trace_id="0" * 32,
                )
            )

    report = run_retention(ledger, ledger.database.engine, POLICIES, on=date(2026, 6, 15))

    assert report.log_lines_deleted == 1
    assert [line.subject_id for line in log.lines()] == [recent]


def test_a_run_in_chunks_reports_each_subject_and_its_progress(ledger: Ledger) -> None:
    lives = _lives(ledger, a_world(ledger))
    more = [register_worker(ledger, a_world(ledger)) for _ in range(3)]
    for worker in more:
        ledger.record_departure(worker, departed_on=date(2026, 5, 1))
    _catch_up(ledger)
    steps: list[tuple[int, int]] = []

    report = run_retention(
        ledger, ledger.database.engine, POLICIES, on=date(2027, 5, 15), chunk=2, progress=_record(steps)
    )

    assert {s.subject_id for s in report.shredded} == {lives["ended"], lives["back_dated"], *more}
    assert [s.subject_id for s in report.held] == [lives["held"]]
    assert steps == [(2, 6), (4, 6), (6, 6)]
    assert all(ledger.get(Worker, w).shredded for w in more)


def _record(steps: list[tuple[int, int]]) -> Callable[[int, int], None]:
    return lambda done, total: steps.append((done, total))


class _DiesBeforeKeyDeletion(KeyStore):
    """A key store whose process dies after the tombstones, before the keys are destroyed."""

    def _delete_keys(self, subject_hexes: Sequence[str]) -> int:
        raise RuntimeError("killed")


def test_a_run_killed_between_tombstones_and_key_deletion_records_nothing_and_the_next_finishes(
    ledger: Ledger,
) -> None:
    lives = _lives(ledger, a_world(ledger))
    keys = _DiesBeforeKeyDeletion(ledger.database, ledger.keys.keyring)
    dying = Ledger(ledger.settings, ledger.database, keys, clock=fixed_clock)
    try:
        killed = run_retention(dying, ledger.database.engine, POLICIES, on=date(2027, 5, 15))
    finally:
        dying.close()

    assert {s.subject_id for s in killed.failed} == {lives["ended"], lives["back_dated"]}
    assert not ledger.get(Worker, lives["ended"]).shredded  # no event before the key is gone
    assert ledger.keys.is_shredded(lives["ended"])

    finished = run_retention(ledger, ledger.database.engine, POLICIES, on=date(2027, 5, 15))

    assert {s.subject_id for s in finished.shredded} == {lives["ended"], lives["back_dated"]}
    shredded = [e for e in ledger.events.get(lives["ended"]) if isinstance(e, Worker.PersonalDataShredded)]
    assert len(shredded) == 1
    assert ledger.get(Worker, lives["ended"]).family_name is SHREDDED
