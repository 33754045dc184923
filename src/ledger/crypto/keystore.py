"""The key store: one wrapped data key (DEK) per data subject, and tombstones.

A subject's personal fields are sealed under its DEK; destroying the DEK is
crypto-shredding. Keys are stored only wrapped by a key-encryption key from
the keyring, bound to the subject id and epoch so a key row copied to another
subject does not open. A shredded subject leaves a tombstone that is kept for
ever: no key is ever created again for it (no resurrection). The claims of
the subject's identity document (`ledger.persistence.claim_store`) are destroyed with the
tombstone, in its transaction: an erased document can no longer be confirmed.

Keys are not cached across calls, so a shred is effective in every process as
soon as its transaction commits. Keys are made, destroyed and re-wrapped in
batches (one transaction for many subjects), so that a bulk registration, a
retention run and a key rotation cost a few commits, not one per subject.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import (
    Connection,
    delete,
    select,
)

from ledger.crypto.key_rotation import KeyRotation
from ledger.crypto.key_tables import insert_new, key_tombstones, subject_keys
from ledger.crypto.keyring import KEY_BYTES, Keyring
from ledger.domain.errors import Conflict
from ledger.persistence.claim_store import forget_holders, forget_tombstoned
from ledger.persistence.database import Database, in_chunks, reading


class SubjectShredded(Conflict):
    """The subject's key was destroyed; its personal data cannot be written again."""

    def __init__(self, subject_id: UUID) -> None:
        self.subject_id = subject_id
        super().__init__(f"the personal data of {subject_id} has been shredded")


