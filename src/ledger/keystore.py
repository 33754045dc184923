"""The key store: one wrapped data key (DEK) per data subject, and tombstones.

A subject's personal fields are sealed under its DEK; destroying the DEK is
crypto-shredding. Keys are stored only wrapped by a key-encryption key from
the keyring, bound to the subject id and epoch so a key row copied to another
subject does not open. A shredded subject leaves a tombstone that is kept for
ever: no key is ever created again for it (no resurrection).

Keys are not cached across calls, so a shred is effective in every process as
soon as its transaction commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from ledger.domain.errors import Conflict
from ledger.keyring import KEY_BYTES, Keyring

metadata = MetaData()

subject_keys = Table(
    "subject_keys",
    metadata,
    Column("subject_id", String(32), primary_key=True),
    Column("kek_epoch", Integer, nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

key_tombstones = Table(
    "key_tombstones",
    metadata,
    Column("subject_id", String(32), primary_key=True),
    Column("shredded_at", DateTime(timezone=True), nullable=False),
)

# A batched lookup is split so the parameter list stays within SQLite's limits.
_BATCH = 500


@dataclass(frozen=True)
class RotationReport:
    """What a key rotation did."""

    epoch: int
    rewrapped: int
    retired_epochs: tuple[int, ...]


class SubjectShredded(Conflict):
    """The subject's key was destroyed; its personal data cannot be written again."""

    def __init__(self, subject_id: UUID) -> None:
        self.subject_id = subject_id
        super().__init__(f"the personal data of {subject_id} has been shredded")


