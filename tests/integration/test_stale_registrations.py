"""A registration whose employer reports no end: the `stale_registration` alert, and retention that ends.

Workers registered by the factories start on 2026-04-01 and are expected to
end on 2026-10-31; the ledger's clock stands at 2026-06-15. The settings'
defaults apply: stale after 6 months without a confirmation, retention clock 3
months after it became stale, and the registration policy's year after that.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from cli.retention_commands import render_report
from jobs.retention import due_subjects, run_retention, worker_due_dates
from ledger.application.retention import load_policies
from ledger.application.service import Ledger
from ledger.domain.staleness import StalePeriods
from ledger.domain.values import SHREDDED
from ledger.domain.worker import Worker
from projections.alert_rules import Alert, AlertKind
from projections.alerts import alerts
from projections.registry import build_view_runners
from tests.factories import World, a_person, a_world, an_employment, register_worker

POLICIES = load_policies()


def _catch_up(ledger: Ledger) -> None:
    for runner in build_view_runners(ledger):
        runner.catch_up()


def _stale(ledger: Ledger, today: date) -> list[Alert]:
    _catch_up(ledger)
    return alerts(ledger.database.engine, ledger.settings, today=today, kind=AlertKind.STALE_REGISTRATION)


def _open_ended(ledger: Ledger, world: World) -> UUID:
    """A worker registered without an expected end, housed from the start on 2026-04-01."""
    return ledger.register_worker(
        employer_id=world.employer_id,
        person=a_person(),
        employment=an_employment(expected_end_date=None),
        housing_location_id=world.location_id,
        housing_valid_from=date(2026, 4, 1),
    ).id


def test_the_settings_default_to_six_and_three_months(ledger: Ledger) -> None:
    assert ledger.settings.stale_periods == StalePeriods(unconfirmed_months=6, retention_months=3)


def test_a_registration_past_its_expected_end_is_stale_until_it_is_confirmed(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = register_worker(ledger, world)

    before = _stale(ledger, date(2026, 10, 31))
    raised = _stale(ledger, date(2026, 11, 1))
    ledger.confirm_registration(worker, confirmed_on=date(2026, 6, 15), expected_end_date=date(2027, 3, 31))
    confirmed = _stale(ledger, date(2026, 11, 1))

    assert before == []
    assert [(a.subject_id, a.since, a.employer_id, a.housing_location_id) for a in raised] == [
        (worker, date(2026, 11, 1), world.employer_id, world.location_id)
    ]
    assert raised[0].detail == "past its expected end 2026-10-31; no end reported"
    assert confirmed == []
    assert [a.since for a in _stale(ledger, date(2027, 4, 1))] == [date(2027, 4, 1)]  # the new expected end passed


def test_without_an_expected_end_a_registration_not_confirmed_for_six_months_is_stale(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = _open_ended(ledger, world)

    before = _stale(ledger, date(2026, 9, 30))
    raised = _stale(ledger, date(2026, 10, 1))
    ledger.confirm_registration(worker, confirmed_on=date(2026, 6, 15))
    confirmed = _stale(ledger, date(2026, 10, 1))

    assert before == []
    assert [(a.subject_id, a.since) for a in raised] == [(worker, date(2026, 10, 1))]
    assert raised[0].detail == "not confirmed since 2026-04-01; no end reported"
    assert confirmed == []
    assert [(a.subject_id, a.since) for a in _stale(ledger, date(2026, 12, 15))] == [(worker, date(2026, 12, 15))]


def test_a_reported_contract_end_or_departure_clears_it(ledger: Ledger) -> None:
    world = a_world(ledger)
    ended, departed = register_worker(ledger, world), register_worker(ledger, world)

    raised = {a.subject_id for a in _stale(ledger, date(2026, 11, 1))}
    ledger.end_contract(ended, end_date=date(2026, 10, 31))
    ledger.record_departure(departed, departed_on=date(2026, 6, 1))

    assert raised == {ended, departed}
    assert _stale(ledger, date(2026, 11, 1)) == []


def test_the_retention_clock_of_a_stale_registration_starts_after_the_further_period(ledger: Ledger) -> None:
    world = a_world(ledger)
    stale = register_worker(ledger, world)  # stale 2026-11-01, clock 2027-02-01, due 2028-02-01
    open_ended = _open_ended(ledger, world)  # stale 2026-10-01, clock 2027-01-01, due 2028-01-01
    confirmed = register_worker(ledger, world)
    ledger.confirm_registration(confirmed, confirmed_on=date(2026, 6, 15), expected_end_date=date(2027, 6, 30))
    _catch_up(ledger)

    due = worker_due_dates(ledger.database.engine, POLICIES, on=date(2026, 6, 15), stale=ledger.settings.stale_periods)
    listed = {s.subject_id: s for s in due_subjects(ledger, ledger.database.engine, POLICIES, on=date(2028, 2, 1))}
    early = {s.subject_id for s in due_subjects(ledger, ledger.database.engine, POLICIES, on=date(2028, 1, 31))}

    assert (due[stale], due[open_ended], due[confirmed]) == (date(2028, 2, 1), date(2028, 1, 1), date(2028, 10, 1))
    assert set(listed) == {stale, open_ended}
    assert early == {open_ended}
    assert listed[stale].clock == "stale since 2026-11-01: past its expected end 2026-10-31"
    assert listed[open_ended].clock == "stale since 2026-10-01: not confirmed since 2026-04-01"


def test_the_retention_job_shreds_a_stale_registration_when_it_is_due(ledger: Ledger) -> None:
    world = a_world(ledger)
    stale = register_worker(ledger, world)
    confirmed = register_worker(ledger, world)
    ledger.confirm_registration(confirmed, confirmed_on=date(2026, 6, 15), expected_end_date=date(2027, 6, 30))
    _catch_up(ledger)

    not_yet = run_retention(ledger, ledger.database.engine, POLICIES, on=date(2028, 1, 31))
    report = run_retention(ledger, ledger.database.engine, POLICIES, on=date(2028, 2, 1))

    assert not_yet.shredded == []
    assert [s.subject_id for s in report.shredded] == [stale]
    assert "stale since 2026-11-01" in render_report(report)
    assert ledger.get(Worker, stale).family_name is SHREDDED
    assert ledger.get(Worker, confirmed).family_name == "Kowalska"
    shredded = [e for e in ledger.events.get(stale) if isinstance(e, Worker.PersonalDataShredded)]
    assert [(e.policy, e.due_on, e.reason_code) for e in shredded] == [
        ("worker_registration", date(2028, 2, 1), "retention")
    ]


def test_a_confirmation_is_kept_in_the_register_and_moves_the_expected_end(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = register_worker(ledger, world)
    ledger.confirm_registration(worker, confirmed_on=date(2026, 6, 1), expected_end_date=date(2027, 3, 31))
    _catch_up(ledger)

    register = next(r.view for r in build_view_runners(ledger) if r.name == "register")
    record = register.worker(worker, today=ledger.today())

    assert record is not None
    assert record.expected_end_date == date(2027, 3, 31)
