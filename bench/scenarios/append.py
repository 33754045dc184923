"""B1, B1s and B7: one client registering workers, one command per transaction.

Each round registers `n` workers three ways, in turn: through the ledger
(`Ledger.register_worker`: two loads to check the references, the domain's
checks, sealing — which creates the worker's data key in a transaction of its
own — and the locked insert with its audit link); as raw SQL inserting the
very rows the ledger just stored (B1/B1s baseline); and through a ledger whose
mapper is the library's plain `Mapper` (B7 baseline: no sealing, so no data
key either). B7µ times seal + open of one event in memory, keys at hand.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from uuid import UUID, uuid4

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, Notification

from bench.context import Context, timed_each
from bench.data import FixedKeys, Inputs, register_places
from bench.infra import opened
from bench.raw import RawEvents, rows_of
from bench.report import Goal, Row, ratio_at_least, row_of
from bench.stats import Comparison, Run, median
from ledger.application.service import Ledger
from ledger.crypto.sealing import SealingMapper, sealed_fields_of
from ledger.settings import APPLICATION_NAME

B1_GOALS = {
    "postgresql": ("B1", ratio_at_least(0.50, also=" (target 0.70)")),
    "sqlite": ("B1s", ratio_at_least(0.33)),
}
SEAL_OPEN_GOAL_US = 20.0


class PlainLedger(Ledger):
    """The ledger with the library's plain `Mapper`: nothing sealed, no data keys (B7's baseline)."""

    name = APPLICATION_NAME  # the library names an application after its class: same tables as the ledger

    def construct_mapper(self) -> Mapper:  # type: ignore[type-arg]
        return Mapper(transcoder=self.construct_transcoder())

    def _subjects_to_seal(self, events: Sequence[DomainEventProtocol[UUID]]) -> set[UUID]:
        # Nothing is sealed, so no save needs a data key: the events go the library's own way.
        return set()


def append(ctx: Context, backend: str) -> list[Row]:
    """B1 (or B1s) and B7 on one backend."""
    n = ctx.size(300, 30)
    settings = ctx.workspace.settings("append", backend)
    with opened(settings) as ledger, opened(settings, PlainLedger) as plain:
        raw = RawEvents(settings)
        inputs = Inputs(1, ledger.today())
        places = register_places(ledger, inputs, locations=50)
        stored: list[Notification] = []

        def through(app: Ledger, keep: bool) -> Run:
            before = ledger.recorder.max_notification_id() or 0
            registrations = [inputs.registration(places) for _ in range(n)]
            run = timed_each([partial(app.register_worker, **r) for r in registrations])
            if keep:
                stored[:] = ledger.recorder.select_notifications(start=before + 1, limit=n)
            return run

        def raw_run() -> Run:
            return timed_each([partial(raw.append, [row]) for row in rows_of(stored)])

        sealed, baseline, unsealed = ctx.alternate(
            [lambda: through(ledger, True), raw_run, lambda: through(plain, False)]
        )
        raw.close()
    scenario, goal = B1_GOALS[backend]
    return [
        row_of(
            Comparison(sealed, baseline),
            scenario=scenario,
            backend=backend,
            n=n,
            unit="workers/s",
            baseline="raw locked insert + audit link of the same rows, one commit each",
            goal=goal,
            note="ledger: 2 loads, checks, key created (own commit), sealed insert + link",
        ),
        row_of(
            Comparison(sealed, unsealed),
            scenario="B7",
            backend=backend,
            n=n,
            unit="workers/s",
            baseline="the same ledger with the library's plain Mapper (no sealing, no data key)",
            goal=ratio_at_least(0.95),
        ),
    ]


def seal_open(ctx: Context) -> list[Row]:
    """B7µ: seal + open of one Worker.Registered in memory, sealing mapper vs plain mapper."""
    n = ctx.size(10_000, 1_000)
    settings = ctx.workspace.settings("micro", "sqlite")
    with opened(settings) as ledger:
        inputs = Inputs(2, ledger.today())
        places = register_places(ledger, inputs, locations=4, employers=1)
        events = [inputs.worker(places).collect_events()[0] for _ in range(n)]
        fields = sum(getattr(events[0], f) is not None for f in sealed_fields_of(type(events[0])))
        keys = FixedKeys({event.originator_id: uuid4().bytes + uuid4().bytes for event in events})
        sealing = SealingMapper(transcoder=ledger.mapper.transcoder, keys=keys)
        plain: Mapper = Mapper(transcoder=ledger.mapper.transcoder)  # type: ignore[type-arg]

        def round_trips(mapper: Mapper) -> Run:  # type: ignore[type-arg]
            clock = time.perf_counter
            latencies = []
            began = clock()
            for event in events:
                start = clock()
                mapper.to_domain_event(mapper.to_stored_event(event))
                latencies.append(clock() - start)
            return Run(n, clock() - began, latencies)

        sealed, baseline = ctx.alternate([lambda: round_trips(sealing), lambda: round_trips(plain)])
    comparison = Comparison(sealed, baseline)
    extra_us = median([(1 / s.rate - 1 / b.rate) * 1e6 for s, b in zip(sealed, baseline, strict=True)])
    goal = Goal(f"seal+open ≤ {SEAL_OPEN_GOAL_US:.0f} µs/event extra", lambda _row: extra_us <= SEAL_OPEN_GOAL_US)
    row = row_of(
        comparison,
        scenario="B7µ",
        backend="memory",
        n=n,
        unit="events/s",
        baseline="plain Mapper round trip (to_stored_event + to_domain_event)",
        goal=goal,
        latency_unit="µs",
        note=f"sealing adds {extra_us:.1f} µs per event ({fields} fields sealed, key at hand: no key lookup)",
    )
    row.details["extra_us_per_event"] = extra_us
    return [row]
