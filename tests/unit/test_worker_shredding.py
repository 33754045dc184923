"""Unit tests of a shredded worker: no new personal data, the rest of the record goes on."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.domain.erasure import ErasureReason
from ledger.domain.errors import Conflict
from ledger.domain.housing_location import housing_location_id_for
from ledger.domain.worker import Worker
from tests.factories import REVIEW_ON, TODAY, a_brp_address, a_worker, valid_bsn


def shredded_worker() -> Worker:
    worker = a_worker()
    worker.record_shredding("retention_1_year", date(2027, 11, 1), ErasureReason.RETENTION)
    worker.collect_events()
    return worker


def test_recording_shredding_emits_personal_data_shredded() -> None:
    worker = a_worker()
    worker.collect_events()

    worker.record_shredding("retention_1_year", date(2027, 11, 1), ErasureReason.RETENTION)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.PersonalDataShredded)
    assert (event.policy, event.due_on, event.reason_code) == ("retention_1_year", date(2027, 11, 1), "retention")
    assert worker.shredded is True


def test_recording_shredding_twice_emits_one_event() -> None:
    worker = a_worker()
    worker.collect_events()

    worker.record_shredding("erasure_request", None, ErasureReason.DATA_SUBJECT_REQUEST)
    worker.record_shredding("erasure_request", None, ErasureReason.DATA_SUBJECT_REQUEST)

    assert [type(e) for e in worker.collect_events()] == [Worker.PersonalDataShredded]


def test_population_registration_with_a_bsn_after_shredding_is_a_conflict() -> None:
    worker = shredded_worker()

    with pytest.raises(Conflict):
        worker.record_population_registration("RNI", TODAY, valid_bsn(), TODAY)

    assert worker.collect_events() == []


def test_population_registration_without_a_bsn_after_shredding_is_recorded() -> None:
    worker = shredded_worker()

    worker.record_population_registration("BRP", TODAY, None, TODAY, address=a_brp_address())

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.PopulationRegisterRecorded)


def test_contract_end_with_a_reason_after_shredding_is_a_conflict() -> None:
    worker = shredded_worker()

    with pytest.raises(Conflict):
        worker.end_contract(date(2026, 9, 30), "dismissed", TODAY)

    assert worker.collect_events() == []


def test_contract_end_without_a_reason_after_shredding_is_recorded() -> None:
    worker = shredded_worker()

    worker.end_contract(date(2026, 9, 30), "   ", TODAY)  # a blank reason is no reason

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.ContractEnded)
    assert event.reason is None


def test_legal_hold_after_shredding_is_a_conflict() -> None:
    worker = shredded_worker()

    with pytest.raises(Conflict):
        worker.place_legal_hold("HH-1", "late enforcement case", review_on=REVIEW_ON, today=TODAY)

    assert worker.collect_events() == []


def test_housing_change_after_shredding_is_still_recorded() -> None:
    worker = shredded_worker()
    elsewhere = housing_location_id_for("0420010000000009")

    worker.change_housing(elsewhere, date(2026, 6, 1), TODAY)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.HousingAddressChanged)
    assert worker.housing_on(date(2026, 6, 1)) == elsewhere


def test_departure_after_shredding_is_still_recorded() -> None:
    worker = shredded_worker()

    worker.depart(date(2026, 6, 1), TODAY)

    assert worker.housing_on(date(2026, 6, 1)) is None
