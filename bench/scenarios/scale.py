"""S: does the ledger slow down as the store fills? B1, B4 and B6 on a big store beside an empty one.

Two PostgreSQL ledgers side by side: one already holding `big` events
(`BIG_FULL` in full mode, loaded through the product's batched save, views built), one
empty but for the places the scenario needs. Each round runs the same work on
both, in turn:

* **S B1** — `n` single registrations (`Ledger.register_worker`);
* **S B4** — `n` fresh registrations appended in one batch (set-up, not
  timed), then every view catches up over them: the per-event cost of the
  projections beside indexes and tables that already hold the big store's
  rows (a rebuild of all of them would measure the size, not the slowdown);
* **S B6** — `ledger serve` on each store, a closed loop of occupancy
  requests (B6 max) for locations drawn from all of the store's locations.

The ratio is big / empty; the goal is ≥ 0.80x. In --quick mode the big store
holds 5 000 events (a smoke run: 1 000), which shows the shape, not the scale.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial

from api.auth import DevelopmentTokens, Role
from bench.context import Context, timed_each
from bench.data import Inputs, Places, register_places
from bench.infra import Process, child_environment, free_port, ledger_command, opened
from bench.loadgen import Load
from bench.report import Row, ratio_at_least, row_of
from bench.scenarios.http import Requests
from bench.stats import Comparison, Run
from ledger.application.service import Ledger
from ledger.settings import Settings
from projections.registry import build_view_runners

GOAL = ratio_at_least(0.80)
# The issue's big store: a million events (B9 verifies the same store on PostgreSQL).
BIG_FULL = 1_000_000
CLIENTS = 8


class Side:
    """One of the two stores: its settings, the places its registrations use, a source of inputs."""

    def __init__(self, name: str, settings: Settings, places: Places, seed: int) -> None:
        self.name = name
        self.settings = settings
        self.places = places
        self.seed = seed
        self.rounds = 0

    def register(self, ledger: Ledger, n: int) -> Run:
        inputs = Inputs(self.seed + self.rounds, ledger.today())
        self.rounds += 1
        registrations = [inputs.registration(self.places) for _ in range(n)]
        return timed_each([partial(ledger.register_worker, **r) for r in registrations])

    def catch_up(self, ledger: Ledger, n: int) -> Run:
        inputs = Inputs(self.seed + self.rounds, ledger.today())
        self.rounds += 1
        ledger.save(*(inputs.worker(self.places) for _ in range(n)))
        runners = build_view_runners(ledger)
        began = time.perf_counter()
        processed = sum(runner.catch_up() for runner in runners) // len(runners)
        return Run(processed, time.perf_counter() - began)


def scale(ctx: Context) -> list[Row]:
    """S B1, S B4 and S B6 on PostgreSQL: big store vs empty store."""
    big_events = ctx.size(BIG_FULL, 5_000) if not ctx.smoke else 1_000
    n = ctx.size(300, 30)
    catch_up_events = ctx.size(2_000, 150)
    big_settings, store = ctx.store("postgresql", big_events)
    empty_settings = ctx.workspace.settings("scale-empty", "postgresql")
    started = time.perf_counter()
    with opened(big_settings) as ledger:
        for runner in build_view_runners(ledger):
            runner.catch_up()
        today = ledger.today()
    ctx.progress(f"  views of {store.events} events built in {time.perf_counter() - started:.1f} s")
    # As many workers a location on the empty store as on the big one (about six) by the end:
    # every round registers n + catch_up_events workers on each side. Crowded locations would
    # make the empty store's occupancy answers the bigger ones (names opened per occupant).
    rounds = ctx.pairs + (0 if ctx.smoke else 1)
    locations = max(50, rounds * (n + catch_up_events) // 6)
    with opened(empty_settings) as ledger:
        empty_places = register_places(ledger, Inputs(3, today), locations=locations)
        for runner in build_view_runners(ledger):
            runner.catch_up()
    big = Side("big", big_settings, store.places, seed=11)
    empty = Side("empty", empty_settings, empty_places, seed=11)

    with opened(big.settings) as big_ledger, opened(empty.settings) as empty_ledger:
        registrations = ctx.alternate([lambda: big.register(big_ledger, n), lambda: empty.register(empty_ledger, n)])
        catch_ups = ctx.alternate(
            [
                lambda: big.catch_up(big_ledger, catch_up_events),
                lambda: empty.catch_up(empty_ledger, catch_up_events),
            ]
        )
    *served, failed = _serve_both(ctx, big, empty, today)
    note = f"big store {store.events:,} events beside an empty one, PostgreSQL"
    return [
        row_of(
            Comparison(*registrations),
            scenario="S B1",
            backend="postgresql",
            n=n,
            unit="workers/s",
            baseline="B1 on an empty store, same run",
            goal=GOAL,
            note=note,
        ),
        row_of(
            Comparison(*catch_ups),
            scenario="S B4",
            backend="postgresql",
            n=catch_up_events,
            unit="events/s",
            baseline="every view catching up over the same number of new events on an empty store",
            goal=GOAL,
            note=f"{note}; views caught up over the new events, not rebuilt",
        ),
        row_of(
            Comparison(*served),
            scenario="S B6",
            backend="postgresql",
            n=CLIENTS,
            unit="req/s",
            baseline="B6 max (occupancy, closed loop) on an empty store",
            goal=GOAL,
            note=f"{note}; {CLIENTS} clients{failed}",
        ),
    ]


def _serve_both(ctx: Context, big: Side, empty: Side, today: date) -> tuple[list[Run], list[Run], str]:
    """Occupancy at its maximum on each store, alternating; the runs of each and the note on what failed."""
    duration = ctx.size(2.0, 0.4, smoke=0.2)
    load = Load()
    servers: list[Process] = []
    try:
        arms: list[Callable[[], Run]] = []
        ports = {side.name: free_port() for side in (big, empty)}
        # Both servers start at once: each spends seconds importing before it listens.
        for side in (big, empty):
            servers.append(
                Process(
                    ledger_command("--log-level", "WARNING", "serve", "--port", str(ports[side.name])),
                    child_environment(side.settings),
                    ctx.workspace.log_path(f"scale-serve-{side.name}"),
                )
            )
        for side, server in zip((big, empty), servers, strict=True):
            port = ports[side.name]
            server.wait_ready(f"http://127.0.0.1:{port}/healthz")
            token = DevelopmentTokens(side.settings).issue(role=Role.REGISTRAR, sub="bench", ttl_s=3600)
            requests = Requests(f"http://127.0.0.1:{port}", "", token, side.places, today, datetime.now(UTC))
            arms.append(partial(load.closed_loop, requests.occupancy, clients=CLIENTS, duration=duration))
        big_runs, empty_runs = ctx.alternate(arms)
    finally:
        load.close()
        for server in servers:
            server.stop()
    return big_runs, empty_runs, load.failures_note()