class KeyStore:
    """Creates, opens and destroys data keys.

    The wrapped keys live in the key store database (`key_engine`); the
    tombstones live with the ledger's events (`engine`), so that restoring an
    old copy of either never brings a shredded subject back: restored ledger
    data finds no key, a restored key table is checked against the tombstones.
    `engine` is the ledger's database, which the read models share.
    """

    def __init__(self, engine: Engine, keyring: Keyring, key_engine: Engine | None = None) -> None:
        self.engine = engine
        self.key_engine = key_engine or engine
        self.keyring = keyring

    def dispose(self) -> None:
        """Close the connections of both engines."""
        self.engine.dispose()
        if self.key_engine is not self.engine:
            self.key_engine.dispose()

    @staticmethod
    def _associated_data(subject_id: str, epoch: int) -> bytes:
        return f"dek|{subject_id}|{epoch}".encode()

    def data_key(self, subject_id: UUID) -> bytes | None:
        """The subject's data key, or None when there is none (never made, or shredded)."""
        return self.data_keys([subject_id]).get(subject_id)

    def data_keys(self, subject_ids: Iterable[UUID]) -> dict[UUID, bytes]:
        """The data keys of many subjects in one lookup per 500; absent ones are left out."""
        wanted = {s.hex: s for s in subject_ids}
        found: dict[UUID, bytes] = {}
        if not wanted:
            return found
        hexes = list(wanted)
        with self.key_engine.connect() as conn:
            for i in range(0, len(hexes), _BATCH):
                rows = conn.execute(
                    select(subject_keys.c.subject_id, subject_keys.c.kek_epoch, subject_keys.c.wrapped_key).where(
                        subject_keys.c.subject_id.in_(hexes[i : i + _BATCH])
                    )
                )
                for subject_hex, epoch, wrapped in rows:
                    found[wanted[subject_hex]] = self.keyring.unwrap(
                        wrapped, epoch=epoch, associated_data=self._associated_data(subject_hex, epoch)
                    )
        return found

    def data_key_for_writing(self, subject_id: UUID) -> bytes:
        """The subject's data key, created on first use; refused for a shredded subject."""
        existing = self.data_key(subject_id)
        if existing is not None:
            return existing
        subject_hex = subject_id.hex
        epoch = self.keyring.current_epoch
        data_key = secrets.token_bytes(KEY_BYTES)
        wrapped = self.keyring.wrap(data_key, epoch=epoch, associated_data=self._associated_data(subject_hex, epoch))
        if self.is_shredded(subject_id):
            raise SubjectShredded(subject_id)
        row = {"subject_id": subject_hex, "kek_epoch": epoch, "wrapped_key": wrapped, "created_at": datetime.now(UTC)}
        try:
            with self.key_engine.begin() as conn:
                conn.execute(insert(subject_keys).values(**row))
        except IntegrityError:
            # Another process created it between our read and our insert: use theirs.
            concurrent = self.data_key(subject_id)
            if concurrent is None:
                raise SubjectShredded(subject_id) from None
            return concurrent
        return data_key

    def is_shredded(self, subject_id: UUID) -> bool:
        """Whether the subject has a tombstone."""
        with self.engine.connect() as conn:
            stmt = select(key_tombstones.c.subject_id).where(key_tombstones.c.subject_id == subject_id.hex)
            return conn.execute(stmt).first() is not None

    def shred(self, subject_id: UUID) -> bool:
        """Leave a tombstone, then destroy the subject's data key; True if a key was destroyed.

        Idempotent: shredding a shredded subject changes nothing. The tombstone
        comes first: should the process die in between, start-up finds a
        tombstoned subject with a key and destroys it.
        """
        subject_hex = subject_id.hex
        with self.engine.begin() as conn:
            tombstoned = conn.execute(
                select(key_tombstones.c.subject_id).where(key_tombstones.c.subject_id == subject_hex)
            ).first()
            if tombstoned is None:
                conn.execute(insert(key_tombstones).values(subject_id=subject_hex, shredded_at=datetime.now(UTC)))
        with self.key_engine.begin() as conn:
            deleted = conn.execute(delete(subject_keys).where(subject_keys.c.subject_id == subject_hex)).rowcount
        self._flush_deleted_pages()
        return bool(deleted)

    def reshred_tombstoned(self) -> int:
        """Delete keys of tombstoned subjects (a key table restored from an old backup); return how many."""
        with self.engine.connect() as conn:
            tombstoned = [str(r[0]) for r in conn.execute(select(key_tombstones.c.subject_id))]
        removed = 0
        with self.key_engine.begin() as conn:
            for i in range(0, len(tombstoned), _BATCH):
                batch = tombstoned[i : i + _BATCH]
                removed += conn.execute(delete(subject_keys).where(subject_keys.c.subject_id.in_(batch))).rowcount
        if removed:
            self._flush_deleted_pages()
        return int(removed)

    def rotate(self, *, batch: int = 1000) -> RotationReport:
        """Re-wrap every live data key under a new key-encryption key, then destroy the old ones.

        Resumable: rows carry their epoch, so a rotation interrupted halfway is
        finished by the next (old epochs are destroyed only once no row needs them).
        """
        epoch = self.keyring.add_epoch()
        rewrapped = 0
        while rows := self._rows_not_under(epoch, batch):
            with self.key_engine.begin() as conn:
                for subject_hex, old_epoch, wrapped in rows:
                    data_key = self.keyring.unwrap(
                        wrapped, epoch=old_epoch, associated_data=self._associated_data(subject_hex, old_epoch)
                    )
                    rewrapped_key = self.keyring.wrap(
                        data_key, epoch=epoch, associated_data=self._associated_data(subject_hex, epoch)
                    )
                    rewrapped += conn.execute(
                        update(subject_keys)
                        .where((subject_keys.c.subject_id == subject_hex) & (subject_keys.c.kek_epoch == old_epoch))
                        .values(kek_epoch=epoch, wrapped_key=rewrapped_key)
                    ).rowcount
        retired = self.keyring.retire_epochs(keep=epoch)
        self._flush_deleted_pages()
        return RotationReport(epoch=epoch, rewrapped=rewrapped, retired_epochs=retired)

    def _rows_not_under(self, epoch: int, batch: int) -> list[tuple[str, int, bytes]]:
        with self.key_engine.connect() as conn:
            rows = conn.execute(
                select(subject_keys.c.subject_id, subject_keys.c.kek_epoch, subject_keys.c.wrapped_key)
                .where(subject_keys.c.kek_epoch != epoch)
                .limit(batch)
            )
            return [(str(r[0]), int(r[1]), bytes(r[2])) for r in rows]

    def _flush_deleted_pages(self) -> None:
        # With WAL, the page that held the key survives in the -wal file until a
        # checkpoint; truncating it makes `secure_delete` reach the disk now.
        if self.key_engine.dialect.name == "sqlite":
            with self.key_engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
