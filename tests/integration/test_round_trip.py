"""Commands through the application service, stored and read back, on both backends."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.application.service import Ledger
from ledger.domain.housing_location import HousingLocation
from ledger.domain.inspection import Inspection
from ledger.domain.worker import Worker
from ledger.errors import Conflict, NotFound, RuleViolated
from tests.factories import (
    a_bag_id,
    a_person,
    a_world,
    an_address,
    an_employment,
    an_identity_document,
    register_worker,
    valid_bsn,
)


def test_registered_worker_reloads_as_written(ledger: Ledger) -> None:
    world = a_world(ledger)
    bsn = valid_bsn()
    receipt = ledger.register_worker(
        employer_id=world.employer_id,
        person=a_person(family_name="Nowak", bsn=bsn, id_document=an_identity_document(number="EA1234567")),
        employment=an_employment(),
        housing_location_id=world.location_id,
        housing_valid_from=date(2026, 4, 1),
    )

    worker = ledger.get(Worker, receipt.id)

    assert (worker.family_name, worker.given_names, worker.bsn) == ("Nowak", "Anna Maria", bsn)
    assert worker.birth_date == date(1994, 3, 14)
    assert worker.id_document_number == "EA1234567"
    assert worker.work_address_on(date(2026, 5, 1)).postcode == "1687AA"
    assert worker.housing_on(date(2026, 4, 1)) == world.location_id
    assert receipt.version == 1
    assert receipt.position == ledger.recorder.max_notification_id()


def test_back_dated_housing_change_and_contract_end_reload(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    ledger.change_housing(worker_id, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
    # Recorded later, but true earlier: the worker had moved on 20 April already.
    ledger.change_housing(worker_id, housing_location_id=world.other_location_id, valid_from=date(2026, 4, 20))
    receipt = ledger.end_contract(worker_id, end_date=date(2026, 6, 30), reason="seizoen voorbij")

    worker = ledger.get(Worker, worker_id)

    assert worker.housing_on(date(2026, 4, 19)) == world.location_id
    assert worker.housing_on(date(2026, 4, 20)) == world.other_location_id
    assert worker.contract_end == date(2026, 6, 30)
    assert worker.contract_end_reason == "seizoen voorbij"
    assert worker.version == receipt.version == 4


def test_positions_increase_with_every_write(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    first = ledger.record_departure(worker_id, departed_on=date(2026, 6, 1))
    second = ledger.record_population_registration(worker_id, register="RNI", registered_on=date(2026, 4, 2))
    assert second.position > first.position


def test_duplicate_kvk_number_conflicts(ledger: Ledger) -> None:
    ledger.register_employer(kvk_number="12345678", name="Eerste B.V.")
    with pytest.raises(Conflict):
        ledger.register_employer(kvk_number="12345678", name="Tweede B.V.")


def test_duplicate_bag_id_conflicts(ledger: Ledger) -> None:
    bag_id = a_bag_id()
    ledger.register_housing_location(bag_id=bag_id, address=an_address(), kind="dwelling", max_occupants=4)
    with pytest.raises(Conflict):
        ledger.register_housing_location(bag_id=bag_id, address=an_address(), kind="other", max_occupants=2)


def test_worker_for_unknown_employer_is_refused_and_nothing_stored(ledger: Ledger) -> None:
    world = a_world(ledger)
    before = ledger.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        ledger.register_worker(
            employer_id=world.location_id,
            person=a_person(),
            employment=an_employment(),
        )
    assert refused.value.violations[0].field == "employer_id"
    assert ledger.recorder.max_notification_id() == before


def test_housing_at_unregistered_location_is_refused(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    with pytest.raises(RuleViolated) as refused:
        ledger.change_housing(worker_id, housing_location_id=world.employer_id, valid_from=date(2026, 5, 1))
    assert refused.value.violations[0].field == "housing_location_id"


def test_unknown_worker_is_not_found(ledger: Ledger) -> None:
    world = a_world(ledger)
    with pytest.raises(NotFound):
        ledger.record_departure(world.location_id, departed_on=date(2026, 6, 1))


def test_over_full_location_is_recorded_not_refused(ledger: Ledger) -> None:
    world = a_world(ledger, max_occupants=1)
    ids = [register_worker(ledger, world) for _ in range(3)]
    assert all(ledger.get(Worker, i).housing_on(date(2026, 5, 1)) == world.location_id for i in ids)


def test_occupancy_limit_change_and_inspection_round_trip(ledger: Ledger) -> None:
    world = a_world(ledger)
    ledger.change_occupancy_limit(world.location_id, max_occupants=6, valid_from=date(2026, 5, 1), reason="vergunning")
    inspection = ledger.record_inspection(
        housing_location_id=world.location_id,
        inspected_on=date(2026, 6, 1),
        occupants_found=9,
        findings=["overcrowding"],
        outcome="violations",
        notes="negen matrassen in de woonkamer",
    )
    ledger.impose_sanction(inspection.id, kind="warning", against="owner", owner_kvk_number="34781256")

    location = ledger.get(HousingLocation, world.location_id)
    recorded = ledger.get(Inspection, inspection.id)

    assert (location.max_occupants_on(date(2026, 4, 30)), location.max_occupants_on(date(2026, 5, 1))) == (4, 6)
    assert recorded.notes == "negen matrassen in de woonkamer"
    assert recorded.sanctions == ["warning"]
