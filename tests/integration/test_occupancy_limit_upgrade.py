"""What was stored before the permitted-occupancy change still reads right (issue 13, §4).

A `HousingLocation.Registered` stored in the old shape counts as the
municipality's limit, through the event store (sealing mapper), the facts
repository and the residence view; and the migration that reshapes the
residence view's tables empties it, so that its runner rebuilds it from the
log in the new shape.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from eventsourcing.persistence import StoredEvent
from sqlalchemy import func, inspect, select, text

from ledger.application import Ledger
from ledger.bootstrap import open_keystore
from ledger.domain.housing_location import HousingLocation
from ledger.migrations import script_location, upgrade
from ledger.settings import APPLICATION_NAME, Settings
from projections.occupancy import occupancy
from projections.residence import ResidenceProjection, ResidenceView, metadata
from projections.runner import ViewRunner
from projections.tracking import projection_tracking
from tests.conftest import fixed_clock
from tests.factories import a_bag_id, an_address

FIXTURE = Path(__file__).parents[1] / "unit" / "data" / "housing_location_registered_v1.json"
TODAY = date(2026, 6, 15)


def _stored_v1() -> StoredEvent:
    doc = json.loads(FIXTURE.read_text("utf-8"))
    return StoredEvent(UUID(doc["originator_id"]), doc["originator_version"], doc["topic"], doc["state"].encode())


def _residence(ledger: Ledger) -> ViewRunner:
    return ViewRunner(ledger, ResidenceProjection(view=ResidenceView(ledger.keys.engine)))


def test_a_registered_event_stored_in_the_old_shape_reads_as_the_municipalitys_limit(ledger: Ledger) -> None:
    old = _stored_v1()
    ledger.recorder.insert_events([old])
    _residence(ledger).catch_up()

    location = ledger.get(HousingLocation, old.originator_id)
    facts = ledger.get_facts(HousingLocation, old.originator_id)
    # 6, not floor(40 m² / 12 m²) = 3: the number stored before the change is the municipality's.
    assert (location.max_occupants_on(TODAY), location.proposed_max_occupants) == (6, None)
    assert facts.max_occupants_on(TODAY) == 6

    found = occupancy(
        ledger.keys.engine,
        old.originator_id,
        on=TODAY,
        as_known_at=datetime.now(UTC),
        norms=ledger.settings.floor_area_norms_m2,
    )

    assert found is not None
    assert (found.max_occupants, found.limit_basis, found.proposed_max_occupants) == (6, "municipality", None)
    # Upcasting happens on reading: the stored bytes the audit chain hashed are untouched.
    (stored,) = ledger.recorder.select_events(old.originator_id)
    assert bytes(stored.state) == old.state


def test_the_migration_empties_the_residence_view_for_a_rebuild_in_the_new_shape(settings: Settings) -> None:
    keys = open_keystore(settings)
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    with keys.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0008")  # the revision before the change (0009)
    ledger = Ledger(settings, keys, clock=fixed_clock)
    try:
        registered = ledger.register_housing_location(
            bag_id=a_bag_id(), address=an_address(), kind="dwelling", max_occupants=4, floor_area_m2=20
        )
        _as_the_old_code_left_the_views(keys.engine, registered.id, registered.position)

        with keys.engine.begin() as conn:  # 0009 alone: later revisions empty other views for reasons of their own
            config.attributes["connection"] = conn
            command.upgrade(config, "0009")

        with keys.engine.connect() as conn:
            existing = inspect(conn)  # the view's tables that 0009 knows (later revisions add others)
            left = {
                table.name: conn.execute(select(func.count()).select_from(table)).scalar()
                for table in ResidenceView.tables
                if existing.has_table(table.name)
            }
            positions = set(
                conn.execute(select(projection_tracking.c.view_name, projection_tracking.c.notification_id))
            )
        assert "residence_history" in left
        assert left == dict.fromkeys(left, 0)
        assert positions == {("alerts", registered.position)}  # the other views are left as they were

        upgrade(keys.engine, keys.key_engine)  # the rest, so that today's runner finds every table it writes
        assert _residence(ledger).catch_up() == 1
        found = occupancy(
            keys.engine,
            registered.id,
            on=TODAY,
            as_known_at=datetime.now(UTC),
            norms=settings.floor_area_norms_m2,
        )
        assert found is not None
        assert (found.max_occupants, found.limit_basis) == (4, "municipality")
    finally:
        ledger.close()
        keys.dispose()


def _as_the_old_code_left_the_views(engine: Any, location: UUID, position: int) -> None:
    """The residence view's rows and position as the code before the change wrote them (revision 0008)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO location_facts (housing_location_id, postcode_area, kind, floor_area_m2)"
                " VALUES (:location, '1671', 'dwelling', 20)"
            ),
            {"location": location.hex},
        )
        conn.execute(
            text(
                "INSERT INTO occupancy_limit_entries (housing_location_id, seq, valid_from, max_occupants)"
                " VALUES (:location, 1, '0001-01-01', 4)"
            ),
            {"location": location.hex},
        )
        conn.execute(
            text(
                "INSERT INTO projection_tracking (view_name, application_name, notification_id)"
                " VALUES ('residence', :app, :position), ('alerts', :app, :position)"
            ),
            {"app": APPLICATION_NAME, "position": position},
        )


def test_the_migrations_create_the_residence_tables_as_declared(ledger: Ledger) -> None:
    with ledger.keys.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)

    def table_of(difference: Any) -> str:
        if isinstance(difference, list):  # column changes come in lists
            return table_of(difference[0])
        subject = difference[1]  # a Table, an Index, or None before a table name
        if subject is None:
            return str(difference[2])
        return str(subject.table.name if hasattr(subject, "table") else subject.name)

    assert [d for d in differences if table_of(d) in metadata.tables] == []
