"""Each alert kind is raised and cleared by the events that should raise and clear it."""

from __future__ import annotations

from datetime import date

from ledger.application.service import Ledger
from projections.alert_rules import Alert, AlertKind
from projections.alert_view import AlertsProjection, AlertsView
from projections.alerts import alerts
from projections.register import RegisterView
from projections.register_projection import RegisterProjection
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner
from tests.factories import a_bag_id, a_brp_address, a_person, a_world, an_address, an_employment, register_worker


def _alerts(ledger: Ledger, today: date, kind: AlertKind) -> list[Alert]:
    engine = ledger.database.engine
    for projection in (
        ResidenceProjection(view=ResidenceView(engine)),
        AlertsProjection(view=AlertsView(engine, ledger.keys, ledger.settings)),
        RegisterProjection(view=RegisterView(engine, ledger.keys)),
    ):
        ViewRunner(ledger, projection).catch_up()
    return alerts(engine, ledger.settings, today=today, kind=kind, keys=ledger.keys)


def test_over_capacity_is_raised_and_cleared_by_a_higher_limit(ledger: Ledger) -> None:
    world = a_world(ledger, max_occupants=1)
    register_worker(ledger, world)
    register_worker(ledger, world)

    raised = _alerts(ledger, date(2026, 6, 1), AlertKind.OVER_CAPACITY)
    ledger.change_occupancy_limit(world.location_id, max_occupants=2, valid_from=date(2026, 4, 1))

    assert [(a.subject_id, a.since, a.detail) for a in raised] == [
        (world.location_id, date(2026, 4, 1), "2 occupants, 1 permitted")
    ]
    assert _alerts(ledger, date(2026, 6, 1), AlertKind.OVER_CAPACITY) == []


def test_floor_area_below_norm_is_raised_and_cleared_when_someone_moves_out(ledger: Ledger) -> None:
    world = a_world(ledger)
    small = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Kleine Dijk"), kind="dwelling", max_occupants=4, floor_area_m2=20
    ).id
    workers = [register_worker(ledger, world) for _ in range(2)]
    for worker in workers:
        ledger.change_housing(worker, housing_location_id=small, valid_from=date(2026, 5, 1))

    raised = _alerts(ledger, date(2026, 6, 1), AlertKind.FLOOR_AREA_BELOW_NORM)
    ledger.change_housing(workers[0], housing_location_id=world.location_id, valid_from=date(2026, 5, 20))

    assert [(a.subject_id, a.since) for a in raised] == [(small, date(2026, 5, 1))]
    assert "10.0 m² per person" in raised[0].detail
    assert _alerts(ledger, date(2026, 6, 1), AlertKind.FLOOR_AREA_BELOW_NORM) == []


