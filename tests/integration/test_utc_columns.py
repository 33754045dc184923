"""Instants in the view and audit tables come back as the instant written, on both backends.

SQLite keeps a datetime as text without its offset, so one written in another
zone than UTC would read back hours off; the column type (`UTCDateTime`)
converts on the way in and marks UTC on the way out, where a hand-made fix on
reading could only guess.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import insert, select

from ledger.application.service import Ledger
from ledger.audit.chain import AuditChain
from ledger.audit.tables import audit_checkpoints
from projections.register_sealing import open_legal_hold
from projections.register_tables import register_legal_holds

SUMMER_TIME = timezone(timedelta(hours=2))
WRITTEN = datetime(2026, 6, 15, 12, 0, tzinfo=SUMMER_TIME)  # 10:00 UTC


def test_a_legal_hold_reads_back_the_instant_it_was_placed(ledger: Ledger) -> None:
    engine = ledger.database.engine
    with engine.begin() as conn:
        conn.execute(insert(register_legal_holds).values(worker_id="ab" * 16, case_reference="HH-1", placed_at=WRITTEN))
    with engine.connect() as conn:
        row = conn.execute(select(register_legal_holds)).one()

    placed = open_legal_hold(row, None).placed_at
    assert placed == WRITTEN
    assert placed.utcoffset() == timedelta(0)


def test_an_audit_checkpoint_reads_back_the_instant_it_was_recorded(ledger: Ledger) -> None:
    engine = ledger.database.engine
    with engine.begin() as conn:
        conn.execute(insert(audit_checkpoints).values(position=7, link=bytes(32), recorded_at=WRITTEN))

    checkpoint = AuditChain(ledger.recorder, engine).latest_checkpoint()

    assert checkpoint is not None
    assert checkpoint.recorded_at == WRITTEN
    assert checkpoint.recorded_at.tzinfo == UTC