class KeyStore(KeyRotation):
    """Creates, opens and destroys data keys.

    The wrapped keys live in the key store database (`database.key_engine`);
    the tombstones live with the ledger's events (`database.engine`), so that
    restoring an old copy of either never brings a shredded subject back:
    restored ledger data finds no key, a restored key table is checked against
    the tombstones. The database is the caller's to dispose.
    """

    def __init__(self, database: Database, keyring: Keyring) -> None:
        self.database = database
        self.keyring = keyring

    def data_key(self, subject_id: UUID) -> bytes | None:
        """The subject's data key, or None when there is none (never made, or shredded)."""
        return self.data_keys([subject_id]).get(subject_id)

    def data_keys(self, subject_ids: Iterable[UUID]) -> dict[UUID, bytes]:
        """The data keys of many subjects in one lookup per 500; absent ones are left out."""
        wanted = list(dict.fromkeys(subject_ids))
        if not wanted:
            return {}
        with reading(self.database.key_engine) as conn:
            return self._lookup(conn, wanted)

    def _lookup(self, conn: Connection, subject_ids: Sequence[UUID]) -> dict[UUID, bytes]:
        by_hex = {s.hex: s for s in subject_ids}
        found: dict[UUID, bytes] = {}
        for chunk in in_chunks(list(by_hex)):
            rows = conn.execute(
                select(subject_keys.c.subject_id, subject_keys.c.kek_epoch, subject_keys.c.wrapped_key).where(
                    subject_keys.c.subject_id.in_(chunk)
                )
            )
            for subject_hex, epoch, wrapped in rows:
                found[by_hex[subject_hex]] = self.keyring.unwrap(
                    wrapped, epoch=epoch, associated_data=self._associated_data(subject_hex, epoch)
                )
        return found

    def data_key_for_writing(self, subject_id: UUID) -> bytes:
        """The subject's data key, created on first use; refused for a shredded subject."""
        return self.data_keys_for_writing([subject_id])[subject_id]

    def data_keys_for_writing(
        self, subject_ids: Iterable[UUID], *, created: set[UUID] | None = None
    ) -> dict[UUID, bytes]:
        """The data keys of many subjects, the missing ones created together in one transaction.

        Refused with `SubjectShredded`, and no key made, when one of them has a
        tombstone. Safe against other processes: a key another process created
        first is the one answered. The subjects whose keys this call made are
        added to `created`, when given (see `discard_unused`).
        """
        wanted = list(dict.fromkeys(subject_ids))
        with self.database.key_engine.connect() as keys_conn:
            keys = self._lookup(keys_conn, wanted)
            missing = [s for s in wanted if s not in keys]
            if missing:
                with self._ledger_connection(keys_conn) as ledger_conn:
                    keys.update(self._create_missing(keys_conn, ledger_conn, missing, created))
        return keys

    def discard_unused(self, subject_ids: Iterable[UUID]) -> int:
        """Delete keys made for a write that then failed: nothing was sealed under them; return how many.

        For keys this process just made (`data_keys_for_writing(created=…)`) and
        whose events were not stored, only: no tombstone is left, since no data
        was erased — the subject never existed.
        """
        return self._delete_keys([s.hex for s in dict.fromkeys(subject_ids)])

    @contextmanager
    def _ledger_connection(self, keys_conn: Connection) -> Iterator[Connection]:
        # When the keys live in the ledger's own database, one connection does it all (fewer round trips).
        if self.database.key_engine is self.database.engine:
            yield keys_conn
        else:
            with self.database.engine.connect() as conn:
                yield conn

    def _create_missing(
        self, keys_conn: Connection, ledger_conn: Connection, missing: Sequence[UUID], created: set[UUID] | None
    ) -> dict[UUID, bytes]:
        self._refuse_tombstoned(ledger_conn, missing)
        made = self._insert_keys(keys_conn, missing)
        if created is not None:
            created.update(made)
        # Checked again after our commit: a shred whose tombstone came after the
        # first check deletes its key after this commit, or we see its tombstone here.
        raced = self._tombstoned_on(ledger_conn, list(made))
        if raced:
            self._delete_keys([s.hex for s in raced])
            raise SubjectShredded(raced[0])
        lost = [s for s in missing if s not in made]
        if lost:
            # Another process created these between our read and our insert: use theirs.
            theirs = self._lookup(keys_conn, lost)
            gone = [s for s in lost if s not in theirs]
            if gone:
                raise SubjectShredded(gone[0])
            made.update(theirs)
        return made

    def _insert_keys(self, conn: Connection, subject_ids: Sequence[UUID]) -> dict[UUID, bytes]:
        """New keys for `subject_ids`, committed; those another process made first are left out."""
        epoch = self.keyring.current_epoch
        now = datetime.now(UTC)
        fresh = {s: secrets.token_bytes(KEY_BYTES) for s in subject_ids}
        rows = [
            {
                "subject_id": s.hex,
                "kek_epoch": epoch,
                "wrapped_key": self.keyring.wrap(key, epoch=epoch, associated_data=self._associated_data(s.hex, epoch)),
                "created_at": now,
            }
            for s, key in fresh.items()
        ]
        by_hex = {s.hex: s for s in subject_ids}
        stmt = insert_new(subject_keys, self.database.key_engine).returning(subject_keys.c.subject_id)
        inserted = conn.execute(stmt, rows).scalars().all()
        conn.commit()
        return {by_hex[h]: fresh[by_hex[h]] for h in inserted}

    def is_shredded(self, subject_id: UUID) -> bool:
        """Whether the subject has a tombstone."""
        with self.database.engine.connect() as conn:
            return bool(self._tombstoned_on(conn, [subject_id]))

    def _tombstoned_on(self, conn: Connection, subject_ids: Sequence[UUID]) -> list[UUID]:
        by_hex = {s.hex: s for s in subject_ids}
        found: list[UUID] = []
        for chunk in in_chunks(list(by_hex)):
            stmt = select(key_tombstones.c.subject_id).where(key_tombstones.c.subject_id.in_(chunk))
            found += [by_hex[h] for h in conn.execute(stmt).scalars()]
        return found

    def _refuse_tombstoned(self, conn: Connection, subject_ids: Sequence[UUID]) -> None:
        tombstoned = self._tombstoned_on(conn, subject_ids)
        if tombstoned:
            raise SubjectShredded(tombstoned[0])

    def shred(self, subject_id: UUID) -> bool:
        """Leave a tombstone, then destroy the subject's data key; True if a key was destroyed."""
        return bool(self.shred_many([subject_id]))

    def shred_many(self, subject_ids: Iterable[UUID]) -> int:
        """Leave tombstones, then destroy the subjects' data keys; return how many keys were destroyed.

        One transaction for all tombstones (and the subjects' document claims),
        then one for all keys (and on SQLite one WAL truncation). Idempotent:
        shredding a shredded subject changes nothing. The tombstones come
        first: should the process die in between, start-up finds tombstoned
        subjects with keys and destroys them.
        """
        hexes = list(dict.fromkeys(s.hex for s in subject_ids))
        if not hexes:
            return 0
        now = datetime.now(UTC)
        with self.database.engine.begin() as conn:
            conn.execute(
                insert_new(key_tombstones, self.database.engine),
                [{"subject_id": h, "shredded_at": now} for h in hexes],
            )
            forget_holders(conn, hexes)
        return self._delete_keys(hexes)

    def reshred_tombstoned(self) -> int:
        """Delete keys of tombstoned subjects (a key table restored from an old backup); return how many.

        Document claims of tombstoned subjects that a restored ledger database
        brought back are destroyed again too.
        """
        with self.database.engine.begin() as conn:
            forget_tombstoned(conn, key_tombstones)
            tombstoned = [str(r[0]) for r in conn.execute(select(key_tombstones.c.subject_id))]
        return self._delete_keys(tombstoned)

    def _delete_keys(self, subject_hexes: Sequence[str]) -> int:
        if not subject_hexes:
            return 0
        removed = 0
        with self.database.key_engine.begin() as conn:
            for chunk in in_chunks(subject_hexes):
                removed += conn.execute(delete(subject_keys).where(subject_keys.c.subject_id.in_(chunk))).rowcount
        if removed:
            self._flush_deleted_pages()
        return int(removed)


class NoKeys:
    """Subject keys that open nothing: loading with them yields operational facts only.

    Personal fields read as `SHREDDED` and no key is looked up; for decisions
    that need no personal data (legal holds, shredding, due dates).
    """

    def data_key(self, subject_id: UUID) -> bytes | None:
        """No key: the fields stay closed."""
        return None

    def data_key_for_writing(self, subject_id: UUID) -> bytes:
        """Never for writing."""
        msg = f"keys that open nothing cannot seal the personal data of {subject_id}"
        raise TypeError(msg)
