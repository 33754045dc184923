"""Crypto-shredding: after `shred_subject` personal fields read as SHREDDED everywhere, facts stay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from datetime import date
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text

from ledger.application.erasure import ShredRequest
from ledger.application.service import Ledger
from ledger.crypto.keyring import KeyringError
from ledger.crypto.keystore import KeyStore
from ledger.domain.values import SHREDDED
from ledger.domain.worker import Worker
from ledger.errors import Conflict, SealBrokenError, SubjectShredded
from ledger.settings import Settings
from ledger.system import open_ledger
from tests.conftest import fixed_clock
from tests.factories import a_world, register_worker, valid_bsn

_READ_IN_ANOTHER_PROCESS = """
import json, sys
from uuid import UUID
from ledger.system import open_ledger
from ledger.domain.worker import Worker
from ledger.settings import Settings
with open_ledger(Settings()) as ledger:
    worker = ledger.get(Worker, UUID(sys.argv[1]))
print(json.dumps({
    "family_name": repr(worker.family_name), "bsn": repr(worker.bsn), "nationality": worker.nationality,
    "employer_id": str(worker.employer_id), "housing": str(worker.housing_on(worker.employment_start)),
    "shredded": worker.shredded,
}))
"""


def _read_in_another_process(settings: Settings, worker_id: object) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["LEDGER_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["LEDGER_DATABASE_URL"] = settings.database_url
    done = subprocess.run(
        [sys.executable, "-c", _READ_IN_ANOTHER_PROCESS, str(worker_id)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_new_process_reads_shredded_personal_fields_and_correct_facts(ledger: Ledger, settings: Settings) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world, family_name="Wiśniewska", bsn=valid_bsn())
    assert _read_in_another_process(settings, worker_id)["family_name"] == repr("Wiśniewska")

    ledger.shred_subject(worker_id, policy="erasure_request")
    seen = _read_in_another_process(settings, worker_id)

    assert seen == {
        "family_name": "SHREDDED",
        "bsn": "SHREDDED",
        "nationality": "POL",
        "employer_id": str(world.employer_id),
        "housing": str(world.location_id),
        "shredded": True,
    }


def test_shred_is_effective_at_once_in_a_process_that_read_before(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    with open_ledger(ledger.settings, clock=fixed_clock) as other:
        assert other.get(Worker, worker_id).family_name == "Kowalska"
        ledger.shred_subject(worker_id, policy="erasure_request")
        assert other.get(Worker, worker_id).family_name is SHREDDED


def test_shredding_appends_one_event_without_personal_data_and_is_idempotent(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    first = ledger.shred_subject(worker_id, policy="registration_data", due_on=date(2027, 6, 30))
    again = ledger.shred_subject(worker_id, policy="registration_data", due_on=date(2027, 6, 30))

    events = list(ledger.events.get(worker_id))
    shredded = [e for e in events if isinstance(e, Worker.PersonalDataShredded)]

    assert len(shredded) == 1
    assert (shredded[0].policy, shredded[0].due_on) == ("registration_data", date(2027, 6, 30))
    assert again.version == first.version
    assert ledger.keys.is_shredded(worker_id)


def test_a_shred_interrupted_before_its_event_is_finished_by_the_next_run(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    ledger.keys.shred(worker_id)  # the process died right after destroying the key

    ledger.shred_subject(worker_id, policy="registration_data")

    assert ledger.get(Worker, worker_id).shredded


def test_shredding_under_a_legal_hold_is_refused(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    ledger.place_legal_hold(worker_id, case_reference="HH-2026-017", reason="overbewoning onderzoek")

    with pytest.raises(Conflict, match="HH-2026-017"):
        ledger.shred_subject(worker_id, policy="erasure_request")
    assert ledger.get(Worker, worker_id).family_name == "Kowalska"


def test_no_key_is_created_again_for_a_shredded_subject(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    ledger.shred_subject(worker_id, policy="erasure_request")

    with pytest.raises(SubjectShredded):
        ledger.keys.data_key_for_writing(worker_id)
    # Operational facts can still be recorded: they need no key.
    ledger.record_departure(worker_id, departed_on=date(2026, 6, 1))


def _events_table(ledger: Ledger) -> str:
    return str(ledger.recorder.events_table_name)  # type: ignore[attr-defined]


def _id_param(ledger: Ledger, worker_id: object) -> object:
    return worker_id.hex if ledger.settings.backend == "sqlite" else worker_id  # type: ignore[attr-defined]


def test_tampered_ciphertext_fails_loudly(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    table = _events_table(ledger)
    with ledger.database.engine.begin() as conn:
        state = conn.execute(
            text(f"SELECT state FROM {table} WHERE originator_id = :id AND originator_version = 1"),
            {"id": _id_param(ledger, worker_id)},
        ).scalar_one()
        decoded = json.loads(bytes(state))
        sealed = decoded["family_name"]
        flipped = "A" if sealed[20] != "A" else "B"
        decoded["family_name"] = sealed[:20] + flipped + sealed[21:]
        conn.execute(
            text(f"UPDATE {table} SET state = :state WHERE originator_id = :id AND originator_version = 1"),
            {"state": json.dumps(decoded).encode(), "id": _id_param(ledger, worker_id)},
        )

    with pytest.raises(SealBrokenError):
        ledger.get(Worker, worker_id)


def test_ciphertext_copied_into_another_field_does_not_open(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    table = _events_table(ledger)
    with ledger.database.engine.begin() as conn:
        state = conn.execute(
            text(f"SELECT state FROM {table} WHERE originator_id = :id AND originator_version = 1"),
            {"id": _id_param(ledger, worker_id)},
        ).scalar_one()
        decoded = json.loads(bytes(state))
        decoded["given_names"] = decoded["family_name"]
        conn.execute(
            text(f"UPDATE {table} SET state = :state WHERE originator_id = :id AND originator_version = 1"),
            {"state": json.dumps(decoded).encode(), "id": _id_param(ledger, worker_id)},
        )

    with pytest.raises(SealBrokenError):
        ledger.get(Worker, worker_id)


def test_another_subjects_key_does_not_open(ledger: Ledger) -> None:
    world = a_world(ledger)
    victim, other = register_worker(ledger, world), register_worker(ledger, world)
    with ledger.database.key_engine.begin() as conn:
        wrapped = conn.execute(
            text("SELECT wrapped_key FROM subject_keys WHERE subject_id = :id"), {"id": other.hex}
        ).scalar_one()
        conn.execute(
            text("UPDATE subject_keys SET wrapped_key = :w WHERE subject_id = :id"), {"w": wrapped, "id": victim.hex}
        )

    with pytest.raises(KeyringError):
        ledger.get(Worker, victim)


def test_a_different_keyring_does_not_open_the_keys(ledger: Ledger, settings: Settings) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    settings.keyring_path.rename(settings.keyring_path.with_name("keyring.moved"))
    # The ledger opened creates a fresh keyring.
    with open_ledger(settings, clock=fixed_clock) as stranger, pytest.raises(KeyringError):
        stranger.get(Worker, worker_id)


def _shredded_events(ledger: Ledger, worker_id: UUID) -> list[Worker.PersonalDataShredded]:
    return [e for e in ledger.events.get(worker_id) if isinstance(e, Worker.PersonalDataShredded)]


def test_shredding_many_records_one_event_each_and_leaves_a_held_worker_alone(ledger: Ledger) -> None:
    world = a_world(ledger)
    workers = [register_worker(ledger, world) for _ in range(3)]
    held = register_worker(ledger, world)
    ledger.place_legal_hold(held, case_reference="HH-2026-018", reason="overbewoning onderzoek")
    unknown = uuid4()
    requests = [ShredRequest(s, "worker_registration", date(2027, 6, 1)) for s in [*workers, held, unknown]]

    first = ledger.shred_subjects(requests)
    again = ledger.shred_subjects(requests)

    assert (first.shredded, first.held, first.failed) == (set(workers), {held}, {unknown: "NotFound"})
    assert again.shredded == set(workers)
    for worker_id in workers:
        assert [(e.policy, e.due_on) for e in _shredded_events(ledger, worker_id)] == [
            ("worker_registration", date(2027, 6, 1))
        ]
        assert ledger.get(Worker, worker_id).family_name is SHREDDED
        assert ledger.keys.is_shredded(worker_id)
    assert ledger.get(Worker, held).family_name == "Kowalska"
    assert not ledger.keys.is_shredded(held)


class _WriterAfterKeyDeletion(KeyStore):
    """A key store after whose key deletion another writer records a departure of one of the subjects."""

    def __init__(self, keys: KeyStore, writer: Ledger, worker_id: UUID) -> None:
        super().__init__(keys.database, keys.keyring)
        self.writer, self.worker_id = writer, worker_id

    def shred_many(self, subject_ids: Iterable[UUID]) -> int:
        destroyed = super().shred_many(subject_ids)
        self.writer.record_departure(self.worker_id, departed_on=date(2026, 6, 1))
        return destroyed


def test_a_subject_changed_during_a_batch_shred_is_recorded_once_and_keeps_the_change(ledger: Ledger) -> None:
    world = a_world(ledger)
    workers = [register_worker(ledger, world) for _ in range(3)]
    shredder = Ledger(
        ledger.settings, ledger.database, _WriterAfterKeyDeletion(ledger.keys, ledger, workers[1]), clock=fixed_clock
    )
    try:
        outcome = shredder.shred_subjects([ShredRequest(w, "erasure_request") for w in workers])
    finally:
        shredder.close()

    assert outcome.shredded == set(workers)
    assert all(len(_shredded_events(ledger, w)) == 1 for w in workers)
    assert ledger.get(Worker, workers[1]).departed_on == date(2026, 6, 1)


def test_a_batch_cut_short_after_its_keys_were_destroyed_is_finished_by_the_next(ledger: Ledger) -> None:
    world = a_world(ledger)
    workers = [register_worker(ledger, world) for _ in range(3)]
    ledger.keys.shred_many(workers)  # the process died right after destroying the keys

    outcome = ledger.shred_subjects([ShredRequest(w, "erasure_request") for w in workers])

    assert outcome.shredded == set(workers)
    assert all(len(_shredded_events(ledger, w)) == 1 for w in workers)
