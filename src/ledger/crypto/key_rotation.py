"""Key rotation: every live data key re-wrapped under a new key-encryption key, then the old ones destroyed.

`KeyStore` (`ledger.crypto.keystore`) rotates with these methods: batch by
batch, resumable, one rotation at a time across processes (`ledger keys
rotate`, docs/retention.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update

from ledger.crypto.key_tables import subject_keys
from ledger.crypto.keyring import Keyring
from ledger.persistence.database import Database
from ledger.persistence.exclusive import exclusively

# Rows re-wrapped per transaction by a rotation: large enough that commits do not
# dominate, small enough that SQLite writers wait well under their lock timeout.
ROTATION_BATCH = 5000


@dataclass(frozen=True)
class RotationReport:
    """What a key rotation did."""

    epoch: int
    rewrapped: int
    retired_epochs: tuple[int, ...]


class _RotationTally:
    """Keys re-wrapped so far in a rotation, passed on to a progress callback (if any)."""

    def __init__(self, total: int, progress: Callable[[int, int], None] | None) -> None:
        self.total = total
        self.done = 0
        self.progress = progress

    def add(self, keys: int) -> None:
        self.done += keys
        # Keys created under the old epoch during the rotation are re-wrapped too: the total grows with them.
        self.total = max(self.total, self.done)
        if self.progress is not None:
            self.progress(self.done, self.total)


class KeyRotation:
    """The rotation of a key store's data keys; and what a key's wrapping is bound to."""

    database: Database
    keyring: Keyring

    @staticmethod
    def _associated_data(subject_id: str, epoch: int) -> bytes:
        return f"dek|{subject_id}|{epoch}".encode()

    def rotate(
        self, *, batch: int = ROTATION_BATCH, progress: Callable[[int, int], None] | None = None
    ) -> RotationReport:
        """Re-wrap every live data key under a new key-encryption key, then destroy the old ones.

        Batch by batch (`batch` keys read at once, re-wrapped in memory and
        written by one statement in one transaction), in subject order.
        Resumable: rows carry their epoch, so a rotation interrupted halfway is
        finished by the next (old epochs are destroyed only once no row needs them).
        One rotation at a time across processes: raises `AlreadyRunningError` if
        another is running (two would each destroy the epoch the other re-wraps under).
        `progress(done, total)` is told the keys re-wrapped after each batch.
        """
        with exclusively(self.database.key_engine, "keys-rotate"):
            epoch = self.keyring.add_epoch()
            rewrapped = 0
            tally = _RotationTally(self._count_not_under(epoch), progress)
            # Passes repeat while rows remain under an old epoch: a key another process
            # created under the old epoch behind our position is picked up by the next pass.
            while self._rows_not_under(epoch, 1):
                rewrapped += self._rewrap_pass(epoch, batch, tally)
            retired = self.keyring.retire_epochs(keep=epoch)
            self._flush_deleted_pages()
        return RotationReport(epoch=epoch, rewrapped=rewrapped, retired_epochs=retired)

    def _count_not_under(self, epoch: int) -> int:
        with self.database.key_engine.connect() as conn:
            count = conn.execute(
                select(func.count()).select_from(subject_keys).where(subject_keys.c.kek_epoch != epoch)
            ).scalar_one()
        return int(count)

    def _rewrap_pass(self, epoch: int, batch: int, tally: _RotationTally) -> int:
        rewrapped = 0
        rewrite = (
            update(subject_keys)
            .where(
                (subject_keys.c.subject_id == bindparam("b_subject")) & (subject_keys.c.kek_epoch == bindparam("b_old"))
            )
            .values(kek_epoch=epoch, wrapped_key=bindparam("b_wrapped"))
        )
        after = ""
        while rows := self._rows_not_under(epoch, batch, after=after):
            after = rows[-1][0]
            params = [
                {
                    "b_subject": subject_hex,
                    "b_old": old_epoch,
                    "b_wrapped": self._rewrapped(subject_hex, old_epoch, wrapped, epoch),
                }
                for subject_hex, old_epoch, wrapped in rows
            ]
            # Read apart, written in a transaction of its own: on SQLite a read that
            # turns into a write fails at once if another writer came in between.
            with self.database.key_engine.begin() as conn:
                done = conn.execute(rewrite, params).rowcount
            rewrapped += done
            tally.add(done)
        return rewrapped

    def _rewrapped(self, subject_hex: str, old_epoch: int, wrapped: bytes, epoch: int) -> bytes:
        data_key = self.keyring.unwrap(
            wrapped, epoch=old_epoch, associated_data=self._associated_data(subject_hex, old_epoch)
        )
        return self.keyring.wrap(data_key, epoch=epoch, associated_data=self._associated_data(subject_hex, epoch))

    def _rows_not_under(self, epoch: int, batch: int, *, after: str = "") -> list[tuple[str, int, bytes]]:
        with self.database.key_engine.connect() as conn:
            rows = conn.execute(
                select(subject_keys.c.subject_id, subject_keys.c.kek_epoch, subject_keys.c.wrapped_key)
                .where((subject_keys.c.kek_epoch != epoch) & (subject_keys.c.subject_id > after))
                .order_by(subject_keys.c.subject_id)
                .limit(batch)
            )
            return [(str(r[0]), int(r[1]), bytes(r[2])) for r in rows]

    def _flush_deleted_pages(self) -> None:
        # With WAL, the page that held the key survives in the -wal file until a
        # checkpoint; truncating it makes `secure_delete` reach the disk now.
        if self.database.key_engine.dialect.name == "sqlite":
            with self.database.key_engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
