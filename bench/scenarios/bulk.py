"""B3: bulk registration, batches of 500 workers validated, sealed and saved.

The ledger has no batch command (`register_worker` is one transaction each:
that is B1), so a batch goes through the application the way a batch command
would: the distinct employers and locations it refers to are checked once
(`Ledger.get`), each worker is validated by `Worker.register`, and
`Ledger.save` stores the batch: it looks up the batch's data keys and creates
the missing ones in one key-store transaction (`KeyStore.data_keys_for_writing`),
then seals and inserts the events in one recorder transaction. The baseline
inserts the rows the ledger stored, batch by batch, with one `executemany`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.context import Context
from bench.data import Inputs, register_places
from bench.infra import opened
from bench.raw import RawEvents, Row, rows_of
from bench.report import Row as ReportRow
from bench.report import both, rate_at_least, ratio_at_least, row_of
from bench.stats import Comparison, Run
from ledger.application.service import Ledger
from ledger.domain.employer import Employer
from ledger.domain.housing_location import HousingLocation
from ledger.domain.worker import Worker

BATCH = 500


def bulk(ctx: Context, backend: str) -> list[ReportRow]:
    n, batch = ctx.size(10_000, 100), ctx.size(BATCH, 100)
    settings = ctx.workspace.settings("bulk", backend)
    with opened(settings) as ledger:
        raw = RawEvents(settings)
        inputs = Inputs(3, ledger.today())
        places = register_places(ledger, inputs, locations=50)
        batches: list[list[Row]] = []

        def register(save: Callable[[list[Worker]], object]) -> Run:
            registrations = [inputs.registration(places) for _ in range(n)]
            before = ledger.recorder.max_notification_id() or 0
            began = time.perf_counter()
            latencies = []
            for i in range(0, n, batch):
                start = time.perf_counter()
                save(_validated(ledger, registrations[i : i + batch]))
                latencies.append(time.perf_counter() - start)
            run = Run(n, time.perf_counter() - began, latencies)
            stored = _stored_after(ledger, before)
            batches[:] = [rows_of(stored[i : i + batch]) for i in range(0, len(stored), batch)]
            return run

        def raw_run() -> Run:
            began = time.perf_counter()
            latencies = []
            for rows in batches:
                start = time.perf_counter()
                raw.append(rows)
                latencies.append(time.perf_counter() - start)
            return Run(sum(map(len, batches)), time.perf_counter() - began, latencies)

        service, baseline = ctx.alternate([lambda: register(lambda ws: ledger.save(*ws)), raw_run])
        raw.close()
    return [
        row_of(
            Comparison(service, baseline),
            scenario="B3",
            backend=backend,
            n=n,
            unit="workers/s",
            goal=both(ratio_at_least(0.25), rate_at_least(2_000, "workers/s")),
            baseline=f"raw executemany of the stored rows, {batch} a transaction",
            note=f"p50/p99 per batch of {batch}; the batch's keys looked up and made in one key-store transaction",
        )
    ]


def _validated(ledger: Ledger, registrations: Sequence[dict[str, Any]]) -> list[Worker]:
    """The batch's references checked once each, then every worker validated by the domain."""
    for employer_id in {r["employer_id"] for r in registrations}:
        ledger.get(Employer, employer_id)
    for location_id in {r["housing_location_id"] for r in registrations}:
        ledger.get(HousingLocation, location_id)
    today = ledger.today()
    return [Worker.register(**r, today=today) for r in registrations]


def _stored_after(ledger: Ledger, position: int) -> list[Any]:
    stored: list[Any] = []
    while page := ledger.recorder.select_notifications(start=position + 1, limit=1_000):
        stored += page
        position = page[-1].id
    return stored
