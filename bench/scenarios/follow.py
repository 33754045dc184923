"""B5: follow lag — how long after its commit an event is visible in every view, at a steady rate.

`ledger project` runs as its own process (LISTEN/NOTIFY wake-ups on
PostgreSQL), as in production. This process appends housing changes at a
steady rate, noting each event's position and the moment its command
returned (just after the commit), while a thread polls the views' tracking
positions every 2 ms. An event's lag is the first poll that saw every view at
or past its position, minus its commit. No baseline: the goal is absolute.
"""

from __future__ import annotations

import bisect
import math
import random
import threading
import time
from datetime import timedelta
from uuid import UUID

import psycopg

from bench.context import Context
from bench.data import build_store
from bench.infra import Process, child_environment, ledger_command, opened
from bench.report import Goal, Row
from bench.stats import median, percentile
from ledger.application.service import Ledger
from ledger.settings import Settings

RATE = 200.0
WRITERS = 4
POLL_S = 0.002
LAG_GOAL = Goal("commit → visible p99 ≤ 500 ms", lambda r: (r.p99 or math.inf) <= 0.5)
_POSITION = "SELECT min(notification_id), count(*) FROM projection_tracking WHERE application_name = 'Ledger'"


class Watcher(threading.Thread):
    """Polls the lowest view position until stopped: (moment, position) pairs."""

    def __init__(self, settings: Settings, views: int) -> None:
        super().__init__(daemon=True)
        self.conn = psycopg.connect(settings.url.render_as_string(hide_password=False), autocommit=True)
        self.views = views
        self.seen: list[tuple[float, int]] = []
        self.stop = threading.Event()

    def position(self) -> int:
        row = self.conn.execute(_POSITION).fetchone()
        return int(row[0]) if row and row[0] is not None and row[1] >= self.views else 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.seen.append((time.monotonic(), self.position()))
            time.sleep(POLL_S)
        self.conn.close()


def follow(ctx: Context) -> list[Row]:
    duration = ctx.size(10.0, 1.5, smoke=0.5)
    settings = ctx.workspace.settings("follow", "postgresql")
    with opened(settings) as ledger:
        store = build_store(ledger, events=ctx.size(2_000, 150))
        head = ledger.recorder.max_notification_id() or 0
        runner = Process(
            ledger_command("--log-level", "WARNING", "project"),
            child_environment(settings),
            ctx.workspace.log_path("project"),
        )
        watcher = Watcher(settings, views=3)
        try:
            deadline = time.monotonic() + 600
            while watcher.position() < head and time.monotonic() < deadline:
                time.sleep(0.05)
            watcher.start()
            rows = []
            for rate in ctx.size((RATE, 50.0), (RATE,)):
                commits = _append_steadily(ledger, store.worker_ids, store.places.location_ids, rate, duration)
                last, deadline = max(p for p, _ in commits), time.monotonic() + 300
                while (not watcher.seen or watcher.seen[-1][1] < last) and time.monotonic() < deadline:
                    time.sleep(0.05)
                rows.append(_row(commits, list(watcher.seen), rate, duration))
        finally:
            watcher.stop.set()
            watcher.join()
            runner.stop()
    return rows


def _append_steadily(
    ledger: Ledger, workers: tuple[UUID, ...], locations: tuple[UUID, ...], rate: float, duration: float
) -> list[tuple[int, float]]:
    """Housing changes due at `rate` per second for `duration` seconds: (position, commit moment) each.

    One writer cannot keep 200/s here (a housing change loads and opens the
    worker first), so `WRITERS` threads share the schedule, each with its own workers.
    """
    today = ledger.today()
    commits: list[tuple[int, float]] = []
    start = time.monotonic() + 0.05
    total = int(rate * duration)

    def write(k: int) -> None:
        rng = random.Random(k)
        mine = workers[k::WRITERS]
        for i in range(k, total, WRITERS):
            time.sleep(max(start + i / rate - time.monotonic(), 0))
            receipt = ledger.change_housing(
                mine[(i // WRITERS) % len(mine)],
                housing_location_id=rng.choice(locations),
                valid_from=today - timedelta(days=i % 7),
            )
            commits.append((receipt.position, time.monotonic()))

    threads = [threading.Thread(target=write, args=(k,)) for k in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(commits, key=lambda c: c[1])


def _row(commits: list[tuple[int, float]], seen: list[tuple[float, int]], rate_asked: float, duration: float) -> Row:
    positions = [position for _, position in seen]
    lags = []
    for position, committed in commits:
        index = bisect.bisect_left(positions, position)
        if index < len(seen):
            lags.append(max(seen[index][0] - committed, 0.0))
    span = commits[-1][1] - commits[0][1] if len(commits) > 1 else duration
    rate = len(commits) / span if span > 0 else math.nan
    row = Row(
        scenario=f"B5 @{rate_asked:g}/s",
        backend="postgresql",
        n=len(commits),
        unit="events/s",
        rate=rate,
        rate_min=rate,
        rate_max=rate,
        baseline="- (absolute goal)",
        baseline_rate=math.nan,
        ratio=math.nan,
        p50=percentile(lags, 50) if lags else None,
        p99=percentile(lags, 99) if lags else None,
        note=f"`ledger project` process; {WRITERS} writer threads, {rate_asked:g}/s asked;"
        f" {len(commits) - len(lags)} never seen; max lag {max(lags, default=math.nan) * 1e3:.0f} ms,"
        f" median {median(lags) * 1e3:.0f} ms",
    )
    return row.judge(LAG_GOAL if rate_asked == RATE else Goal("- (beside the goal's rate)"))
