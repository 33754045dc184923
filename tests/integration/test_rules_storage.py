"""The rules of issue 13 §4 that touch storage, on both backends: old events, sanctions.

Old events (stored before the sanction's addressee and the erasure's reason
code existed) still decode; a sanction's employer must be registered; the
amount's maximum is the setting. Erasure notes: test_erasure_storage.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from ledger.application.service import Ledger
from ledger.audit.event_documents import event_document
from ledger.domain.errors import RuleViolated
from ledger.domain.inspection import Inspection
from ledger.domain.worker import Worker
from ledger.settings import Settings
from ledger.system import open_ledger
from tests.conftest import fixed_clock
from tests.factories import World, a_world, broken_rules, register_worker

# `Inspection.SanctionImposed` as main (10e8ce2) stored it: no addressee, no class version.
OLD_SANCTION = (
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-06-15T10:00:00+00:00"},"kind":"administrative_fine",'
    b'"against":"owner","amount_eur":{"_type_":"decimal_str","_data_":"2500.00"},"deadline":null,'
    b'"imposed_on":{"_type_":"date_iso","_data_":"2026-06-15"}}'
)


def old_shredding(policy: str) -> bytes:
    """`PersonalDataShredded` as main (10e8ce2) stored it: policy and due date, no reason code."""
    return (
        b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-06-15T10:00:00+00:00"},"policy":"'
        + policy.encode()
        + b'","due_on":null}'
    )


def store_old(ledger: Ledger, aggregate_id: UUID, version: int, topic: str, state: bytes) -> None:
    ledger.recorder.insert_events(
        [StoredEvent(originator_id=aggregate_id, originator_version=version, topic=topic, state=state)]
    )


def an_inspection_with_violations(ledger: Ledger, world: World, notes: str | None = None) -> UUID:
    return ledger.record_inspection(
        housing_location_id=world.location_id,
        inspected_on=date(2026, 6, 10),
        occupants_found=9,
        findings=["overcrowding"],
        outcome="violations",
        notes=notes,
    ).id


# -- old events --------------------------------------------------------------------------------


def test_a_sanction_stored_before_it_named_its_addressee_still_decodes(ledger: Ledger) -> None:
    inspection_id = an_inspection_with_violations(ledger, a_world(ledger))
    store_old(ledger, inspection_id, 2, get_topic(Inspection.SanctionImposed), OLD_SANCTION)

    inspection = ledger.get(Inspection, inspection_id)
    event = list(ledger.events.get(inspection_id))[-1]

    assert inspection.sanctions == ["administrative_fine"]
    assert isinstance(event, Inspection.SanctionImposed)
    assert (event.against, event.employer_id, event.owner_kvk_number) == ("owner", None, None)
    assert event.amount_eur == Decimal("2500.00")
    data = event_document(event)["data"]
    assert (data["employerId"], data["ownerKvkNumber"], data["amountEur"]) == (None, None, "2500.00")


@pytest.mark.parametrize(("policy", "code"), [("erasure_request", None), ("worker_registration", "retention")])
def test_a_shredding_stored_before_reason_codes_still_decodes(ledger: Ledger, policy: str, code: str | None) -> None:
    worker_id = register_worker(ledger, a_world(ledger))
    ledger.keys.shred(worker_id)
    store_old(ledger, worker_id, 2, get_topic(Worker.PersonalDataShredded), old_shredding(policy))

    worker = ledger.get(Worker, worker_id)
    event = list(ledger.events.get(worker_id))[-1]

    assert worker.shredded
    assert isinstance(event, Worker.PersonalDataShredded)
    assert (event.policy, event.reason_code) == (policy, code)
    assert event_document(event)["data"]["reasonCode"] == code


# -- sanctions -------------------------------------------------------------------------------


def test_a_sanction_against_a_registered_employer_is_stored_with_its_id(ledger: Ledger) -> None:
    world = a_world(ledger)
    inspection_id = an_inspection_with_violations(ledger, world)

    ledger.impose_sanction(inspection_id, kind="warning", against="employer", employer_id=world.employer_id)

    event = list(ledger.events.get(inspection_id))[-1]
    assert isinstance(event, Inspection.SanctionImposed)
    assert (event.against, event.employer_id, event.owner_kvk_number) == ("employer", world.employer_id, None)


def test_a_sanction_against_an_unknown_employer_is_refused_naming_it_and_stores_nothing(ledger: Ledger) -> None:
    inspection_id = an_inspection_with_violations(ledger, a_world(ledger))
    before = ledger.recorder.max_notification_id()

    with pytest.raises(RuleViolated) as refused:
        ledger.impose_sanction(inspection_id, kind="warning", against="employer", employer_id=uuid4())

    assert broken_rules(refused.value) == {("employer_id", "unknown")}
    assert ledger.recorder.max_notification_id() == before


def test_an_amount_above_the_configured_maximum_is_refused(migrated: Settings) -> None:
    with open_ledger(
        migrated.model_copy(update={"sanction_max_amount_eur": Decimal(500)}), clock=fixed_clock
    ) as ledger:
        inspection_id = an_inspection_with_violations(ledger, a_world(ledger))
        with pytest.raises(RuleViolated) as refused:
            ledger.impose_sanction(
                inspection_id,
                kind="administrative_fine",
                against="owner",
                owner_kvk_number="34781256",
                amount_eur=Decimal("500.01"),
            )
        ledger.impose_sanction(
            inspection_id,
            kind="administrative_fine",
            against="owner",
            owner_kvk_number="34781256",
            amount_eur=Decimal(500),
        )
    assert broken_rules(refused.value) == {("amount_eur", "out_of_range")}
