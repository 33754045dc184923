"""B8: the retention job shredding N due subjects, beside raw deletes of the same key rows.

Each round loads a fresh cohort of workers whose registration ended long ago
(contract ended and departed), lets the worker register catch up, copies the
cohort's key rows aside, and then times `run_retention` on a day when all of
them are due: it finds them in the register and, chunk by chunk
(`SHRED_CHUNK` subjects), loads each subject's facts, writes the chunk's
tombstones in one transaction, deletes its keys in one (and on SQLite
truncates the key store's WAL once, so `secure_delete` reaches the disk) and
records the chunk's `PersonalDataShredded` events in one. The baseline deletes
the copied key rows, one committed statement per subject (what shredding one
subject at a time cannot go below). The thrown-away warm-up round shreds one
chunk's worth only: set-up is what a round spends most on.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

from sqlalchemy import bindparam, text

from bench.context import Context
from bench.data import Inputs, ended_workers, register_places
from bench.infra import opened
from bench.report import Row, rate_at_least, row_of
from bench.stats import Comparison, Run
from jobs.retention import SHRED_CHUNK, run_retention
from ledger.application.retention import load_policies
from projections.registry import build_view_runners


def shred(ctx: Context, backend: str) -> list[Row]:
    n = ctx.size(10_000, 100)
    settings = ctx.workspace.settings("shred", backend)
    with opened(settings) as ledger:
        inputs = Inputs(8, ledger.today())
        places = register_places(ledger, inputs, locations=20, employers=2)
        register = next(r for r in build_view_runners(ledger) if r.name == "register")
        policies = load_policies(settings.retention_file)
        on = ledger.today() + timedelta(days=3 * 365)
        keys = ledger.database.key_engine
        with keys.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS bench_raw_keys AS SELECT * FROM subject_keys WHERE 1 = 0"))
            conn.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS bench_raw_keys_id ON bench_raw_keys (subject_id)"))
        copied: list[str] = []

        def cohort(count: int) -> list[UUID]:
            ids = ended_workers(ledger, inputs, places, count)
            register.catch_up()
            copy = text("INSERT INTO bench_raw_keys SELECT * FROM subject_keys WHERE subject_id IN :ids")
            with keys.begin() as conn:
                for i in range(0, len(ids), 500):
                    chunk = [s.hex for s in ids[i : i + 500]]
                    conn.execute(copy.bindparams(bindparam("ids", expanding=True)), {"ids": chunk})
            copied[:] = [s.hex for s in ids]
            return ids

        def retention(count: int) -> Run:
            ids = cohort(count)
            stamps = [time.perf_counter()]
            report = run_retention(
                ledger,
                ledger.database.engine,
                policies,
                on=on,
                progress=lambda _done, _total: stamps.append(time.perf_counter()),
            )
            if len(report.shredded) != len(ids):
                raise RuntimeError(f"retention shredded {len(report.shredded)} of {len(ids)} due subjects")
            return Run(len(ids), stamps[-1] - stamps[0], _gaps(stamps))

        def raw_deletes() -> Run:
            placeholder = "%s" if keys.dialect.name == "postgresql" else "?"
            connection = keys.raw_connection()
            try:
                cursor = connection.cursor()
                clock = time.perf_counter
                began, latencies = clock(), []
                for subject in copied:
                    start = clock()
                    cursor.execute(f"DELETE FROM bench_raw_keys WHERE subject_id = {placeholder}", (subject,))
                    connection.commit()
                    latencies.append(clock() - start)
                return Run(len(copied), clock() - began, latencies)
            finally:
                connection.close()

        if not ctx.smoke:
            # A chunk's worth warms connections and code paths; a whole cohort
            # would add a sixth round of set-up (loading, register catch-up).
            retention(min(n, SHRED_CHUNK))
            raw_deletes()
        shredded, deleted = ctx.alternate([lambda: retention(n), raw_deletes], warmup=False)
    return [
        row_of(
            Comparison(shredded, deleted),
            scenario="B8",
            backend=backend,
            n=n,
            unit="subjects/s",
            baseline="raw DELETE of the same key rows (copied aside), one commit each",
            goal=rate_at_least(500, "subjects/s"),
            note=(
                f"run_retention: find due in the register, then per chunk of {SHRED_CHUNK}: load facts, tombstones,"
                f" key deletion, events (one transaction each); p50/p99 per chunk"
            ),
        )
    ]


def _gaps(stamps: Sequence[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(stamps)]
