"""The audit chain verifies over a demo ledger and detects each kind of tampering at its position."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from ledger.application import Ledger
from ledger.audit import AuditChain
from ledger.demo import run_demo


@pytest.fixture
def chain(ledger: Ledger) -> AuditChain:
    run_demo(ledger, workers=25, seed=7)
    return AuditChain(ledger.recorder, ledger.keys.engine)


def _table(ledger: Ledger) -> tuple[str, str]:
    table = str(ledger.recorder.events_table_name)  # type: ignore[attr-defined]
    return table, "rowid" if ledger.settings.backend == "sqlite" else "notification_id"


def _execute(ledger: Ledger, sql: str, **params: object) -> None:
    with ledger.keys.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_the_chain_verifies_over_a_demo_ledger(ledger: Ledger, chain: AuditChain) -> None:
    result = chain.verify()
    assert (result.ok, result.checked) == (True, ledger.recorder.max_notification_id())
    assert chain.verify(start=10).checked == result.checked - 9


def test_flipping_one_byte_of_a_stored_state_is_found_at_its_position(ledger: Ledger, chain: AuditChain) -> None:
    table, position = _table(ledger)
    with ledger.keys.engine.connect() as conn:
        state = bytes(conn.execute(text(f"SELECT state FROM {table} WHERE {position} = 17")).scalar_one())
    flipped = state[:5] + bytes([state[5] ^ 1]) + state[6:]
    _execute(ledger, f"UPDATE {table} SET state = :state WHERE {position} = 17", state=flipped)

    result = chain.verify()

    assert (result.ok, result.first_broken_position) == (False, 17)
    assert result.problem is not None and "differs" in result.problem


def test_a_deleted_event_row_is_found_at_its_position(ledger: Ledger, chain: AuditChain) -> None:
    table, position = _table(ledger)
    _execute(ledger, f"DELETE FROM {table} WHERE {position} = 12")

    result = chain.verify()

    assert (result.ok, result.first_broken_position) == (False, 12)
    assert result.problem is not None and "deleted" in result.problem


def test_swapping_two_rows_states_is_found_at_the_first(ledger: Ledger, chain: AuditChain) -> None:
    table, position = _table(ledger)
    with ledger.keys.engine.connect() as conn:
        states = dict(conn.execute(text(f"SELECT {position}, state FROM {table} WHERE {position} IN (20, 30)")).all())
    _execute(ledger, f"UPDATE {table} SET state = :s WHERE {position} = 20", s=bytes(states[30]))
    _execute(ledger, f"UPDATE {table} SET state = :s WHERE {position} = 30", s=bytes(states[20]))

    assert chain.verify().first_broken_position == 20


def test_a_row_inserted_out_of_band_is_found_at_its_position(ledger: Ledger, chain: AuditChain) -> None:
    table, _ = _table(ledger)
    forged = uuid.uuid4()
    identity = forged.hex if ledger.settings.backend == "sqlite" else str(forged)
    _execute(
        ledger,
        f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (:id, 1, :topic, :state)",
        id=identity,
        topic="ledger.domain.employer:Employer.Registered",
        state=b"{}",
    )
    head = ledger.recorder.max_notification_id()

    result = chain.verify()

    assert (result.ok, result.first_broken_position) == (False, head)
    assert result.problem is not None and "inserted" in result.problem


def test_the_chain_verifies_after_shredding_half_the_workers(ledger: Ledger, chain: AuditChain) -> None:
    from ledger.domain.worker import Worker  # noqa: PLC0415

    workers = {
        n.originator_id
        for n in ledger.recorder.select_notifications(start=1, limit=10_000)
        if n.topic.endswith("Worker.Registered")
    }
    for worker in sorted(workers, key=str)[: len(workers) // 2]:
        if not ledger.get(Worker, worker).legal_holds:  # type: ignore[arg-type]
            ledger.shred_subject(worker, policy="erasure_request")  # type: ignore[arg-type]

    result = chain.verify()

    assert (result.ok, result.checked) == (True, ledger.recorder.max_notification_id())


def test_a_checkpoint_records_the_head(ledger: Ledger, chain: AuditChain) -> None:
    checkpoint = chain.checkpoint()
    assert checkpoint is not None
    assert checkpoint == chain.head()
    assert checkpoint[0] == ledger.recorder.max_notification_id()
