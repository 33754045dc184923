"""The audit chain verifies over a demo ledger and detects each kind of tampering at its position.

Verification reads the log in pages and may split it over processes; the
tampering tests run twice: in one page, and in pages of 7 over 3 processes,
so that breaks fall on page and process boundaries too.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from cli.parser import build_parser
from demo import run_demo
from ledger.application.service import Ledger
from ledger.audit.chain import AuditChain, Verification


@dataclass(frozen=True)
class Shape:
    """How a verification is cut up."""

    page: int
    min_events_per_process: int
    workers: int


ONE_PAGE = Shape(page=2000, min_events_per_process=25_000, workers=1)
SMALL_PAGES_IN_PROCESSES = Shape(page=7, min_events_per_process=30, workers=3)

Verify = Callable[..., Verification]


@pytest.fixture
def chain(ledger: Ledger) -> AuditChain:
    run_demo(ledger, workers=25, seed=7)
    return AuditChain(ledger.recorder, ledger.database.engine)


@pytest.fixture(params=[ONE_PAGE, SMALL_PAGES_IN_PROCESSES], ids=["one-page", "pages-in-processes"])
def verify(request: pytest.FixtureRequest, chain: AuditChain) -> Verify:
    shape: Shape = request.param
    cut = AuditChain(chain.recorder, chain.engine, page=shape.page, min_events_per_process=shape.min_events_per_process)

    def run(*, start: int = 0) -> Verification:
        return cut.verify(start=start, workers=shape.workers)

    return run


def _table(ledger: Ledger) -> tuple[str, str]:
    table = str(ledger.recorder.events_table_name)  # type: ignore[attr-defined]
    return table, "rowid" if ledger.settings.backend == "sqlite" else "notification_id"


def _execute(ledger: Ledger, sql: str, **params: object) -> None:
    with ledger.database.engine.begin() as conn:
        conn.execute(text(sql), params)


def _head(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


def _positions_after(ledger: Ledger, position: int) -> list[int]:
    # PostgreSQL's positions have gaps where a transaction rolled back (the demo's second run has some).
    return [n.id for n in ledger.recorder.select_notifications(start=position + 1, limit=10_000)]


def test_the_chain_verifies_over_a_demo_ledger(ledger: Ledger, verify: Verify) -> None:
    result = verify()
    assert (result.ok, result.checked) == (True, _head(ledger))
    assert verify(start=10).checked == result.checked - 9


def test_flipping_one_byte_of_a_stored_state_is_found_at_its_position(ledger: Ledger, verify: Verify) -> None:
    table, position = _table(ledger)
    with ledger.database.engine.connect() as conn:
        state = bytes(conn.execute(text(f"SELECT state FROM {table} WHERE {position} = 17")).scalar_one())
    flipped = state[:5] + bytes([state[5] ^ 1]) + state[6:]
    _execute(ledger, f"UPDATE {table} SET state = :state WHERE {position} = 17", state=flipped)

    result = verify()

    assert (result.ok, result.checked, result.first_broken_position) == (False, 16, 17)
    assert result.problem is not None and "differs" in result.problem


def test_a_deleted_event_row_is_found_at_its_position(ledger: Ledger, verify: Verify) -> None:
    table, position = _table(ledger)
    _execute(ledger, f"DELETE FROM {table} WHERE {position} = 12")

    result = verify()

    assert (result.ok, result.checked, result.first_broken_position) == (False, 11, 12)
    assert result.problem is not None and "deleted" in result.problem


def test_deleting_the_last_event_is_found_too(ledger: Ledger, verify: Verify) -> None:
    table, position = _table(ledger)
    last = _head(ledger)
    _execute(ledger, f"DELETE FROM {table} WHERE {position} = :last", last=last)

    result = verify()

    assert (result.ok, result.checked, result.first_broken_position) == (False, last - 1, last)
    assert result.problem is not None and "deleted" in result.problem


def test_swapping_two_rows_states_is_found_at_the_first(ledger: Ledger, verify: Verify) -> None:
    table, position = _table(ledger)
    with ledger.database.engine.connect() as conn:
        states = dict(conn.execute(text(f"SELECT {position}, state FROM {table} WHERE {position} IN (20, 30)")).all())
    _execute(ledger, f"UPDATE {table} SET state = :s WHERE {position} = 20", s=bytes(states[30]))
    _execute(ledger, f"UPDATE {table} SET state = :s WHERE {position} = 30", s=bytes(states[20]))

    assert verify().first_broken_position == 20


def test_a_row_inserted_out_of_band_is_found_at_its_position(ledger: Ledger, verify: Verify) -> None:
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
    head = _head(ledger)

    result = verify()

    assert (result.ok, result.checked, result.first_broken_position) == (False, head - 1, head)
    assert result.problem is not None and "inserted" in result.problem


def test_a_changed_link_is_found_at_its_position(ledger: Ledger, verify: Verify) -> None:
    _execute(ledger, "UPDATE audit_links SET link = :link WHERE position = 23", link=bytes(32))

    result = verify()

    assert (result.ok, result.checked, result.first_broken_position) == (False, 22, 23)
    assert result.problem is not None and "differs" in result.problem


def test_an_id_in_another_spelling_of_the_same_uuid_still_verifies(ledger: Ledger, verify: Verify) -> None:
    # SQLite keeps ids as text: the fast read wants the recorder's 32 hex digits,
    # and the row-by-row check reads any spelling the canonical form accepts.
    if ledger.settings.backend != "sqlite":
        pytest.skip("PostgreSQL stores ids as uuid: one spelling only")
    with ledger.database.engine.connect() as conn:
        identity = conn.execute(text("SELECT originator_id FROM stored_events WHERE rowid = 9")).scalar_one()
    _execute(ledger, "UPDATE stored_events SET originator_id = :id WHERE rowid = 9", id=str(uuid.UUID(identity)))

    result = verify()

    assert (result.ok, result.checked) == (True, _head(ledger))


def test_an_id_that_is_no_uuid_is_a_difference_not_a_crash(ledger: Ledger, verify: Verify) -> None:
    if ledger.settings.backend != "sqlite":
        pytest.skip("PostgreSQL refuses anything but a uuid in the column")
    _execute(ledger, "UPDATE stored_events SET originator_id = 'not a uuid' WHERE rowid = 9")

    result = verify()

    assert (result.ok, result.checked, result.first_broken_position) == (False, 8, 9)
    assert result.problem is not None and "differs" in result.problem


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

    assert (result.ok, result.checked) == (True, _head(ledger))


def test_a_checkpoint_records_the_head(ledger: Ledger, chain: AuditChain) -> None:
    checkpoint = chain.checkpoint()
    assert checkpoint is not None
    assert checkpoint == chain.head()
    assert checkpoint[0] == _head(ledger)
    latest = chain.latest_checkpoint()
    assert latest is not None and (latest.position, latest.link) == checkpoint


def test_verifying_since_a_checkpoint_checks_only_what_came_after(ledger: Ledger, chain: AuditChain) -> None:
    assert chain.verify_since_checkpoint()[0] is None
    position, _ = chain.checkpoint() or (0, b"")
    run_demo(ledger, workers=3, seed=8)

    checkpoint, result = chain.verify_since_checkpoint(workers=2)

    assert checkpoint is not None and checkpoint.position == position
    assert (result.ok, result.checked) == (True, len(_positions_after(ledger, position)))


def test_a_chain_rewritten_up_to_a_checkpoint_is_named_at_it(ledger: Ledger, chain: AuditChain) -> None:
    position, _ = chain.checkpoint() or (0, b"")
    _execute(ledger, "UPDATE audit_links SET link = :link WHERE position = :p", link=bytes(32), p=position)

    _, result = chain.verify_since_checkpoint()

    assert (result.ok, result.checked, result.first_broken_position) == (False, 0, position)
    assert result.problem is not None and "checkpoint" in result.problem


def test_an_event_changed_after_a_checkpoint_is_found(ledger: Ledger, chain: AuditChain) -> None:
    position, _ = chain.checkpoint() or (0, b"")
    run_demo(ledger, workers=3, seed=8)
    changed = _positions_after(ledger, position)[1]
    table, column = _table(ledger)
    _execute(ledger, f"UPDATE {table} SET state = :s WHERE {column} = :p", s=b"{}", p=changed)

    _, result = chain.verify_since_checkpoint()

    assert (result.ok, result.checked, result.first_broken_position) == (False, 1, changed)


def _ledger_audit(ledger: Ledger, *argv: str) -> int:
    args: argparse.Namespace = build_parser().parse_args(["audit", *argv])
    exit_status: int = args.func(ledger.settings, args)
    return exit_status


def test_ledger_audit_verify_checkpoint_prints_where_it_started(
    ledger: Ledger, chain: AuditChain, capsys: pytest.CaptureFixture[str]
) -> None:
    position, link = chain.checkpoint() or (0, b"")
    run_demo(ledger, workers=3, seed=8)
    capsys.readouterr()  # the log lines so far

    assert _ledger_audit(ledger, "verify", "--checkpoint", "--workers", "2") == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"checkpoint: position {position} link {link.hex()} (recorded ")
    assert lines[1] == f"ok: {len(_positions_after(ledger, position))} events checked"


def test_ledger_audit_verify_names_the_first_broken_position(
    ledger: Ledger, chain: AuditChain, capsys: pytest.CaptureFixture[str]
) -> None:
    table, position = _table(ledger)
    _execute(ledger, f"DELETE FROM {table} WHERE {position} = 12")
    capsys.readouterr()  # the log lines so far

    assert _ledger_audit(ledger, "verify", "--from", "5") == 1

    assert capsys.readouterr().out == "BROKEN at position 12: a linked event is missing: deleted (7 events checked)\n"
