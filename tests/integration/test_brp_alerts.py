"""The BRP alerts and the population-register status, end to end: events, views, alerts (issue 16 §1).

Wet BRP art. 2.38 (4 months within 6; declare within 5 days of arrival), art.
2.39 (an address change within 5 days); docs/alerts.md, docs/domain-rules.md.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from eventsourcing.persistence import StoredEvent
from sqlalchemy import func, select, text

from ledger.application.service import Ledger
from ledger.domain.population import BrpAddress
from ledger.persistence.migrations import script_location, upgrade
from ledger.settings import APPLICATION_NAME, Settings
from ledger.system import open_keystore
from projections.alert_rules import Alert, AlertKind
from projections.alert_tables import alert_workers, metadata
from projections.alert_view import AlertsProjection, AlertsView
from projections.alerts import alerts
from projections.register import RegisterView
from projections.register_projection import RegisterProjection
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner
from projections.tracking import projection_tracking
from tests.conftest import fixed_clock
from tests.factories import TODAY, World, a_bag_id, a_person, a_world, an_address, an_employment

BRP_KINDS = {
    AlertKind.NO_BRP_AFTER_FOUR_MONTHS,
    AlertKind.NO_BRP_AFTER_ARRIVAL,
    AlertKind.BRP_ADDRESS_DIFFERS,
    AlertKind.DEREGISTERED_WHILE_HOUSED,
}
IN_HOORN = BrpAddress(bag_id="0405010000054321", municipality_code="0405", since=date(2026, 4, 2))


def _catch_up(ledger: Ledger) -> None:
    engine = ledger.database.engine
    for projection in (
        ResidenceProjection(view=ResidenceView(engine)),
        AlertsProjection(view=AlertsView(engine, ledger.keys, ledger.settings)),
        RegisterProjection(view=RegisterView(engine, ledger.keys)),
    ):
        ViewRunner(ledger, projection).catch_up()


def brp_alerts_of(ledger: Ledger, worker: UUID, today: date) -> dict[AlertKind, date]:
    """The BRP alerts in force for `worker` on `today`: kind -> since."""
    _catch_up(ledger)
    found: list[Alert] = alerts(ledger.database.engine, ledger.settings, today=today)
    return {a.kind: a.since for a in found if a.subject_id == worker and a.kind in BRP_KINDS}


def hire(ledger: Ledger, world: World, *, start: date, expected_end: date | None, **person: Any) -> UUID:
    return ledger.register_worker(
        employer_id=world.employer_id,
        person=a_person(**person),
        employment=an_employment(start_date=start, expected_end_date=expected_end),
        housing_location_id=world.location_id,
        housing_valid_from=start,
    ).id


def test_a_returning_seasonal_worker_is_not_flagged_on_return(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = hire(ledger, world, start=date(2025, 4, 1), expected_end=date(2025, 6, 30))
    ledger.record_departure(worker, departed_on=date(2025, 7, 1))
    ledger.change_housing(worker, housing_location_id=world.location_id, valid_from=date(2026, 4, 1))

    assert brp_alerts_of(ledger, worker, date(2026, 4, 2)) == {}
    assert brp_alerts_of(ledger, worker, date(2026, 7, 31)) == {}
    assert brp_alerts_of(ledger, worker, date(2026, 8, 1)) == {AlertKind.NO_BRP_AFTER_FOUR_MONTHS: date(2026, 8, 1)}


def test_exactly_four_months_housed_raises_the_alert(ledger: Ledger) -> None:
    worker = hire(ledger, a_world(ledger), start=date(2026, 2, 15), expected_end=None)

    assert brp_alerts_of(ledger, worker, date(2026, 6, 14)) == {}
    assert brp_alerts_of(ledger, worker, date(2026, 6, 15)) == {AlertKind.NO_BRP_AFTER_FOUR_MONTHS: date(2026, 6, 15)}


def test_an_rni_registration_clears_nothing_a_brp_registration_clears_both(ledger: Ledger) -> None:
    worker = hire(ledger, a_world(ledger), start=date(2026, 2, 15), expected_end=date(2026, 10, 31))
    ledger.record_population_registration(worker, register="RNI", registered_on=date(2026, 2, 16))

    assert set(brp_alerts_of(ledger, worker, date(2026, 6, 15))) == {
        AlertKind.NO_BRP_AFTER_FOUR_MONTHS,
        AlertKind.NO_BRP_AFTER_ARRIVAL,
    }
    ledger.record_population_registration(
        worker, register="BRP", registered_on=date(2026, 6, 1), address=replace(IN_HOORN, since=date(2026, 6, 1))
    )
    assert AlertKind.NO_BRP_AFTER_FOUR_MONTHS not in brp_alerts_of(ledger, worker, date(2026, 6, 15))
    assert AlertKind.NO_BRP_AFTER_ARRIVAL not in brp_alerts_of(ledger, worker, date(2026, 6, 15))


def test_a_brp_address_elsewhere_raises_an_alert_until_it_is_the_housing(ledger: Ledger) -> None:
    world = a_world(ledger)
    bag_id = a_bag_id()
    location = ledger.register_housing_location(
        bag_id=bag_id, address=an_address(street="Kerkstraat"), kind="dwelling", max_occupants=4
    ).id
    worker = hire(ledger, world, start=date(2026, 4, 1), expected_end=date(2026, 10, 31))
    ledger.change_housing(worker, housing_location_id=location, valid_from=date(2026, 4, 1))
    ledger.record_population_registration(worker, register="BRP", registered_on=date(2026, 4, 3), address=IN_HOORN)

    assert brp_alerts_of(ledger, worker, date(2026, 4, 7)) == {}
    assert brp_alerts_of(ledger, worker, date(2026, 6, 1)) == {AlertKind.BRP_ADDRESS_DIFFERS: date(2026, 4, 8)}
    here = BrpAddress(bag_id=bag_id, municipality_code="0420", since=date(2026, 6, 1))
    ledger.record_population_registration(worker, register="BRP", registered_on=date(2026, 4, 3), address=here)
    assert brp_alerts_of(ledger, worker, date(2026, 6, 1)) == {}


def test_an_employers_declared_registration_clears_nothing_and_is_shown_as_declared(ledger: Ledger) -> None:
    worker = hire(ledger, a_world(ledger), start=date(2026, 4, 1), expected_end=date(2026, 10, 31))
    ledger.report_population_declaration(worker, register="BRP", declared_on=date(2026, 4, 2))

    assert brp_alerts_of(ledger, worker, date(2026, 4, 7)) == {AlertKind.NO_BRP_AFTER_ARRIVAL: date(2026, 4, 7)}
    record = RegisterView(ledger.database.engine, ledger.keys).worker(worker, today=TODAY)
    assert record is not None
    assert record.population_register is not None
    p = record.population_register
    assert (p.status, p.register, p.registered_on, p.declared_register, p.declared_on) == (
        "declared_by_employer",
        None,
        None,
        "BRP",
        date(2026, 4, 2),
    )


def test_temporary_protection_needs_brp_within_five_days_whatever_the_expected_stay(ledger: Ledger) -> None:
    world = a_world(ledger)
    protected = hire(ledger, world, start=date(2026, 4, 1), expected_end=date(2026, 5, 31), nationality="UKR")
    unflagged = hire(ledger, world, start=date(2026, 4, 1), expected_end=date(2026, 5, 31), nationality="UKR")
    ledger.record_temporary_protection(protected, valid_from=date(2026, 3, 4))

    assert brp_alerts_of(ledger, protected, date(2026, 4, 6)) == {}
    assert brp_alerts_of(ledger, protected, date(2026, 4, 7)) == {AlertKind.NO_BRP_AFTER_ARRIVAL: date(2026, 4, 7)}
    assert brp_alerts_of(ledger, unflagged, date(2026, 4, 7)) == {}  # not inferred from the nationality
    record = RegisterView(ledger.database.engine, ledger.keys).worker(protected, today=TODAY)
    assert record is not None
    assert record.temporary_protection_from == date(2026, 3, 4)


def test_a_deregistered_worker_still_housed_is_flagged_and_registered_again_is_not(ledger: Ledger) -> None:
    worker = hire(ledger, a_world(ledger), start=date(2026, 4, 1), expected_end=date(2026, 10, 31))
    ledger.record_population_registration(worker, register="BRP", registered_on=date(2026, 4, 3), address=IN_HOORN)
    ledger.record_population_deregistration(worker, deregistered_on=date(2026, 5, 1), reason="unknown_whereabouts")

    assert brp_alerts_of(ledger, worker, date(2026, 5, 10)) == {AlertKind.DEREGISTERED_WHILE_HOUSED: date(2026, 5, 1)}
    record = RegisterView(ledger.database.engine, ledger.keys).worker(worker, today=TODAY)
    assert record is not None
    assert record.population_register is not None
    p = record.population_register
    assert (p.status, p.register, p.deregistered_on, p.deregistration_reason) == (
        "deregistered",
        "BRP",
        date(2026, 5, 1),
        "unknown_whereabouts",
    )
    ledger.record_population_registration(worker, register="RNI", registered_on=date(2026, 5, 12))
    assert brp_alerts_of(ledger, worker, date(2026, 5, 12)) == {}


def test_a_registration_stored_before_the_address_was_kept_still_clears_the_brp_alerts(ledger: Ledger) -> None:
    worker = hire(ledger, a_world(ledger), start=date(2026, 2, 15), expected_end=date(2026, 10, 31))
    doc = json.loads(
        (Path(__file__).parents[1] / "unit" / "data" / "population_register_recorded_v1.json").read_text("utf-8")
    )
    # The old event, as the old code stored it, as the worker's second event.
    ledger.recorder.insert_events([StoredEvent(worker, 2, doc["topic"], doc["state"].encode())])

    assert brp_alerts_of(ledger, worker, date(2026, 6, 15)) == {}  # registered on 10 April; address unknown
    record = RegisterView(ledger.database.engine, ledger.keys).worker(worker, today=TODAY)
    assert record is not None
    assert record.population_register is not None
    p = record.population_register
    assert (p.status, p.register, p.registered_on, p.municipality_code, p.address_since) == (
        "registered",
        "BRP",
        date(2026, 4, 10),
        None,
        None,
    )


def test_the_migration_empties_the_alerts_and_register_views_for_a_rebuild(settings: Settings) -> None:
    with open_keystore(settings) as keys:
        config = Config()
        config.set_main_option("script_location", str(script_location()))
        upgrade(keys.database.engine, keys.database.key_engine)
        ledger = Ledger(settings, keys.database, keys, clock=fixed_clock)
        try:
            worker = hire(ledger, a_world(ledger), start=date(2026, 2, 15), expected_end=None)
            position = ledger.recorder.max_notification_id()
            # A view 0012 keeps.
            ViewRunner(ledger, ResidenceProjection(view=ResidenceView(keys.database.engine))).catch_up()
            with keys.database.engine.begin() as conn:
                config.attributes["connection"] = conn
                command.downgrade(config, "0011")  # the shape before the change
            with keys.database.engine.begin() as conn:  # the rows and positions the code before the change left
                conn.execute(
                    text(
                        "INSERT INTO alert_workers (worker_id, employer_id, employment_start)"
                        " VALUES (:worker, :worker, '2026-02-15')"
                    ),
                    {"worker": worker.hex},
                )
                conn.execute(
                    text(
                        "INSERT INTO projection_tracking (view_name, application_name, notification_id)"
                        " VALUES ('alerts', :app, :position), ('register', :app, :position)"
                    ),
                    {"app": APPLICATION_NAME, "position": position},
                )

            upgrade(keys.database.engine, keys.database.key_engine)

            with keys.database.engine.connect() as conn:
                left = conn.execute(select(func.count()).select_from(alert_workers)).scalar()
                positions = set(conn.execute(select(projection_tracking.c.view_name)).scalars())
            assert (left, positions) == (0, {"residence"})
            assert brp_alerts_of(ledger, worker, date(2026, 6, 15)) == {
                AlertKind.NO_BRP_AFTER_FOUR_MONTHS: date(2026, 6, 15)
            }
        finally:
            ledger.close()


def test_the_migration_creates_the_alert_tables_as_declared(ledger: Ledger) -> None:
    with ledger.database.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)

    ours = {table.name for table in metadata.tables.values()}
    assert [d for d in differences if _table_of(d) in ours] == []


def _table_of(difference: Any) -> str:
    if isinstance(difference, list):  # column changes come in lists
        return _table_of(difference[0])
    subject = difference[1]
    if subject is None:
        return str(difference[2])
    return str(subject.table.name if hasattr(subject, "table") else subject.name)
