"""B10: key rotation (`ledger keys rotate`) over N live data keys, beside a raw re-wrap of the same rows.

Set-up makes N data keys through the key store (`KeyStore.data_keys_for_writing`;
no events: a rotation reads only the key table) and copies the rows into a
table of the bench's own, re-wrapped under a key-encryption key held in memory.
Each round times `KeyStore.rotate()`, which is what `ledger keys rotate` runs
once it has opened the key store: a new epoch in the keyring file, every live
key read, unwrapped and wrapped again batch by batch (one transaction a batch),
the old epoch destroyed. The baseline reads its copy in one query, unwraps and
wraps every key with AES-GCM in memory (the same associated data) and writes
them back with one `executemany`, all in one transaction.
"""

from __future__ import annotations

import secrets
import time
from uuid import uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, select, text

from bench.context import Context, timed
from bench.infra import opened
from bench.report import NO_GOAL, Row, row_of
from bench.stats import Comparison, median
from ledger.crypto.key_rotation import ROTATION_BATCH
from ledger.crypto.key_tables import subject_keys
from ledger.crypto.keyring import KEY_BYTES, NONCE_BYTES
from ledger.crypto.keystore import KeyStore

_MAKE = 10_000  # keys made per call at set-up


def rotation(ctx: Context, backend: str) -> list[Row]:
    n = ctx.size(100_000, 2_000)
    settings = ctx.workspace.settings("keys", backend)
    with opened(settings) as ledger:
        store = ledger.keys
        began = time.perf_counter()
        for i in range(0, n, _MAKE):
            store.data_keys_for_writing(uuid4() for _ in range(min(_MAKE, n - i)))
        ctx.progress(f"  made {n} data keys on {backend} in {time.perf_counter() - began:.1f} s")
        raw = _RawRewrap(store)

        def rotate() -> int:
            rewrapped = store.rotate().rewrapped
            if rewrapped != n:
                raise RuntimeError(f"rotation re-wrapped {rewrapped} of {n} keys")
            return rewrapped

        rotated, rewrapped = ctx.alternate([lambda: timed(rotate), lambda: timed(raw.rewrap)])
    seconds = median([run.seconds for run in rotated])
    return [
        row_of(
            Comparison(rotated, rewrapped),
            scenario="B10",
            backend=backend,
            n=n,
            unit="keys/s",
            baseline="raw re-wrap of the same rows: one read, AES-GCM unwrap + wrap in memory, executemany, one commit",
            goal=NO_GOAL,
            note=f"KeyStore.rotate (`ledger keys rotate`), {ROTATION_BATCH} keys a transaction; median {seconds:.1f} s",
        )
    ]


class _RawRewrap:
    """A copy of the key rows under a key-encryption key of its own, re-wrapped whole each run."""

    def __init__(self, store: KeyStore) -> None:
        self.engine: Engine = store.database.key_engine
        self.kek = AESGCM(secrets.token_bytes(KEY_BYTES))
        self.epoch = 1
        with self.engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_raw_keys AS SELECT * FROM subject_keys WHERE 1 = 0"))
            conn.execute(text("CREATE UNIQUE INDEX bench_raw_keys_id ON bench_raw_keys (subject_id)"))
            rows = conn.execute(select(subject_keys)).all()
            copies = []
            for row in rows:
                aad = KeyStore._associated_data(row.subject_id, row.kek_epoch)
                data_key = store.keyring.unwrap(row.wrapped_key, epoch=row.kek_epoch, associated_data=aad)
                copies.append(
                    {**row._asdict(), "kek_epoch": self.epoch, "wrapped_key": self._wrap(row.subject_id, data_key)}
                )
            conn.execute(
                text(
                    "INSERT INTO bench_raw_keys (subject_id, kek_epoch, wrapped_key, created_at)"
                    " VALUES (:subject_id, :kek_epoch, :wrapped_key, :created_at)"
                ),
                copies,
            )

    def _wrap(self, subject_hex: str, data_key: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self.kek.encrypt(nonce, data_key, KeyStore._associated_data(subject_hex, self.epoch))

    def rewrap(self) -> int:
        """Every row unwrapped under the current KEK and wrapped under a new one, in one transaction."""
        placeholder = "%s" if self.engine.dialect.name == "postgresql" else "?"
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT subject_id, kek_epoch, wrapped_key FROM bench_raw_keys")
            rows = cursor.fetchall()
            old_kek, old_epoch = self.kek, self.epoch
            self.kek, self.epoch = AESGCM(secrets.token_bytes(KEY_BYTES)), old_epoch + 1
            updates = []
            for subject_hex, epoch, stored in rows:
                wrapped = bytes(stored)
                aad = KeyStore._associated_data(subject_hex, epoch)
                data_key = old_kek.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], aad)
                updates.append((self.epoch, self._wrap(subject_hex, data_key), subject_hex, old_epoch))
            cursor.executemany(
                f"UPDATE bench_raw_keys SET kek_epoch = {placeholder}, wrapped_key = {placeholder}"
                f" WHERE subject_id = {placeholder} AND kek_epoch = {placeholder}",
                updates,
            )
            connection.commit()
            return len(updates)
        finally:
            connection.close()
