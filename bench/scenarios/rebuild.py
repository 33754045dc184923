"""B4: every view rebuilt from zero, beside (a) merely reading the log and (b) a hand-written loop.

Each round reads the whole log and discards it (a), rebuilds the residence
tables with `bench.handloop` (b), rebuilds the residence view alone in this
process, and rebuilds every view as `ledger projections rebuild` does (side by
side, a process per view up to the number of cores) — the product last, so
the views are whole again when the round ends. All views' rate is judged
against the absolute goal and shown beside (a); the residence view alone is
compared with (b), which writes the same tables, alone in this process too.
"""

from __future__ import annotations

import os
import time

from sqlalchemy import func, select

from bench.context import Context, timed
from bench.handloop import TABLES, HandLoop
from bench.infra import opened
from bench.report import Row, rate_at_least, ratio_at_least, row_of
from bench.stats import Comparison, Run, median
from ledger.application.service import Ledger
from projections.rebuild import rebuild_views
from projections.registry import build_view_runners
from projections.runner import PAGE_SIZE, ViewRunner

# Processes of a rebuild of all views, as `ledger projections rebuild` chooses them.
PROCESSES = os.cpu_count() or 1


def read_log(ledger: Ledger, page_size: int = PAGE_SIZE) -> int:
    """Read the whole notification log in pages and discard it; how many events."""
    position, count = 0, 0
    while page := ledger.recorder.select_notifications(start=position + 1, limit=page_size):
        position, count = page[-1].id, count + len(page)
    return count


def table_counts(ledger: Ledger) -> dict[str, int]:
    with ledger.database.engine.connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in TABLES}


def rebuild(ctx: Context, backend: str) -> list[Row]:
    events = ctx.size(100_000, 20_000, smoke=150)
    settings, store = ctx.store(backend, events)
    with opened(settings) as ledger:
        runners = build_view_runners(ledger)
        residence = next(r for r in runners if r.name == "residence")
        per_view: dict[str, list[Run]] = {r.name: [] for r in runners}

        def all_views() -> Run:
            # As `ledger projections rebuild` does it: the views side by side, a process each.
            began = time.perf_counter()
            results = rebuild_views(settings, list(per_view), processes=PROCESSES, log_level="WARNING")
            seconds = time.perf_counter() - began
            for result in results:
                if not result.ok:
                    raise RuntimeError(f"view {result.name} was not rebuilt: {result.problem}")
                per_view[result.name].append(Run(store.events, result.seconds))
            return Run(store.events, seconds)

        hand = HandLoop(ledger, PAGE_SIZE)
        # The warm-up round, thrown away, also checks that the hand loop writes what the view writes.
        read_log(ledger)
        hand.run()
        by_hand = table_counts(ledger)
        all_views()
        same_rows = table_counts(ledger) == by_hand
        # The residence view alone, in this process, is what the hand loop (alone, in this process) is compared with.
        reads, loops, residence_runs, views = ctx.alternate(
            [
                lambda: timed(lambda: read_log(ledger)),
                lambda: timed(hand.run),
                lambda: _rebuild(residence, store.events),
                all_views,
            ],
            warmup=False,
        )
    per_view = {name: runs[1:] for name, runs in per_view.items()}
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
            note=f"all {len(runners)} views side by side in {PROCESSES} processes (`ledger projections rebuild`); "
            f"per view: {others}",
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
