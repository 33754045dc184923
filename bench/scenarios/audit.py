"""B9: `AuditChain.verify` over a filled store beside plain SHA-256 chaining of the same bytes.

The baseline is the ceiling of the work itself: the canonical bytes of every
stored event, made beforehand and held in memory, chained with `hashlib`
exactly as the links are. Verification also reads the events and the links
from the database and builds those bytes, so the ratio says what reading and
Python cost on top of the hashing. It runs as `ledger audit verify` does: in
one process per CPU where the range is long enough to split (the full size),
in one process otherwise (the quick size). Full size: a million events on
PostgreSQL (the issue's figure; S's big store), 100 000 on SQLite.
"""

from __future__ import annotations

import hashlib
import time

from bench.context import Context
from bench.infra import opened
from bench.report import Row, ratio_at_least, row_of
from bench.scenarios.scale import BIG_FULL
from bench.stats import Comparison, Run
from ledger.audit.chain import GENESIS, AuditChain, canonical_bytes, default_workers


def audit(ctx: Context, backend: str) -> list[Row]:
    # The million events on PostgreSQL (the store S builds on too); 100 000 on SQLite.
    events = ctx.size(BIG_FULL if backend == "postgresql" else 100_000, 2_000)
    settings, store = ctx.store(backend, events)
    with opened(settings) as ledger:
        chain = AuditChain(ledger.recorder, ledger.database.engine)
        workers = default_workers()  # what `ledger audit verify` uses
        blobs: list[bytes] = []
        position = 0
        while page := ledger.recorder.select_notifications(start=position + 1, limit=2_000):
            blobs += [canonical_bytes(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in page]
            position = page[-1].id

        def verify() -> Run:
            began = time.perf_counter()
            verification = chain.verify(workers=workers)
            seconds = time.perf_counter() - began
            if not verification.ok:
                raise RuntimeError(f"the audit chain does not verify: {verification}")
            return Run(verification.checked, seconds)

        def sha256_chain() -> Run:
            began = time.perf_counter()
            link = GENESIS
            for blob in blobs:
                link = hashlib.sha256(link + blob).digest()
            return Run(len(blobs), time.perf_counter() - began)

        verified, hashed = ctx.alternate([verify, sha256_chain])
    return [
        row_of(
            Comparison(verified, hashed),
            scenario="B9",
            backend=backend,
            n=store.events,
            unit="events/s",
            baseline="SHA-256 chained over the same canonical bytes, in memory",
            goal=ratio_at_least(0.50),
            note=f"{sum(map(len, blobs)) / max(len(blobs), 1):.0f} bytes per event on average;"
            f" verify with workers={workers}",
        )
    ]
