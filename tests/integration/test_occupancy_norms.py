"""The limit from the floor area follows the norm of the location's kind in force each day, in reads and alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ledger.application.service import Ledger
from ledger.domain.housing_location import Registrant
from ledger.settings import Settings
from projections.alert_rules import AlertKind
from projections.alert_view import AlertsProjection, AlertsView
from projections.alerts import alerts
from projections.occupancy import occupancy
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner
from tests.factories import World, a_bag_id, a_world, an_address, register_worker

# A municipality that raises the norm of a dwelling from 12 to 15 m² a person on 1 May 2026.
STRICTER_FROM_MAY = {"dwelling": {date(1900, 1, 1): 12.0, date(2026, 5, 1): 15.0}}


def _employers_location(ledger: Ledger, world: World, floor_area: int, kind: str = "dwelling") -> World:
    """`world` with its first location replaced by one an employer registered (maximum proposed, not set)."""
    location = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(street="Westerstraat"),
        kind=kind,
        max_occupants=10_000,
        floor_area_m2=floor_area,
        registrant=Registrant(municipal=False, employer_id=world.employer_id),
    )
    return World(world.employer_id, location.id, world.other_location_id)


def _project(ledger: Ledger, settings: Settings | None = None) -> None:
    """The views caught up; the alerts worked out under `settings` (the ledger's by default)."""
    engine = ledger.database.engine
    for projection in (
        ResidenceProjection(view=ResidenceView(engine)),
        AlertsProjection(view=AlertsView(engine, ledger.keys, settings or ledger.settings)),
    ):
        ViewRunner(ledger, projection).catch_up()


def test_a_stricter_norm_from_a_date_makes_the_location_over_full_from_that_date(ledger: Ledger) -> None:
    world = _employers_location(ledger, a_world(ledger), floor_area=36)  # 3 people at 12 m², 2 at 15 m²
    for _ in range(3):
        register_worker(ledger, world)  # housed from 1 April
    _project(ledger)
    now = datetime.now(UTC)

    april = occupancy(
        ledger.database.engine, world.location_id, on=date(2026, 4, 30), as_known_at=now, norms=STRICTER_FROM_MAY
    )
    june = occupancy(
        ledger.database.engine, world.location_id, on=date(2026, 6, 1), as_known_at=now, norms=STRICTER_FROM_MAY
    )

    assert april is not None and june is not None
    assert (april.max_occupants, april.over_capacity) == (3, False)
    assert (june.max_occupants, june.over_capacity, june.over_capacity_since) == (2, True, date(2026, 5, 1))


def test_the_over_capacity_alert_says_the_limit_comes_from_the_floor_area(ledger: Ledger) -> None:
    world = _employers_location(ledger, a_world(ledger), floor_area=20)
    register_worker(ledger, world)
    register_worker(ledger, world)
    settings = ledger.settings.model_copy(update={"floor_area_norms_m2": STRICTER_FROM_MAY})
    _project(ledger, settings)  # the alerts are worked out under the norms in force (docs/alerts.md)

    found = alerts(ledger.database.engine, settings, today=date(2026, 6, 1), housing_location_id=world.location_id)

    over = [a for a in found if a.kind == AlertKind.OVER_CAPACITY]
    assert [(a.since, a.detail) for a in over] == [
        (date(2026, 4, 1), "2 occupants, 1 permitted (no limit set by the municipality: 20 m² at 15 m² a person)")
    ]
    assert AlertKind.LIMIT_NOT_ASSESSED not in {a.kind for a in found}


def test_two_people_in_14_m2_fill_a_caravan_site_but_overfill_a_dwelling(ledger: Ledger) -> None:
    world = a_world(ledger)
    caravan = _employers_location(ledger, world, floor_area=14, kind="caravan_site")
    dwelling = _employers_location(ledger, world, floor_area=14, kind="dwelling")
    for place in (caravan, dwelling):
        register_worker(ledger, place)
        register_worker(ledger, place)
    _project(ledger)
    now, today = datetime.now(UTC), date(2026, 6, 1)
    norms = ledger.settings.floor_area_norms_m2

    at_caravan = occupancy(ledger.database.engine, caravan.location_id, on=today, as_known_at=now, norms=norms)
    at_dwelling = occupancy(ledger.database.engine, dwelling.location_id, on=today, as_known_at=now, norms=norms)
    found = alerts(ledger.database.engine, ledger.settings, today=today)

    assert at_caravan is not None and at_dwelling is not None
    assert (at_caravan.max_occupants, at_caravan.over_capacity) == (2, False)
    assert (at_dwelling.max_occupants, at_dwelling.over_capacity) == (1, True)
    raised = {(a.kind, a.subject_id) for a in found if a.subject_id in {caravan.location_id, dwelling.location_id}}
    assert raised == {
        (AlertKind.OVER_CAPACITY, dwelling.location_id),
        (AlertKind.FLOOR_AREA_BELOW_NORM, dwelling.location_id),
    }
    below = next(a for a in found if a.kind == AlertKind.FLOOR_AREA_BELOW_NORM)
    assert below.detail == "7.0 m² per person, norm 12 m²"


def test_a_kind_without_a_norm_is_not_assessed_and_the_alert_says_why(ledger: Ledger) -> None:
    world = _employers_location(ledger, a_world(ledger), floor_area=60, kind="hotel_pension")
    register_worker(ledger, world)
    only_dwellings = {"dwelling": {date(1900, 1, 1): 12.0}}
    settings = ledger.settings.model_copy(update={"floor_area_norms_m2": only_dwellings})
    _project(ledger, settings)

    answer = occupancy(
        ledger.database.engine,
        world.location_id,
        on=date(2026, 6, 1),
        as_known_at=datetime.now(UTC),
        norms=only_dwellings,
    )
    found = alerts(ledger.database.engine, settings, today=date(2026, 6, 1), housing_location_id=world.location_id)

    assert answer is not None
    assert (answer.max_occupants, answer.limit_basis, answer.over_capacity) == (None, None, None)
    assert [(a.kind, a.detail) for a in found if a.subject_id == world.location_id] == [
        (
            AlertKind.LIMIT_NOT_ASSESSED,
            "no limit set by the municipality and no floor-area norm for a hotel_pension;"
            " the registrant proposed 10000",
        )
    ]
