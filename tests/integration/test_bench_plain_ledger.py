"""B7's baseline, the ledger with the library's plain mapper, seals nothing and makes no data key.

The product has no branch for it: the benchmark's subclass says that no save
of it has anything to seal (`Ledger._subjects_to_seal`).
"""

from __future__ import annotations

from bench.scenarios.append import PlainLedger
from sqlalchemy import func, select

from ledger.application.service import Ledger
from ledger.crypto.key_tables import subject_keys
from ledger.settings import Settings
from ledger.system import open_ledger
from tests.factories import a_world, register_worker


def test_the_plain_ledger_stores_the_names_as_they_are_and_makes_no_key(migrated: Settings) -> None:
    with open_ledger(migrated, application=PlainLedger) as ledger:
        before = _keys(ledger)
        register_worker(ledger, a_world(ledger), family_name="Plainfamily")
        stored = ledger.recorder.select_notifications(start=1, limit=100)

        assert _keys(ledger) == before  # the world's employer and location seal nothing either
        assert any(b"Plainfamily" in bytes(n.state) for n in stored)


def _keys(ledger: Ledger) -> int:
    with ledger.database.key_engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(subject_keys)).scalar_one())
