"""B11: the occupancy query in-process, over 100 000 workers, beside the same SQL sent by the bare driver.

(`--quick`: over B4's store of 20 000 events, about 10 000 workers.)

What `GET /housing-locations/{id}/occupancy` asks of the application, without
HTTP: `projections.occupancy.occupancy` (the location's limits and stays as
believed now, folded into the headcount on today) and the occupants' names
from the register (one batched key lookup, names opened). The baseline sends
exactly the statements and parameters the query sent for the same locations
(captured once, before timing) on the DBAPI cursor of the same database, and
fetches the rows: the database's share of the query, with no SQLAlchemy, no
folding and no keys.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, event

from bench.context import Context, timed_each
from bench.data import Store
from bench.infra import opened
from bench.report import Goal, Row, row_of
from bench.stats import Comparison
from ledger.settings import Settings
from projections.occupancy import occupancy
from projections.register import RegisterView
from projections.registry import build_view_runners

P99_GOAL = Goal("p99 < 10 ms", lambda r: (r.p99 or 1) < 0.010)

Statement = tuple[int, str, Any]  # which engine, SQL, parameters


@contextmanager
def captured(*engines: Engine) -> Iterator[list[Statement]]:
    """The statements these engines send to their drivers inside the block, in order."""
    sent: list[Statement] = []
    listeners = []
    for index, engine in enumerate(engines):

        def keep(_c: Any, _cur: Any, sql: str, parameters: Any, _ctx: Any, _many: bool, index: int = index) -> None:
            sent.append((index, sql, parameters))

        event.listen(engine, "before_cursor_execute", keep)
        listeners.append((engine, keep))
    try:
        yield sent
    finally:
        for engine, keep in listeners:
            event.remove(engine, "before_cursor_execute", keep)


def occupancy_store(ctx: Context, backend: str) -> tuple[Settings, Store]:
    """The store occupancy is asked over (B11, B6): 100 000 workers; quick, B4's (about 10 000, views built)."""
    size: dict[str, int] = ctx.size({"workers": 100_000}, {"events": 20_000}, smoke={"events": 150})
    return ctx.store(backend, **size)


def query(ctx: Context, backend: str) -> list[Row]:
    settings, store = occupancy_store(ctx, backend)
    with opened(settings) as ledger:
        for runner in build_view_runners(ledger):
            runner.catch_up()
        engine = ledger.database.engine
        # The keys may live in a database of their own (they do by default).
        engines = tuple(dict.fromkeys((engine, ledger.database.key_engine)))
        register = RegisterView(engine, ledger.keys)
        today, now = ledger.today(), datetime.now(UTC)
        norms = ledger.settings.floor_area_norms_m2
        rng = random.Random(11)
        locations = [rng.choice(store.places.location_ids) for _ in range(ctx.size(500, 100, smoke=20))]

        def ask(location: UUID) -> int:
            found = occupancy(engine, location, on=today, as_known_at=now, norms=norms)
            if found is None:
                raise RuntimeError(f"location {location} is not registered as of {now}")
            register.names(stay.worker_id for stay in found.occupants)
            return found.headcount

        headcounts, statements = [], []
        for location in locations:
            with captured(*engines) as sent:
                headcounts.append(ask(location))
            statements.append(sent)
        raws = [e.raw_connection() for e in engines]
        try:
            cursors = [raw.cursor() for raw in raws]

            def send(sent: list[Statement]) -> None:
                for index, sql, parameters in sent:
                    cursor = cursors[index]
                    cursor.execute(sql, parameters)
                    cursor.fetchall()

            asked, sql = ctx.alternate(
                [
                    lambda: timed_each([partial(ask, location) for location in locations]),
                    lambda: timed_each([partial(send, sent) for sent in statements]),
                ]
            )
        finally:
            for raw in raws:
                raw.close()
    per_query = sum(map(len, statements)) / len(statements)
    return [
        row_of(
            Comparison(asked, sql),
            scenario="B11",
            backend=backend,
            n=len(locations),
            unit="queries/s",
            baseline=f"the same statements ({per_query:.0f} a query), sent by the bare driver, rows fetched",
            goal=P99_GOAL,
            note=f"occupancy (limits, stays, fold) + the occupants' names (one key lookup);"
            f" {len(store.worker_ids)} workers, {len(store.places.location_ids)} locations,"
            f" {sum(headcounts) / len(headcounts):.1f} living at a location today on average",
        )
    ]
