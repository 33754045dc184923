"""The worker's BRP/RNI facts: the registration with its BRP address, deregistration, declaration, protection.

Wet BRP art. 2.38/2.39 (docs/domain-rules.md § The BRP and the RNI). Who may
record which is the API's policy (only municipal roles record BRP/RNI facts);
the rules here hold whoever records them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from ledger.domain.errors import RuleViolated
from ledger.domain.population import BrpAddress, DeregistrationReason
from ledger.domain.values import years_after
from ledger.domain.worker import Worker
from ledger.persistence.transcodings import register_ledger_transcodings
from tests.factories import TODAY, a_person, a_worker, broken_rules

IN_HOORN = BrpAddress(bag_id="0405010000054321", municipality_code="0405", since=date(2026, 4, 2))
BORN = date(1994, 3, 14)


def registered_worker() -> Worker:
    worker = a_worker(person=a_person(birth_date=BORN))
    worker.collect_events()
    return worker


def refusal(command: Callable[[], None]) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolated) as refused:
        command()
    return broken_rules(refused.value)


def mapper() -> Mapper[UUID]:
    transcoder = JSONTranscoder()
    register_ledger_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


# -- the BRP registration and its address --------------------------------------------------------


def test_a_brp_registration_records_the_address_its_municipality_and_since_when() -> None:
    worker = registered_worker()

    worker.record_population_registration("BRP", date(2026, 4, 3), None, TODAY, address=IN_HOORN)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.PopulationRegisterRecorded)
    assert (event.register, event.registered_on) == ("BRP", date(2026, 4, 3))
    assert (event.address_bag_id, event.municipality_code, event.address_since) == (
        "0405010000054321",
        "0405",
        date(2026, 4, 2),
    )


def test_a_brp_registration_without_an_address_is_refused() -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.record_population_registration("BRP", TODAY, None, TODAY)) == {
        ("address", "required")
    }


def test_an_rni_registration_has_no_dutch_address() -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.record_population_registration("RNI", TODAY, None, TODAY, address=IN_HOORN)) == {
        ("address", "not_applicable")
    }
    worker.record_population_registration("RNI", TODAY, None, TODAY)
    (event,) = worker.collect_events()
    assert (event.address_bag_id, event.municipality_code, event.address_since) == (None, None, None)


@pytest.mark.parametrize(
    ("address", "broken"),
    [
        (BrpAddress("0405200000054321", "0405", TODAY), ("address.bag_id", "bag_object_type_not_addressable")),
        (BrpAddress("405010000054321", "0405", TODAY), ("address.bag_id", "invalid_bag_id")),
        (BrpAddress("0405010000054321", "GM0405", TODAY), ("address.municipality_code", "invalid_municipality_code")),
        (BrpAddress("0405010000054321", "405", TODAY), ("address.municipality_code", "invalid_municipality_code")),
        (BrpAddress("0405010000054321", "0405", TODAY + timedelta(days=1)), ("address.since", "in_future")),
        (BrpAddress("0405010000054321", "0405", BORN - timedelta(days=1)), ("address.since", "before_birth")),
        (BrpAddress("0405010000054321", "0405", date(1899, 12, 31)), ("address.since", "out_of_range")),
    ],
)
def test_an_invalid_brp_address_is_refused_naming_its_member(address: BrpAddress, broken: tuple[str, str]) -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.record_population_registration("BRP", TODAY, None, TODAY, address=address)) == {
        broken
    }


def test_the_bag_id_of_the_brp_address_is_trimmed() -> None:
    worker = registered_worker()
    padded = BrpAddress(bag_id=" 0405010000054321\t", municipality_code=" 0405 ", since=TODAY)

    worker.record_population_registration("BRP", TODAY, None, TODAY, address=padded)

    (event,) = worker.collect_events()
    assert (event.address_bag_id, event.municipality_code) == ("0405010000054321", "0405")


def test_a_registration_stored_before_the_address_was_kept_reads_with_the_address_unknown() -> None:
    doc = json.loads((Path(__file__).parent / "data" / "population_register_recorded_v1.json").read_text("utf-8"))
    stored = StoredEvent(UUID(doc["originator_id"]), doc["originator_version"], doc["topic"], doc["state"].encode())

    event = mapper().to_domain_event(stored)

    assert isinstance(event, Worker.PopulationRegisterRecorded)
    assert (event.register, event.registered_on, event.bsn) == ("BRP", date(2026, 4, 10), None)
    assert (event.address_bag_id, event.municipality_code, event.address_since) == (None, None, None)


def test_a_new_registration_is_stored_as_version_two() -> None:
    worker = registered_worker()
    worker.record_population_registration("BRP", TODAY, None, TODAY, address=IN_HOORN)
    (event,) = worker.collect_events()

    state = json.loads(mapper().to_stored_event(event).state)

    assert (state["class_version"], state["address_bag_id"]) == (2, "0405010000054321")


# -- deregistration --------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", list(DeregistrationReason))
def test_a_deregistration_is_an_event_with_its_date_and_reason(reason: DeregistrationReason) -> None:
    worker = registered_worker()
    worker.record_population_registration("BRP", date(2026, 4, 3), None, TODAY, address=IN_HOORN)
    worker.collect_events()

    worker.deregister(date(2026, 6, 1), reason.value, TODAY)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.PopulationDeregistered)
    assert (event.deregistered_on, event.reason) == (date(2026, 6, 1), reason.value)
    assert worker.deregistered_on == date(2026, 6, 1)


def test_deregistration_reasons_are_the_brps() -> None:
    assert {r.value for r in DeregistrationReason} == {"emigrated", "unknown_whereabouts"}


@pytest.mark.parametrize(
    ("deregistered_on", "reason", "broken"),
    [
        (TODAY, "moved", ("reason", "invalid_choice")),
        (TODAY + timedelta(days=1), "emigrated", ("deregistered_on", "in_future")),
        (BORN - timedelta(days=1), "emigrated", ("deregistered_on", "before_birth")),
        (date(1899, 12, 31), "emigrated", ("deregistered_on", "out_of_range")),
    ],
)
def test_an_invalid_deregistration_is_refused(deregistered_on: date, reason: str, broken: tuple[str, str]) -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.deregister(deregistered_on, reason, TODAY)) == {broken}


# -- the employer's declaration ----------------------------------------------------------------------


def test_an_employers_declaration_is_an_event_of_its_own_that_changes_no_registration() -> None:
    worker = registered_worker()

    worker.report_population_declaration("BRP", date(2026, 4, 3), TODAY)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.PopulationDeclarationReported)
    assert (event.register, event.declared_on) == ("BRP", date(2026, 4, 3))
    assert worker.population_register is None


@pytest.mark.parametrize(
    ("register", "declared_on", "broken"),
    [
        ("GBA", TODAY, ("register", "invalid_choice")),
        ("BRP", TODAY + timedelta(days=1), ("declared_on", "in_future")),
        ("BRP", BORN - timedelta(days=1), ("declared_on", "before_birth")),
    ],
)
def test_an_invalid_declaration_is_refused(register: str, declared_on: date, broken: tuple[str, str]) -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.report_population_declaration(register, declared_on, TODAY)) == {broken}


# -- temporary protection ----------------------------------------------------------------------------


def test_temporary_protection_is_recorded_from_a_date() -> None:
    worker = registered_worker()

    worker.record_temporary_protection(date(2026, 3, 1), TODAY)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.TemporaryProtectionRecorded)
    assert event.valid_from == date(2026, 3, 1)
    assert worker.temporary_protection_from == date(2026, 3, 1)


def test_temporary_protection_is_never_inferred_from_the_nationality() -> None:
    worker = a_worker(person=a_person(nationality="UKR"))

    assert worker.temporary_protection_from is None


@pytest.mark.parametrize(
    ("valid_from", "broken"),
    [
        (years_after(TODAY, 1) + timedelta(days=1), ("valid_from", "too_far_ahead")),
        (BORN - timedelta(days=1), ("valid_from", "before_birth")),
    ],
)
def test_an_invalid_protection_date_is_refused(valid_from: date, broken: tuple[str, str]) -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.record_temporary_protection(valid_from, TODAY)) == {broken}