def test_no_housing_is_raised_for_an_employed_worker_and_cleared_by_housing(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = ledger.register_worker(employer_id=world.employer_id, person=a_person(), employment=an_employment()).id
    moved_out = register_worker(ledger, world)
    ledger.change_housing(moved_out, housing_location_id=None, valid_from=date(2026, 5, 10))

    raised = _alerts(ledger, date(2026, 6, 1), AlertKind.NO_HOUSING)
    ledger.change_housing(worker, housing_location_id=world.location_id, valid_from=date(2026, 6, 1))

    assert {(a.subject_id, a.since) for a in raised} == {(worker, date(2026, 4, 1)), (moved_out, date(2026, 5, 10))}
    assert [a.subject_id for a in _alerts(ledger, date(2026, 6, 1), AlertKind.NO_HOUSING)] == [moved_out]
    assert _alerts(ledger, date(2026, 3, 31), AlertKind.NO_HOUSING) == []  # not yet employed


def test_housed_too_long_after_the_contract_ended_depends_on_today_and_clears_on_departure(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = register_worker(ledger, world)
    ledger.end_contract(worker, end_date=date(2026, 5, 1))

    assert _alerts(ledger, date(2026, 5, 15), AlertKind.HOUSED_AFTER_CONTRACT_END) == []
    raised = _alerts(ledger, date(2026, 5, 16), AlertKind.HOUSED_AFTER_CONTRACT_END)
    ledger.record_departure(worker, departed_on=date(2026, 5, 20))

    assert [(a.subject_id, a.since) for a in raised] == [(worker, date(2026, 5, 16))]
    assert _alerts(ledger, date(2026, 6, 1), AlertKind.HOUSED_AFTER_CONTRACT_END) == []


def test_four_months_without_brp_is_raised_and_cleared_by_brp_not_by_rni(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = register_worker(ledger, world)  # arrived 1 April
    ledger.record_population_registration(worker, register="RNI", registered_on=date(2026, 4, 2))

    # At least 4 months (Wet BRP art. 2.38): reached on 1 August, not the day after.
    assert _alerts(ledger, date(2026, 7, 31), AlertKind.NO_BRP_AFTER_FOUR_MONTHS) == []
    raised = _alerts(ledger, date(2026, 8, 1), AlertKind.NO_BRP_AFTER_FOUR_MONTHS)
    ledger.record_population_registration(
        worker, register="BRP", registered_on=date(2026, 6, 1), address=a_brp_address()
    )

    assert [(a.subject_id, a.since) for a in raised] == [(worker, date(2026, 8, 1))]
    assert _alerts(ledger, date(2026, 8, 2), AlertKind.NO_BRP_AFTER_FOUR_MONTHS) == []


def test_long_expected_stay_without_brp_five_days_after_arrival(ledger: Ledger) -> None:
    world = a_world(ledger)
    long_stay = register_worker(ledger, world)  # 1 April to 31 October: over four months
    short_stay = ledger.register_worker(
        employer_id=world.employer_id,
        person=a_person(),
        employment=an_employment(expected_end_date=date(2026, 6, 30)),
        housing_location_id=world.location_id,
        housing_valid_from=date(2026, 4, 1),
    ).id

    assert _alerts(ledger, date(2026, 4, 6), AlertKind.NO_BRP_AFTER_ARRIVAL) == []
    raised = _alerts(ledger, date(2026, 4, 7), AlertKind.NO_BRP_AFTER_ARRIVAL)
    ledger.record_population_registration(
        long_stay, register="BRP", registered_on=date(2026, 4, 10), address=a_brp_address()
    )

    assert [(a.subject_id, a.since) for a in raised] == [(long_stay, date(2026, 4, 7))]
    assert short_stay not in {a.subject_id for a in raised}
    assert _alerts(ledger, date(2026, 4, 20), AlertKind.NO_BRP_AFTER_ARRIVAL) == []


def test_alerts_filter_by_location_and_employer(ledger: Ledger) -> None:
    world = a_world(ledger, max_occupants=1)
    register_worker(ledger, world)
    register_worker(ledger, world)
    engine = ledger.database.engine
    _alerts(ledger, date(2026, 6, 1), AlertKind.OVER_CAPACITY)

    at_location = alerts(engine, ledger.settings, today=date(2026, 9, 1), housing_location_id=world.location_id)
    elsewhere = alerts(engine, ledger.settings, today=date(2026, 9, 1), housing_location_id=world.other_location_id)
    of_employer = alerts(engine, ledger.settings, today=date(2026, 9, 1), employer_id=world.employer_id)

    assert {a.kind for a in at_location} == {
        AlertKind.OVER_CAPACITY,
        AlertKind.NO_BRP_AFTER_FOUR_MONTHS,
        AlertKind.NO_BRP_AFTER_ARRIVAL,
    }
    assert elsewhere == []
    assert AlertKind.OVER_CAPACITY not in {a.kind for a in of_employer}
    assert len(of_employer) == 4


def test_a_minor_in_housing_is_raised_until_the_18th_birthday_and_cleared_by_moving_out(ledger: Ledger) -> None:
    world = a_world(ledger)
    minor = register_worker(ledger, world, birth_date=date(2010, 1, 1))  # 16, housed from 1 April 2026
    register_worker(ledger, world, birth_date=date(2008, 4, 1))  # 18 on the day housed: an adult
    moved_out = register_worker(ledger, world, birth_date=date(2009, 9, 1))
    ledger.change_housing(moved_out, housing_location_id=None, valid_from=date(2026, 5, 1))

    raised = _alerts(ledger, date(2026, 6, 1), AlertKind.MINOR_IN_HOUSING)

    assert [(a.subject_id, a.since, a.housing_location_id) for a in raised] == [
        (minor, date(2026, 4, 1), world.location_id)
    ]
    assert raised[0].detail == "a worker under 18 in migrant housing"
    assert [a.subject_id for a in _alerts(ledger, date(2027, 12, 31), AlertKind.MINOR_IN_HOUSING)] == [minor]
    assert _alerts(ledger, date(2028, 1, 1), AlertKind.MINOR_IN_HOUSING) == []  # 18 today


def test_a_shredded_minor_raises_no_minor_alert(ledger: Ledger) -> None:
    world = a_world(ledger)
    minor = register_worker(ledger, world, birth_date=date(2010, 1, 1))
    ledger.shred_subject(minor, policy="erasure_request", reason_code="correction")

    assert _alerts(ledger, date(2026, 6, 1), AlertKind.MINOR_IN_HOUSING) == []
