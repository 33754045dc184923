"""Key epochs and tombstones: rotation re-wraps live keys and destroys the old KEK; no resurrection."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from ledger.application.service import Ledger
from ledger.crypto.key_tables import subject_keys
from ledger.crypto.keyring import KeyringError
from ledger.crypto.keystore import KeyStore
from ledger.domain.values import SHREDDED
from ledger.domain.worker import Worker
from ledger.errors import SubjectShredded
from ledger.persistence.exclusive import AlreadyRunningError, exclusively
from ledger.system import open_keystore, open_ledger
from tests.conftest import fixed_clock
from tests.factories import a_world, register_worker
from tests.integration.ledger_process import run_ledger


def test_rotation_rewraps_every_live_key_and_destroys_the_old_epoch(ledger: Ledger) -> None:
    world = a_world(ledger)
    workers = [register_worker(ledger, world) for _ in range(3)]
    with ledger.database.key_engine.connect() as conn:
        old_rows = conn.execute(select(subject_keys)).all()

    report = ledger.keys.rotate(batch=2)

    assert (report.epoch, report.rewrapped, report.retired_epochs) == (2, 3, (1,))
    assert ledger.keys.keyring.epochs == (2,)
    assert all(ledger.get(Worker, w).family_name == "Kowalska" for w in workers)
    # A key row from before the rotation (an old backup, a dead page) no longer opens.
    with pytest.raises(KeyringError):
        ledger.keys.keyring.unwrap(old_rows[0].wrapped_key, epoch=1, associated_data=b"x")


def test_a_rotation_reaches_a_process_that_opened_the_keyring_before(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = register_worker(ledger, world)
    with open_ledger(ledger.settings, clock=fixed_clock) as other:
        assert other.get(Worker, worker).family_name == "Kowalska"
        ledger.keys.rotate()
        assert other.get(Worker, worker).family_name == "Kowalska"
        assert other.keys.keyring.current_epoch == 2


def test_a_restored_key_of_a_shredded_subject_is_shredded_again_at_start_up(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = register_worker(ledger, world)
    with ledger.database.key_engine.connect() as conn:
        backup = conn.execute(select(subject_keys).where(subject_keys.c.subject_id == worker.hex)).one()
    ledger.shred_subject(worker, policy="erasure_request")
    with ledger.database.key_engine.begin() as conn:  # the key table restored from the old backup
        conn.execute(insert(subject_keys).values(**backup._asdict()))

    with open_ledger(ledger.settings, clock=fixed_clock) as restarted:
        assert restarted.get(Worker, worker).family_name is SHREDDED
        with pytest.raises(SubjectShredded):
            restarted.keys.data_key_for_writing(worker)


def test_a_destroyed_epoch_opens_nothing_in_processes_that_used_it(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = register_worker(ledger, world)
    with ledger.database.key_engine.connect() as conn:
        old_row = conn.execute(select(subject_keys).where(subject_keys.c.subject_id == worker.hex)).one()
    with open_ledger(ledger.settings, clock=fixed_clock) as other:
        assert other.get(Worker, worker).family_name == "Kowalska"  # its keyring has used epoch 1
        ledger.keys.rotate()
        for keyring in (ledger.keys.keyring, other.keys.keyring):
            with pytest.raises(KeyringError, match="no key-encryption key for epoch 1"):
                keyring.unwrap(old_row.wrapped_key, epoch=1, associated_data=KeyStore._associated_data(worker.hex, 1))


def test_a_rotation_is_refused_while_another_runs_and_changes_nothing(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = register_worker(ledger, world)

    with exclusively(ledger.database.key_engine, "keys-rotate"):  # another process's rotation
        with pytest.raises(AlreadyRunningError):
            ledger.keys.rotate()
        refused = run_ledger(ledger.settings, "keys", "rotate")

    assert refused.returncode == 1
    assert "another key rotation is running" in refused.stderr
    assert ledger.keys.keyring.epochs == (1,)
    assert ledger.get(Worker, worker).family_name == "Kowalska"
    assert ledger.keys.rotate().epoch == 2  # the lock is free again


def test_a_second_rotation_started_halfway_through_the_first_is_refused(ledger: Ledger) -> None:
    world = a_world(ledger)
    workers = [register_worker(ledger, world) for _ in range(5)]
    refusals: list[AlreadyRunningError] = []

    # `other` is another process: its own connections and keyring.
    with open_keystore(ledger.settings) as other:

        class _InterruptedRotation(KeyStore):
            def _rows_not_under(self, epoch: int, batch: int, *, after: str = "") -> list[tuple[str, int, bytes]]:
                if after and not refusals:  # between two batches of the first rotation
                    with pytest.raises(AlreadyRunningError) as refused:
                        other.rotate()
                    refusals.append(refused.value)
                return super()._rows_not_under(epoch, batch, after=after)

        report = _InterruptedRotation(ledger.database, ledger.keys.keyring).rotate(batch=2)

    assert len(refusals) == 1
    assert (report.epoch, report.retired_epochs) == (2, (1,))
    assert ledger.keys.keyring.epochs == (2,)
    assert all(ledger.get(Worker, w).family_name == "Kowalska" for w in workers)
