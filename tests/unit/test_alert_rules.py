"""The alert rules as pure functions (`projections.alert_rules`): facts, stays, today and terms in; alerts out.

The integration tests (test_alerts.py, test_brp_alerts.py, test_stale_registrations.py, test_occupancy_norms.py)
check the same rules through the views; these need no database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from ledger.domain.staleness import StalePeriods
from projections.alert_rules import (
    Alert,
    AlertKind,
    AlertTerms,
    WorkerFacts,
    housed_since,
    location_alerts,
    minor_alert,
    stay_on,
    worker_alerts,
)
from projections.brp_alerts import BrpFacts, BrpThresholds
from projections.occupancy import LocationFacts, LocationHistory, Resident

TODAY = date(2026, 6, 15)
TERMS = AlertTerms(
    housed_after_contract_days=14,
    stale_periods=StalePeriods(unconfirmed_months=6, retention_months=12),
    brp=BrpThresholds(),
)
HOME, OTHER = uuid4(), uuid4()


def worker(**facts: object) -> WorkerFacts:
    """A worker employed from 1 June 2026, registered in the BRP the day after (no BRP alert), unless changed."""
    values: dict[str, object] = {
        "worker_id": UUID(int=1),
        "employer_id": UUID(int=2),
        "employment_start": date(2026, 6, 1),
        "expected_end_date": date(2026, 12, 1),
        "contract_end": None,
        "departed_on": None,
        "brp": BrpFacts(brp_registered_on=date(2026, 6, 2), expected_end_date=date(2026, 12, 1)),
        "confirmed_on": None,
    }
    return WorkerFacts(**(values | facts))  # type: ignore[arg-type]


def kinds(found: list[Alert]) -> dict[AlertKind, date]:
    return {alert.kind: alert.since for alert in found}


def test_a_worker_housed_and_employed_raises_nothing() -> None:
    assert worker_alerts(worker(), [(HOME.hex, date(2026, 6, 1), None)], TODAY, TERMS) == []


def test_an_employed_worker_without_housing_is_no_housing_since_the_start_or_the_last_stay() -> None:
    assert kinds(worker_alerts(worker(), [], TODAY, TERMS)) == {AlertKind.NO_HOUSING: date(2026, 6, 1)}
    moved_out = [(HOME.hex, date(2026, 6, 1), date(2026, 6, 10))]
    assert kinds(worker_alerts(worker(), moved_out, TODAY, TERMS)) == {AlertKind.NO_HOUSING: date(2026, 6, 10)}


def test_a_worker_known_to_live_outside_the_municipality_is_not_unhoused() -> None:
    outside = [(date(2026, 6, 1), None)]
    assert worker_alerts(worker(), [], TODAY, TERMS, outside) == []


def test_housed_after_the_contract_end_counts_from_the_day_after_the_grace_days() -> None:
    registered = BrpFacts(brp_registered_on=date(2026, 1, 6), expected_end_date=date(2026, 12, 1))
    ended = worker(contract_end=date(2026, 5, 1), employment_start=date(2026, 1, 5), brp=registered)
    stays = [(HOME.hex, date(2026, 1, 5), None)]

    (alert,) = worker_alerts(ended, stays, TODAY, TERMS)

    assert (alert.kind, alert.since, alert.housing_location_id) == (
        AlertKind.HOUSED_AFTER_CONTRACT_END,
        date(2026, 5, 16),
        HOME,
    )
    assert worker_alerts(ended, stays, date(2026, 5, 15), TERMS) == []


def test_a_registration_past_its_expected_end_without_a_reported_end_is_stale() -> None:
    overdue = worker(expected_end_date=date(2026, 6, 10))
    stays = [(HOME.hex, date(2026, 6, 1), None)]

    assert kinds(worker_alerts(overdue, stays, TODAY, TERMS)) == {AlertKind.STALE_REGISTRATION: date(2026, 6, 11)}
    assert worker_alerts(worker(expected_end_date=date(2026, 6, 10), departed_on=TODAY), [], TODAY, TERMS) == []


def test_the_brp_rules_are_the_worker_alerts_too() -> None:
    unregistered = worker(brp=BrpFacts(expected_end_date=date(2026, 12, 1)))
    stays = [(HOME.hex, date(2026, 6, 1), None)]

    assert AlertKind.NO_BRP_AFTER_ARRIVAL in kinds(worker_alerts(unregistered, stays, TODAY, TERMS))


def test_a_minor_housed_today_is_an_alert_since_the_unbroken_run_of_stays_began() -> None:
    born = date(2009, 1, 1)  # 17 on TODAY
    stays = [(OTHER.hex, date(2026, 3, 1), date(2026, 5, 1)), (HOME.hex, date(2026, 5, 1), None)]

    alert = minor_alert(UUID(int=1), born, stays, TODAY, UUID(int=2))

    assert alert is not None
    assert (alert.kind, alert.since, alert.housing_location_id) == (AlertKind.MINOR_IN_HOUSING, date(2026, 3, 1), HOME)
    assert minor_alert(UUID(int=1), date(2008, 6, 15), stays, TODAY, UUID(int=2)) is None  # 18 today
    assert minor_alert(UUID(int=1), born, stays[:1], TODAY, UUID(int=2)) is None  # not housed today


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 2, 1), None), (date(2026, 3, 1), date(2026, 3, 1)), (date(2026, 5, 1), date(2026, 5, 1))],
)
def test_the_stay_of_a_day_is_the_one_whose_half_open_interval_holds_it(day: date, expected: date | None) -> None:
    stays = [(OTHER.hex, date(2026, 3, 1), date(2026, 5, 1)), (HOME.hex, date(2026, 5, 1), None)]

    found = stay_on(stays, day)

    assert (found[1] if found else None) == expected


def test_a_gap_between_stays_breaks_the_run() -> None:
    stays = [(OTHER.hex, date(2026, 3, 1), date(2026, 4, 1)), (HOME.hex, date(2026, 4, 2), None)]

    assert housed_since(stays, TODAY) == date(2026, 4, 2)


def history(*, residents: int, limit: int | None, floor_area: int | None, norm: float = 12.0) -> LocationHistory:
    stays = tuple(Resident(uuid4(), date(2026, 5, 1), None, UUID(int=2)) for _ in range(residents))
    limits = ((date(2026, 1, 1), None, limit),) if limit is not None else ()
    facts = LocationFacts("dwelling", floor_area, None, datetime(2026, 1, 1, tzinfo=UTC))
    return LocationHistory(stays, limits, facts, {date.min: norm})


def test_a_location_over_its_municipal_limit_is_over_capacity_since_the_headcount_passed_it() -> None:
    over = history(residents=5, limit=4, floor_area=None)

    found = location_alerts(HOME, over, TODAY, registered_on=date(2026, 1, 1))

    assert [(a.kind, a.since, a.detail) for a in found] == [
        (AlertKind.OVER_CAPACITY, date(2026, 5, 1), "5 occupants, 4 permitted")
    ]


def test_a_location_without_a_limit_or_a_floor_area_is_not_assessed_since_its_registration() -> None:
    found = location_alerts(
        HOME, history(residents=1, limit=None, floor_area=None), TODAY, registered_on=date(2026, 2, 3)
    )

    assert [(a.kind, a.since) for a in found] == [(AlertKind.LIMIT_NOT_ASSESSED, date(2026, 2, 3))]


def test_a_floor_area_below_the_norm_a_person_is_an_alert_beside_the_derived_limit() -> None:
    # 40 m² at 12 m² a person permits 3; four people have 10 m² each.
    found = location_alerts(
        HOME, history(residents=4, limit=None, floor_area=40), TODAY, registered_on=date(2026, 1, 1)
    )

    assert {a.kind: a.detail for a in found} == {
        AlertKind.OVER_CAPACITY: "4 occupants, 3 permitted (no limit set by the municipality: 40 m² at 12 m² a person)",
        AlertKind.FLOOR_AREA_BELOW_NORM: "10.0 m² per person, norm 12 m²",
    }
