"""B2: concurrent appends from 1, 2, 4 and 8 writer processes on PostgreSQL.

The writer processes start once (spawned: nothing inherited from this
process's connections) and wait for orders. A run tells the first `w` of them
to append for a fixed time from a common start instant — through the ledger
(`register_worker`), or as the raw locked shape (`bench.raw.RawEvents`) with a
sealed row of the same size under a fresh id — and the rate is every writer's
operations over the run's span. Rounds go ledger(1) raw(1) ledger(2) raw(2)
… ledger(8) raw(8), so `ledger(4) / ledger(1)` is a pair ratio too.
`--quick` stops at four writers, a smoke run (`--smoke`) at two.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from contextlib import ExitStack
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Lock
from uuid import uuid4

from bench.context import Context
from bench.data import FixedKeys, Inputs, Places, register_places
from bench.infra import opened
from bench.raw import RawEvents
from bench.report import Row, ratio_at_least, row_of
from bench.stats import Comparison, Run
from ledger.crypto.sealing import SealingMapper
from ledger.logs import configure_logging
from ledger.settings import Settings
from ledger.system import open_ledger

WRITERS: tuple[int, ...] = (1, 2, 4, 8)
# The scaling check: the ledger with 4 writers against the ledger with 1.
SCALE_WRITERS = 4


def _writer(pipe: Connection, opening: Lock, settings: Settings, places: Places, seed: int) -> None:
    """A writer process: append as told until told None (or until the harness is gone)."""
    configure_logging("WARNING")
    # One process opens a ledger at a time: the library's start-up (CREATE_TABLE) replaces its insert
    # function, and two processes doing that at once fail with "tuple concurrently updated".
    with ExitStack() as stack:
        with opening:
            ledger = stack.enter_context(open_ledger(settings))
        raw = RawEvents(settings)
        inputs = Inputs(seed, ledger.today())
        event = inputs.worker(places).collect_events()[0]
        mapper = SealingMapper(transcoder=ledger.mapper.transcoder, keys=FixedKeys({event.originator_id: bytes(32)}))
        template = mapper.to_stored_event(event)
        pipe.send("ready")
        while (order := _receive(pipe)) is not None:
            kind, start_at, duration = order
            time.sleep(max(start_at - time.monotonic(), 0))
            latencies = []
            end = start_at + duration
            while (began := time.monotonic()) < end:
                if kind == "ledger":
                    ledger.register_worker(**inputs.registration(places))
                else:
                    raw.append([(uuid4(), 1, template.topic, template.state)])
                latencies.append(time.monotonic() - began)
            pipe.send((len(latencies), time.monotonic(), latencies))
        raw.close()


def _receive(pipe: Connection) -> tuple[str, float, float] | None:
    try:
        order: tuple[str, float, float] | None = pipe.recv()
    except (EOFError, ConnectionError):
        return None
    return order


class Writers:
    """The pool of writer processes."""

    def __init__(self, settings: Settings, places: Places, count: int) -> None:
        spawn = multiprocessing.get_context("spawn")
        opening = spawn.Lock()
        self.pipes: list[Connection] = []
        self.processes: list[BaseProcess] = []
        for index in range(count):
            ours, theirs = spawn.Pipe()
            process = spawn.Process(target=_writer, args=(theirs, opening, settings, places, 100 + index), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)
        try:
            for pipe in self.pipes:
                if pipe.recv() != "ready":
                    raise RuntimeError("a writer process did not start")
        except (EOFError, ConnectionError):
            self.terminate()
            raise RuntimeError("a writer process died while starting (its traceback is above)") from None

    def run(self, kind: str, writers: int, duration: float) -> Run:
        start_at = time.monotonic() + 0.05
        for pipe in self.pipes[:writers]:
            pipe.send((kind, start_at, duration))
        results = [pipe.recv() for pipe in self.pipes[:writers]]
        return Run(
            sum(r[0] for r in results),
            max(r[1] for r in results) - start_at,
            [latency for r in results for latency in r[2]],
        )

    def close(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(None)
            except (OSError, EOFError):
                continue
        for process in self.processes:
            process.join(timeout=30)

    def terminate(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join(timeout=10)


def concurrent(ctx: Context) -> list[Row]:
    duration = ctx.size(2.0, 0.2)
    # A smoke run starts two writer processes, not four: each costs seconds of start-up, and two still race.
    counts = ctx.size(WRITERS, WRITERS[:3], smoke=WRITERS[:2])
    settings = ctx.workspace.settings("concurrent", "postgresql")
    with opened(settings) as ledger:
        places = register_places(ledger, Inputs(4, ledger.today()), locations=50)
    RawEvents(settings).close()  # creates the raw tables before the writers race to
    writers = Writers(settings, places, max(counts))
    try:
        arms = []
        for count in counts:
            arms += [
                lambda c=count: writers.run("ledger", c, duration),
                lambda c=count: writers.run("raw", c, duration),
            ]
        runs = ctx.alternate(arms)
    finally:
        writers.close()
    rows = []
    for index, count in enumerate(counts):
        rows.append(
            row_of(
                Comparison(runs[2 * index], runs[2 * index + 1]),
                scenario=f"B2 w={count}",
                backend="postgresql",
                n=count,
                unit="workers/s",
                baseline=f"raw locked insert + link from {count} process(es), {duration:g} s each run",
                goal=ratio_at_least(0.60),
                note=f"N = writer processes; {duration:g} s a run",
            )
        )
    scaled = SCALE_WRITERS if SCALE_WRITERS in counts else max(counts)
    rows.append(
        row_of(
            Comparison(runs[2 * counts.index(scaled)], runs[0]),
            scenario="B2 scale",
            backend="postgresql",
            n=scaled,
            unit="workers/s",
            baseline="the ledger with 1 writer process, same round",
            goal=ratio_at_least(1.0),
            note=f"ledger({scaled}) / ledger(1); this machine has {os.cpu_count()} cores",
        )
    )
    return rows
