"""Events already written are immutable: a NUL or a lone surrogate in one must never stop a view.

The domain refuses such text now, but the log may hold events written before
it did, or by another writer. Here they are written past the domain's checks
(events triggered on the aggregates by hand, and encoded with every
non-ASCII character escaped, as a JSON writer that does not refuse lone
surrogates would) and every view is run over them on both backends: none
stops, the text is stored with each unstorable character as U+FFFD, and the
events after them are projected.

Also here: a write that fails after its data keys were made leaves no key behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import OperationalError
from sqlalchemy import func, select

from ledger.application.service import Ledger
from ledger.crypto.key_tables import subject_keys
from ledger.domain.housing_location import HousingLocation, housing_location_id_for
from ledger.domain.values import Address
from ledger.domain.worker import Worker
from projections.occupancy import occupancy
from projections.register import RegisterView
from projections.registry import build_view_runners
from projections.residence import location_facts
from projections.runner import ViewRunner
from tests.factories import (
    REVIEW_ON,
    a_bag_id,
    a_kvk_number,
    a_person,
    an_address,
    an_employment,
    an_identity_document,
)

POISON = "\x00\ud800"  # a NUL and a lone surrogate
SHOWN = "\ufffd\ufffd"  # what a view keeps of them
TODAY = date(2026, 6, 15)


@pytest.fixture
def escaping(ledger: Ledger) -> Iterator[Ledger]:
    """The ledger, its events encoded with non-ASCII characters escaped (lone surrogates then encode)."""
    transcoder: Any = ledger.mapper.transcoder
    plain = transcoder.encoder
    transcoder.encoder = json.JSONEncoder(default=plain.default, separators=(",", ":"), ensure_ascii=True)
    try:
        yield ledger
    finally:
        transcoder.encoder = plain


def poisoned_worker(employer_id: UUID, location_id: UUID, poison: str = POISON) -> Worker:
    """A worker whose registration carries `poison` in its names, nationality, document and work address."""
    return Worker._create(
        Worker.Registered,
        id=uuid4(),
        employer_id=employer_id,
        family_name=f"Kowal{poison}ska",
        given_names=f"Anna{poison}",
        birth_date=date(1994, 3, 14),
        nationality=f"P{poison}"[:3],
        id_document_type="passport",
        id_document_number=f"EC{poison}7",
        id_document_expires_on=date(2030, 5, 1),
        bsn=None,
        employment_start=date(2026, 4, 1),
        expected_end_date=None,
        work_address=Address(street=f"Handels{poison}weg", house_number=3, postcode=f"16{poison}AA"[:6], city=poison),
        housing_location_id=location_id,
        housing_valid_from=date(2026, 4, 1),
        housing_outside_municipality=False,
    )


def poisoned_location() -> HousingLocation:
    bag_id = a_bag_id()
    return HousingLocation._create(
        HousingLocation.Registered,
        id=housing_location_id_for(bag_id),
        bag_id=bag_id,
        address=Address(street=f"Dorps{POISON}straat", house_number=7, postcode=f"1{POISON}1AB", city="Medemblik"),
        kind=f"dwelling{POISON}",
        max_occupants=4,
        proposed_max_occupants=None,
        floor_area_m2=None,
        owner_kvk_number=None,
        proposed_by=None,
    )


def write_poison(ledger: Ledger) -> tuple[UUID, UUID, UUID]:
    """Poisoned events of a location and a worker (registration, later changes); their employer and ids."""
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    location = poisoned_location()
    worker = poisoned_worker(employer.id, location.id)
    worker.trigger_event(
        Worker.WorkAddressChanged,
        work_address=Address(street=f"Veiling{POISON}weg", house_number=1, postcode="1671GZ", city=f"Mede{POISON}"),
        valid_from=date(2026, 5, 1),
    )
    worker.trigger_event(Worker.ContractEnded, end_date=date(2026, 7, 31), reason=f"season{POISON}")
    worker.trigger_event(
        Worker.PopulationRegisterRecorded,
        register=f"R{POISON}",
        registered_on=TODAY,
        bsn=None,
        address_bag_id=f"0420{POISON}",
        municipality_code=f"04{POISON}",
        address_since=TODAY,
    )
    worker.trigger_event(Worker.PopulationDeclarationReported, register=f"B{POISON}", declared_on=TODAY)
    worker.trigger_event(
        Worker.LegalHoldPlaced, case_reference=f"HH{POISON}1", reason=f"case{POISON}", review_on=REVIEW_ON
    )
    ledger.save(location, worker)
    return employer.id, location.id, worker.id


def run_every_view(ledger: Ledger) -> list[ViewRunner]:
    runners = build_view_runners(ledger)
    for runner in runners:
        runner.catch_up()  # raises ViewStoppedError if the view stops
    return runners


def test_every_view_stores_poisoned_text_and_goes_on_to_later_events(escaping: Ledger) -> None:
    ledger = escaping
    employer_id, location_id, worker_id = write_poison(ledger)
    later = ledger.register_worker(
        employer_id=employer_id,
        person=a_person(family_name="Nowak", id_document=an_identity_document(number="EC7000001")),
        employment=an_employment(),
        housing_location_id=location_id,
        housing_valid_from=date(2026, 4, 1),
    )
    ledger.lift_legal_hold(worker_id, case_reference=f"HH{POISON}1")

    runners = run_every_view(ledger)

    head = ledger.recorder.max_notification_id()
    for runner in runners:
        status = runner.status()
        assert (status.name, status.stopped, status.position) == (runner.name, False, head)
    register = RegisterView(ledger.database.engine, ledger.keys)
    poisoned = register.worker(worker_id, today=TODAY)
    assert poisoned is not None
    assert (poisoned.person.family_name, poisoned.person.given_names) == (f"Kowal{SHOWN}ska", f"Anna{SHOWN}")
    assert (poisoned.nationality, poisoned.person.id_document_number) == (f"P{SHOWN}", f"EC{SHOWN}7")
    assert (poisoned.work_address.street, poisoned.work_address.city) == (f"Veiling{SHOWN}weg", f"Mede{SHOWN}")
    assert poisoned.population_register is not None
    assert poisoned.population_register.register == f"R{SHOWN}"
    assert poisoned.population_register.municipality_code == f"04{SHOWN}"
    assert poisoned.population_register.declared_register == f"B{SHOWN}"[:3]
    assert poisoned.legal_holds == ()  # placed and lifted under the same (poisoned) case reference
    assert register.worker(later.id, today=TODAY) is not None
    assert {w.family_name for w in register.names([worker_id, later.id]).values()} == {f"Kowal{SHOWN}ska", "Nowak"}
    assert register.search(f"Kowal{POISON}ska", today=TODAY) == [poisoned]
    found = occupancy(
        ledger.database.engine,
        location_id,
        on=TODAY,
        as_known_at=datetime.now(UTC),
        norms=ledger.settings.floor_area_norms_m2,
    )
    assert found is not None
    assert {o.worker_id for o in found.occupants} == {worker_id, later.id}
    with ledger.database.engine.connect() as conn:
        facts = conn.execute(select(location_facts.c.postcode_area, location_facts.c.kind)).one()
    assert tuple(facts) == (f"1{SHOWN}1", f"dwelling{SHOWN}")


def test_a_rebuild_goes_past_poisoned_events(escaping: Ledger) -> None:
    ledger = escaping
    write_poison(ledger)
    run_every_view(ledger)

    for runner in build_view_runners(ledger):
        runner.rebuild()
        assert not runner.status().stopped


def test_a_nul_the_event_store_took_before_the_domain_refused_it_stops_no_view(ledger: Ledger) -> None:
    # No escaping needed: JSON writes a NUL as \u0000, and the event store took it (201) before.
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(house_number=70), kind="dwelling", max_occupants=4
    )
    worker = poisoned_worker(employer.id, location.id, poison="\x00")
    worker.trigger_event(
        Worker.WorkAddressChanged,
        work_address=an_address(street="Handels\x00weg", city="Wog\x00num"),
        valid_from=date(2026, 5, 1),
    )
    ledger.save(worker)

    runners = run_every_view(ledger)

    assert not any(runner.status().stopped for runner in runners)
    record = RegisterView(ledger.database.engine, ledger.keys).worker(worker.id, today=TODAY)
    assert record is not None
    assert (record.person.family_name, record.nationality) == ("Kowal\ufffdska", "P\ufffd")
    assert (record.work_address.street, record.work_address.city) == ("Handels\ufffdweg", "Wog\ufffdnum")


def test_text_longer_than_its_column_is_cut_to_fit_and_stops_no_view(ledger: Ledger) -> None:
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(house_number=71), kind="dwelling", max_occupants=4
    )
    worker = poisoned_worker(employer.id, location.id, poison="")
    # Longer than the register's columns (200, 80 and 64 characters): no rule today lets them through.
    worker.trigger_event(
        Worker.WorkAddressChanged,
        work_address=an_address(street="Handelsweg" * 30, city="Wognum" * 20),
        valid_from=date(2026, 5, 1),
    )
    worker.trigger_event(Worker.LegalHoldPlaced, case_reference="HH-" + "7" * 80, reason="case", review_on=REVIEW_ON)
    ledger.save(worker)

    runners = run_every_view(ledger)

    assert not any(runner.status().stopped for runner in runners)
    record = RegisterView(ledger.database.engine, ledger.keys).worker(worker.id, today=TODAY)
    assert record is not None
    assert (record.work_address.street, record.work_address.city) == (("Handelsweg" * 30)[:200], ("Wognum" * 20)[:80])
    assert [hold.case_reference for hold in record.legal_holds] == [("HH-" + "7" * 80)[:64]]


# -- data keys of a write that fails ---------------------------------------------------


def key_count(ledger: Ledger) -> int:
    with ledger.database.key_engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(subject_keys)).scalar_one())


def test_a_registration_whose_events_are_not_stored_leaves_no_data_key(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    before = key_count(ledger)

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("the database went away")

    monkeypatch.setattr(ledger.recorder, "insert_events", fail)
    with pytest.raises(OperationalError):
        ledger.register_worker(employer_id=employer.id, person=a_person(), employment=an_employment())

    assert key_count(ledger) == before


def test_an_event_that_cannot_be_encoded_leaves_no_data_key(ledger: Ledger) -> None:
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    before = key_count(ledger)
    worker = poisoned_worker(employer.id, housing_location_id_for("0420019999999999"))

    with pytest.raises(UnicodeEncodeError):
        ledger.save(worker)

    assert key_count(ledger) == before
    assert ledger.recorder.max_notification_id() == 1


def test_a_failed_write_keeps_the_keys_of_subjects_that_had_one(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    worker = ledger.register_worker(employer_id=employer.id, person=a_person(), employment=an_employment())
    before = key_count(ledger)

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("the database went away")

    monkeypatch.setattr(ledger.recorder, "insert_events", fail)
    with pytest.raises(OperationalError):
        ledger.place_legal_hold(worker.id, case_reference="HH-1", reason="case")

    assert key_count(ledger) == before
    monkeypatch.undo()
    assert ledger.get(Worker, worker.id).family_name == "Kowalska"
