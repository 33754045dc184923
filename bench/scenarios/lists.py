"""B12: the read side's filtered lists in-process, over 100 000 workers, beside the same SQL sent by the bare driver.

(`--quick`: over B4's store, about 10 000 workers.)

What `GET /employers?name=…`, `GET /housing-locations?postcode=…&houseNumber=…`,
`…?city=…`, `…?overCapacity=true` and `GET /inspections?housingLocationId=…`
ask of the application, without HTTP: the query layer's functions with the
page size the API uses by default. The baseline is B11's: the statements and
parameters each call sent (captured once, before timing) sent again on the
DBAPI cursor of the same database and fetched — the database's share of the
list, with no SQLAlchemy and no shaping. The goal is the issue's: p99 ≤ 20 ms
a list.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import Engine

from bench.context import Context, timed_each
from bench.data import Store
from bench.infra import opened
from bench.report import Goal, Row, row_of
from bench.scenarios.query import Statement, captured, occupancy_store
from bench.stats import Comparison
from ledger.application.service import Ledger
from ledger.domain.housing_location import HousingLocation
from ledger.domain.values import Finding, Outcome
from projections.employer_queries import employers
from projections.inspection_queries import InspectionFilter, list_inspections
from projections.location_queries import Asked, LocationFilter, locations
from projections.registry import build_view_runners

P99_GOAL = Goal("p99 ≤ 20 ms", lambda r: (r.p99 or 1) <= 0.020)
PAGE = 50  # the API's default page size


def record_inspections(ledger: Ledger, store: Store, rng: random.Random, count: int) -> None:
    """Inspections at drawn locations, so that the inspections list has something to page through."""
    today = ledger.today()
    for _ in range(count):
        violations = rng.random() < 0.4
        ledger.record_inspection(
            housing_location_id=rng.choice(store.places.location_ids),
            inspected_on=today - timedelta(days=rng.randrange(700)),
            occupants_found=rng.randrange(12),
            findings=[Finding.OVERCROWDING.value] if violations else [],
            outcome=(Outcome.VIOLATIONS if violations else Outcome.COMPLIANT).value,
        )


def lists(ctx: Context, backend: str) -> list[Row]:
    settings, store = occupancy_store(ctx, backend)
    rng = random.Random(12)
    with opened(settings) as ledger:
        record_inspections(ledger, store, rng, ctx.size(300, 100, smoke=10))
        for runner in build_view_runners(ledger):
            runner.catch_up()
        engine, keys = ledger.database.engine, ledger.keys
        engines = tuple(dict.fromkeys((engine, ledger.database.key_engine)))
        today, now = ledger.today(), datetime.now(UTC)
        asked = Asked(on=today, as_known_at=now, settings=ledger.settings)
        # The bench's addresses follow from the location's index (bench.data.Inputs.location).
        addresses = [
            ledger.get(HousingLocation, location_id)
            for location_id in store.places.location_ids[:: max(1, len(store.places.location_ids) // 200)]
        ]
        picks = ctx.size(200, 50, smoke=5)

        def by_address() -> Callable[[], int]:
            address = rng.choice(addresses).address
            found = LocationFilter(
                postcode=address.postcode.lower().replace(" ", ""), house_number=address.house_number
            )
            return lambda: len(locations(engine, asked, found, limit=PAGE))

        def by_city() -> Callable[[], int]:
            city = rng.choice(addresses).address.city
            return lambda: len(locations(engine, asked, LocationFilter(city=city[1:5].lower()), limit=PAGE))

        def over_capacity() -> Callable[[], int]:
            return lambda: len(locations(engine, asked, LocationFilter(over_capacity=True), limit=PAGE))

        def by_name() -> Callable[[], int]:
            name = f"bureau {rng.randrange(len(store.places.employer_ids))}"
            return lambda: len(employers(engine, on=today, as_known_at=now, name=name, limit=PAGE))

        def inspections_at() -> Callable[[], int]:
            where = InspectionFilter(housing_location_id=rng.choice(store.places.location_ids))
            return lambda: len(list_inspections(engine, keys, where, as_known_at=now, limit=PAGE))

        kinds: dict[str, tuple[str, Callable[[], Callable[[], int]]]] = {
            "loc-address": ("locations by postcode and house number", by_address),
            "loc-city": ("locations by a part of the city's name", by_city),
            "loc-over": ("locations over capacity", over_capacity),
            "employers": ("employers by a part of the name", by_name),
            "inspections": ("inspections at a location", inspections_at),
        }
        rows = []
        for label, (what, draw) in kinds.items():
            calls = [draw() for _ in range(picks)]
            statements: list[list[Statement]] = []
            found = []
            for call in calls:
                with captured(*engines) as sent:
                    found.append(call())
                statements.append(sent)
            rows.append(_compare(ctx, backend, (label, what), calls, statements, engines, found, len(store.worker_ids)))
    return rows


def _compare(
    ctx: Context,
    backend: str,
    named: tuple[str, str],
    calls: list[Callable[[], int]],
    statements: list[list[Statement]],
    engines: tuple[Engine, ...],
    found: list[int],
    workers: int,
) -> Row:
    raws = [e.raw_connection() for e in engines]
    try:
        cursors = [raw.cursor() for raw in raws]

        def send(sent: list[Statement]) -> None:
            for index, sql, parameters in sent:
                cursor = cursors[index]
                cursor.execute(sql, parameters)
                cursor.fetchall()

        asked, sql = ctx.alternate(
            [lambda: timed_each(list(calls)), lambda: timed_each([partial(send, sent) for sent in statements])]
        )
    finally:
        for raw in raws:
            raw.close()
    label, what = named
    per_call = sum(map(len, statements)) / len(statements)
    return row_of(
        Comparison(asked, sql),
        scenario=f"B12 {label}",
        backend=backend,
        n=len(calls),
        unit="lists/s",
        baseline=f"the same statements ({per_call:.1f} a list), sent by the bare driver, rows fetched",
        goal=P99_GOAL,
        note=f"{what}, pages of {PAGE}: {sum(found) / len(found):.1f} found on average; {workers} workers",
    )
