"""B4: every view rebuilt from zero, beside (a) merely reading the log and (b) a hand-written loop.

Each round reads the whole log and discards it (a), rebuilds the residence
tables with `bench.handloop` (b), and rebuilds every view with the product's
`ViewRunner.rebuild` (timed view by view) — the product last, so the views
are whole again when the round ends. All views' rate is judged against the
absolute goal and shown beside (a); the residence view alone is compared with
(b), which writes the same tables.
"""

from __future__ import annotations

import time

from sqlalchemy import func, select

from bench.context import Context, timed
from bench.handloop import TABLES, HandLoop
from bench.infra import opened
from bench.report import Row, rate_at_least, ratio_at_least, row_of
from bench.stats import Comparison, Run, median
from ledger.application import Ledger
from projections.registry import build_view_runners
from projections.runner import PAGE_SIZE, ViewRunner


def read_log(ledger: Ledger, page_size: int = PAGE_SIZE) -> int:
    """Read the whole notification log in pages and discard it; how many events."""
    position, count = 0, 0
    while page := ledger.recorder.select_notifications(start=position + 1, limit=page_size):
        position, count = page[-1].id, count + len(page)
    return count


def table_counts(ledger: Ledger) -> dict[str, int]:
    with ledger.keys.engine.connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in TABLES}


def rebuild(ctx: Context, backend: str) -> list[Row]:
    events = ctx.size(20_000, 150)
    settings, store = ctx.store(backend, events)
    with opened(settings) as ledger:
        runners = build_view_runners(ledger)
        per_view: dict[str, list[Run]] = {r.name: [] for r in runners}

        def all_views() -> Run:
            total = 0.0
            for runner in runners:
                run = _rebuild(runner, store.events)
                per_view[runner.name].append(run)
                total += run.seconds
            return Run(store.events, total)

        hand = HandLoop(ledger, PAGE_SIZE)
        # The warm-up round, thrown away, also checks that the hand loop writes what the view writes.
        read_log(ledger)
        hand.run()
        by_hand = table_counts(ledger)
        all_views()
        same_rows = table_counts(ledger) == by_hand
        reads, loops, views = ctx.alternate(
            [lambda: timed(lambda: read_log(ledger)), lambda: timed(hand.run), all_views], warmup=False
        )
    per_view = {name: runs[1:] for name, runs in per_view.items()}
    residence_runs = per_view["residence"]
    others = ", ".join(f"{name} {median([r.rate for r in runs]):,.0f}/s" for name, runs in per_view.items())
    return [
        row_of(
            Comparison(views, reads),
            scenario="B4",
            backend=backend,
            n=store.events,
            unit="events/s",
            baseline=f"(a) reading the log in pages of {PAGE_SIZE} and discarding it",
            goal=rate_at_least(5_000, "events/s"),
            note=f"all {len(runners)} views, one after another; per view: {others}",
        ),
        row_of(
            Comparison(residence_runs, loops),
            scenario="B4 residence",
            backend=backend,
            n=store.events,
            unit="events/s",
            baseline="(b) hand loop: read page, decode, fold in memory, executemany (residence tables only)",
            goal=ratio_at_least(0.30),
            note="hand loop rows match the view's" if same_rows else "WARNING: hand loop row counts differ",
        ),
    ]


def _rebuild(runner: ViewRunner, events: int) -> Run:
    began = time.perf_counter()
    runner.rebuild()
    return Run(events, time.perf_counter() - began)
