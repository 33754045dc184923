"""What every scenario gets: the workspace, the mode, the sizes, shared stores, and the A/B alternation."""

from __future__ import annotations

import gc
import pickle
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bench.data import Store, build_store
from bench.infra import Workspace, migrate, opened
from bench.stats import Run
from ledger.settings import Settings

PAIRS = 5
T = TypeVar("T")


@dataclass
class Context:
    """One harness run."""

    workspace: Workspace
    quick: bool
    pairs: int = PAIRS
    # A smoke run (the suite's test of the harness): quick sizes, one pair, no warm-up; figures mean nothing.
    smoke: bool = False
    # `--keep DIR`: the shared stores are kept there (and reused by the next run with the same DIR).
    keep: Path | None = None
    _stores: dict[tuple[str, int | None, int | None], tuple[Settings, Store]] = field(default_factory=dict)

    def size(self, full: T, quick: T, *, smoke: T | None = None) -> T:
        """`full` normally, `quick` with --quick, and `smoke` (when given) with --smoke."""
        if self.smoke and smoke is not None:
            return smoke
        return quick if self.quick else full

    def store(self, backend: str, events: int | None = None, *, workers: int | None = None) -> tuple[Settings, Store]:
        """A ledger database on `backend` holding about `events` events or `workers` workers (built once, shared)."""
        key = (backend, events, workers)
        if key not in self._stores:
            name = f"store{events}" if events is not None else f"store{workers}w"
            kept = self.keep / f"{name}-{backend}" if self.keep is not None else None
            found = _kept_store(kept) if kept is not None else None
            if found is not None:
                settings, store = found
                migrate(settings)  # the code may have moved on since
                self.progress(f"  kept: {store.events} events ({len(store.worker_ids)} workers) on {backend}, {kept}")
            else:
                if kept is not None:
                    shutil.rmtree(kept, ignore_errors=True)  # a build that did not finish: start again
                settings = self.workspace.settings(name, backend, kept_in=kept)
                started = time.perf_counter()
                with opened(settings) as ledger:
                    store = build_store(ledger, events=events, workers=workers)
                self.progress(
                    f"  loaded {store.events} events ({len(store.worker_ids)} workers) on {backend}"
                    f" in {time.perf_counter() - started:.1f} s"
                )
                if kept is not None:
                    _keep_store(kept, settings, store)
            self._stores[key] = (settings, store)
            # The harness keeps its stores' ids (a million events: half a million workers) for the
            # whole run; frozen, the collector stops walking them in every full collection, which
            # would bill the harness's heap to whatever product code the scenario times.
            gc.collect()
            gc.freeze()
        return self._stores[key]

    def progress(self, message: str) -> None:
        """A line on stderr, so that stdout stays the report."""
        print(message, file=sys.stderr, flush=True)

    def alternate(self, arms: Sequence[Callable[[], Run]], *, warmup: bool = True) -> list[list[Run]]:
        """Run the arms in turn (A B A B …) `pairs` times after one thrown-away round; the runs per arm."""
        if warmup and not self.smoke:
            for arm in arms:
                arm()
        runs: list[list[Run]] = [[] for _ in arms]
        for _ in range(self.pairs):
            for index, arm in enumerate(arms):
                runs[index].append(arm())
        return runs


def timed_each(operations: Sequence[Callable[[], object]]) -> Run:
    """Run the operations one after another, timing each and all."""
    latencies = []
    clock = time.perf_counter
    began = clock()
    for operation in operations:
        start = clock()
        operation()
        latencies.append(clock() - start)
    return Run(len(operations), clock() - began, latencies)


def timed(operation: Callable[[], int]) -> Run:
    """Run `operation` once; it answers how many items it handled."""
    began = time.perf_counter()
    count = operation()
    return Run(count, time.perf_counter() - began)


# A kept store: its settings and its ids (what the scenarios draw from), beside its data.
_SETTINGS, _STORE = "settings.json", "store.pickle"


def _kept_store(directory: Path) -> tuple[Settings, Store] | None:
    """The store kept in `directory` by an earlier run, or None (none, or its build did not finish)."""
    if not (directory / _STORE).exists():
        return None
    settings = Settings.model_validate_json((directory / _SETTINGS).read_text())
    # Our own file, written by `_keep_store` of an earlier run of this harness.
    store: Store = pickle.loads((directory / _STORE).read_bytes())
    return settings, store


def _keep_store(directory: Path, settings: Settings, store: Store) -> None:
    """Write what a later run needs to find the store again (the ids last: their file says the build finished)."""
    (directory / _SETTINGS).write_text(settings.model_dump_json())
    (directory / _STORE).write_bytes(pickle.dumps(store))
