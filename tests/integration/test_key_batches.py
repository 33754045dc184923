"""Data keys in batches: made together for a save, never for a tombstoned subject, re-wrapped batch by batch."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Connection, Engine, event, func, insert, select

from ledger.application.service import Ledger
from ledger.crypto.key_tables import subject_keys
from ledger.crypto.keyring import KEY_BYTES
from ledger.crypto.keystore import KeyStore
from ledger.domain.worker import Worker
from ledger.errors import SubjectShredded
from tests.factories import World, a_person, a_world, an_employment, letters


def _new_workers(ledger: Ledger, world: World, count: int) -> list[Worker]:
    return [
        Worker.register(
            employer_id=world.employer_id,
            person=a_person(family_name=f"Nowak{letters(i)}"),
            employment=an_employment(),
            housing_location_id=world.location_id,
            housing_valid_from=an_employment().start_date,
            today=ledger.today(),
        )
        for i in range(count)
    ]


@contextmanager
def _counting_commits(engine: Engine) -> Iterator[list[int]]:
    commits: list[int] = []

    def count(_conn: Any) -> None:
        commits.append(1)

    event.listen(engine, "commit", count)
    try:
        yield commits
    finally:
        event.remove(engine, "commit", count)


def _key_rows(keys: KeyStore) -> int:
    with keys.database.key_engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(subject_keys)).scalar_one())


def test_a_batch_save_makes_every_new_key_in_one_key_store_transaction(ledger: Ledger) -> None:
    world = a_world(ledger)
    workers = _new_workers(ledger, world, 25)

    with _counting_commits(ledger.database.key_engine) as commits:
        ledger.save(*workers)

    assert len(commits) == 1
    assert [ledger.get(Worker, w.id).family_name for w in workers] == [f"Nowak{letters(i)}" for i in range(25)]


def test_existing_keys_are_answered_and_only_the_missing_made(ledger: Ledger) -> None:
    first, second = uuid4(), uuid4()
    made = ledger.keys.data_keys_for_writing([first])

    both = ledger.keys.data_keys_for_writing([first, second, first])

    assert both[first] == made[first]
    assert set(both) == {first, second}
    assert ledger.keys.data_keys([first, second]) == both


def test_a_batch_with_a_tombstoned_subject_is_refused_and_makes_no_key(ledger: Ledger) -> None:
    live, shredded = uuid4(), uuid4()
    ledger.keys.shred(shredded)

    with pytest.raises(SubjectShredded):
        ledger.keys.data_keys_for_writing([live, shredded])

    assert _key_rows(ledger.keys) == 0


def test_a_save_naming_a_shredded_subject_stores_nothing(ledger: Ledger) -> None:
    world = a_world(ledger)
    workers = _new_workers(ledger, world, 3)
    ledger.keys.shred(workers[1].id)
    before = ledger.recorder.max_notification_id()

    with pytest.raises(SubjectShredded):
        ledger.save(*workers)

    assert ledger.recorder.max_notification_id() == before
    assert _key_rows(ledger.keys) == 0


class _StaleReads(KeyStore):
    """A key store whose first lookup misses what is there: another process inserted just after it."""

    stale = True

    def _lookup(self, conn: Connection, subject_ids: Sequence[UUID]) -> dict[UUID, bytes]:
        if self.stale:
            self.stale = False
            return {}
        return super()._lookup(conn, subject_ids)


def test_a_key_another_process_made_first_is_the_one_answered(ledger: Ledger) -> None:
    subject = uuid4()
    theirs = ledger.keys.data_key_for_writing(subject)
    racing = _StaleReads(ledger.database, ledger.keys.keyring)

    assert racing.data_key_for_writing(subject) == theirs
    assert ledger.keys.data_key(subject) == theirs


class _LateTombstone(KeyStore):
    """A key store whose tombstone check runs before a concurrent shred's tombstone commits."""

    def _refuse_tombstoned(self, conn: Connection, subject_ids: Sequence[UUID]) -> None:
        return None


def test_a_shred_racing_the_creation_of_its_key_leaves_no_key(ledger: Ledger) -> None:
    subject, other = uuid4(), uuid4()
    ledger.keys.shred(subject)
    racing = _LateTombstone(ledger.database, ledger.keys.keyring)

    with pytest.raises(SubjectShredded):
        racing.data_keys_for_writing([other, subject])

    assert ledger.keys.data_key(subject) is None


def test_rotation_rewraps_a_key_made_under_the_old_epoch_behind_its_position(ledger: Ledger) -> None:
    keys = ledger.keys
    keys.data_keys_for_writing(UUID(int=n) for n in range(10, 16))
    old_epoch = keys.keyring.current_epoch
    late = UUID(int=1)  # sorts before every key the rotation has passed
    late_key = secrets.token_bytes(KEY_BYTES)

    class _WriterDuringRotation(KeyStore):
        def _rows_not_under(self, epoch: int, batch: int, *, after: str = "") -> list[tuple[str, int, bytes]]:
            if after and keys.data_key(late) is None:  # mid-pass, another process still on the old epoch
                wrapped = keys.keyring.wrap(
                    late_key, epoch=old_epoch, associated_data=KeyStore._associated_data(late.hex, old_epoch)
                )
                row = {"subject_id": late.hex, "kek_epoch": old_epoch, "wrapped_key": wrapped}
                with keys.database.key_engine.begin() as conn:
                    conn.execute(insert(subject_keys).values(**row, created_at=datetime.now(UTC)))
            return super()._rows_not_under(epoch, batch, after=after)

    report = _WriterDuringRotation(keys.database, keys.keyring).rotate(batch=4)

    assert (report.rewrapped, report.retired_epochs) == (7, (old_epoch,))
    assert keys.data_key(late) == late_key
