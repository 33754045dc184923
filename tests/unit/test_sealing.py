"""The sealing mapper, without a database: keys come from a dict."""

from __future__ import annotations

import json
import secrets
from datetime import date
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.employer import Employer
from ledger.domain.values import SHREDDED
from ledger.domain.worker import Worker
from ledger.sealing import SealBrokenError, SealingMapper
from ledger.transcodings import register_ledger_transcodings
from tests.factories import TODAY, a_person, an_employment


class DictKeys:
    """Subject keys in memory; `forget` plays the part of shredding."""

    def __init__(self) -> None:
        self.keys: dict[UUID, bytes] = {}

    def data_key(self, subject_id: UUID) -> bytes | None:
        return self.keys.get(subject_id)

    def data_key_for_writing(self, subject_id: UUID) -> bytes:
        return self.keys.setdefault(subject_id, secrets.token_bytes(32))

    def forget(self, subject_id: UUID) -> None:
        del self.keys[subject_id]


def _mapper(keys: DictKeys) -> SealingMapper:
    transcoder = JSONTranscoder()
    register_ledger_transcodings(transcoder)
    return SealingMapper(transcoder=transcoder, keys=keys)


def _registered(**person: object) -> Worker.Registered:
    worker = Worker.register(
        employer_id=uuid4(),
        person=a_person(**person),
        employment=an_employment(),
        housing_location_id=None,
        housing_valid_from=None,
        today=TODAY,
    )
    event = worker.collect_events()[0]
    assert isinstance(event, Worker.Registered)
    return event


def _with_state(stored: StoredEvent, **changes: object) -> StoredEvent:
    state = json.loads(stored.state) | changes
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())


@given(name=st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=60))
def test_personal_fields_round_trip_and_never_appear_in_the_stored_state(name: str) -> None:
    keys = DictKeys()
    mapper = _mapper(keys)
    event = _registered(family_name=f"Canary{name}")

    stored = mapper.to_stored_event(event)
    opened = mapper.to_domain_event(stored)

    assert isinstance(opened, Worker.Registered)
    assert opened.family_name == event.family_name
    assert opened.birth_date == date(1994, 3, 14)
    assert json.loads(stored.state)["family_name"].startswith("sealed:v1:")
    assert f"Canary{name}".encode() not in stored.state


def test_operational_facts_stay_plain() -> None:
    event = _registered()
    stored = json.loads(_mapper(DictKeys()).to_stored_event(event).state)
    assert stored["nationality"] == "POL"
    assert stored["employer_id"]["_data_"] == event.employer_id.hex


def test_without_the_key_personal_fields_read_as_shredded_and_facts_stay() -> None:
    keys = DictKeys()
    mapper = _mapper(keys)
    event = _registered()
    stored = mapper.to_stored_event(event)
    keys.forget(event.originator_id)

    opened = mapper.to_domain_event(stored)

    assert isinstance(opened, Worker.Registered)
    assert (opened.family_name, opened.bsn, opened.birth_date) == (SHREDDED, None, SHREDDED)
    assert (opened.nationality, opened.employment_start) == ("POL", date(2026, 4, 1))


def test_ciphertext_moved_to_another_event_does_not_open() -> None:
    keys = DictKeys()
    mapper = _mapper(keys)
    first = mapper.to_stored_event(_registered())
    second_event = _registered()
    second = mapper.to_stored_event(second_event)
    keys.keys[second_event.originator_id] = keys.keys[first.originator_id]  # even with the right key

    moved = _with_state(second, family_name=json.loads(first.state)["family_name"])

    with pytest.raises(SealBrokenError):
        mapper.to_domain_event(moved)


def test_a_plaintext_value_where_a_sealed_one_belongs_fails_loudly() -> None:
    mapper = _mapper(DictKeys())
    stored = _with_state(mapper.to_stored_event(_registered()), family_name="Kowalska")
    with pytest.raises(SealBrokenError, match="not sealed"):
        mapper.to_domain_event(stored)


def test_snapshot_state_is_sealed_whole() -> None:
    keys = DictKeys()
    mapper = _mapper(keys)
    employer = Employer.register(kvk_number="12345678", name="Snapshot B.V.")
    snapshot = Snapshot.take(employer)

    stored = mapper.to_stored_event(snapshot)
    opened = mapper.to_domain_event(stored)

    assert b"Snapshot B.V." not in stored.state
    assert isinstance(opened, Snapshot)
    assert opened.state["name"] == "Snapshot B.V."
