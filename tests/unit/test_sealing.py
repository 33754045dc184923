"""The sealing mapper, without a database: keys come from a dict."""

from __future__ import annotations

import dataclasses
import json
import secrets
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from ledger.crypto.sealing import SealBrokenError, SealingMapper, open_bytes, seal_bytes
from ledger.domain.employer import Employer
from ledger.domain.values import SHREDDED
from ledger.domain.worker import Worker
from ledger.persistence.transcodings import register_ledger_transcodings
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


def _v1_worker_registered() -> tuple[StoredEvent, DictKeys]:
    """A `Worker.Registered` exactly as the first sealing mapper stored it (`sealed:v1:`), and its key."""
    doc = json.loads((Path(__file__).parent / "data" / "sealed_v1_worker_registered.json").read_text("utf-8"))
    subject = UUID(doc["originator_id"])
    keys = DictKeys()
    keys.keys[subject] = bytes.fromhex(doc["data_key_hex"])
    return StoredEvent(subject, doc["originator_version"], doc["topic"], doc["state"].encode()), keys


def _damaged(token: str, at: int) -> str:
    """`token` with one base64 character changed (still valid base64)."""
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]


@given(name=st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=60))
def test_personal_fields_round_trip_and_never_appear_in_the_stored_state(name: str) -> None:
    keys = DictKeys()
    mapper = _mapper(keys)
    # Past the domain's checks (names in any script): the mapper must carry whatever an event holds.
    event = dataclasses.replace(_registered(), family_name=f"Canary{name}")

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


def test_events_stored_by_the_first_sealing_mapper_still_open() -> None:
    stored, keys = _v1_worker_registered()

    opened = _mapper(keys).to_domain_event(stored)

    assert isinstance(opened, Worker.Registered)
    assert (opened.family_name, opened.given_names, opened.bsn) == ("Wiśniewska", "Zofia", "111222333")
    assert (opened.birth_date, opened.id_document_expires_on) == (date(1990, 1, 2), date(2031, 2, 3))
    assert (opened.id_document_type, opened.id_document_number) == ("passport", "ZZ7654321")
    assert opened.nationality == "POL"


def test_a_stored_v1_event_without_its_key_reads_as_shredded() -> None:
    stored, keys = _v1_worker_registered()
    keys.forget(UUID(str(stored.originator_id)))

    opened = _mapper(keys).to_domain_event(stored)

    assert isinstance(opened, Worker.Registered)
    assert (opened.family_name, opened.birth_date, opened.bsn) == (SHREDDED, SHREDDED, SHREDDED)


@pytest.mark.parametrize("at", [10, 20, -5, -1])
def test_a_changed_character_in_a_stored_v1_field_fails_loudly(at: int) -> None:
    stored, keys = _v1_worker_registered()
    token = json.loads(stored.state)["given_names"]

    with pytest.raises(SealBrokenError, match="given_names"):
        _mapper(keys).to_domain_event(_with_state(stored, given_names=_damaged(token, at)))


@pytest.mark.parametrize("damage", ["=", "é", "", "QUJD"])
def test_a_stored_v1_field_that_is_not_even_base64_fails_as_broken_not_as_a_decoding_error(damage: str) -> None:
    stored, keys = _v1_worker_registered()

    with pytest.raises(SealBrokenError, match="family_name"):
        _mapper(keys).to_domain_event(_with_state(stored, family_name="sealed:v1:" + damage))


def test_a_v1_field_moved_to_another_field_of_the_same_event_does_not_open() -> None:
    stored, keys = _v1_worker_registered()
    state = json.loads(stored.state)

    with pytest.raises(SealBrokenError):
        _mapper(keys).to_domain_event(_with_state(stored, given_names=state["family_name"]))


def test_a_stored_v1_event_under_another_key_fails_loudly() -> None:
    stored, keys = _v1_worker_registered()
    keys.keys[UUID(str(stored.originator_id))] = secrets.token_bytes(32)

    with pytest.raises(SealBrokenError, match="does not open"):
        _mapper(keys).to_domain_event(stored)


def test_sealed_bytes_open_only_with_their_associated_data() -> None:
    key = secrets.token_bytes(32)
    token = seal_bytes(key, b"Kowalska", b"view:register|w1|family_name")

    assert open_bytes(key, token, b"view:register|w1|family_name", what="x") == b"Kowalska"
    with pytest.raises(SealBrokenError, match=r"^register field does not open"):
        open_bytes(key, token, b"view:register|w2|family_name", what="register field")


_any_text = st.text(max_size=80)
_any_date = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


@given(
    family_name=_any_text,
    given_names=_any_text,
    birth_date=_any_date,
    document_type=_any_text,
    document_number=_any_text,
    document_expires_on=_any_date,
    bsn=st.none() | _any_text,
)
def test_any_personal_values_survive_sealing_and_opening(
    family_name: str,
    given_names: str,
    birth_date: date,
    document_type: str,
    document_number: str,
    document_expires_on: date,
    bsn: str | None,
) -> None:
    # Built past the domain's checks on purpose: the mapper must carry whatever an event holds.
    event = dataclasses.replace(
        _registered(),
        family_name=family_name,
        given_names=given_names,
        birth_date=birth_date,
        id_document_type=document_type,
        id_document_number=document_number,
        id_document_expires_on=document_expires_on,
        bsn=bsn,
    )
    mapper = _mapper(DictKeys())

    opened = mapper.to_domain_event(mapper.to_stored_event(event))

    assert vars(opened) == vars(event)
