"""B13: every report over twelve months by month, in-process, over 100 000 workers.

(`--quick`: over B4's store, about 10 000 workers.)

What `GET /reports/…?from=…&to=…&interval=month` asks of the application,
without HTTP and formatting: the report's query (`projections.reports`),
which labels rows that are locations as it makes them. The headcounts report is set
against a hand-written SQL aggregate over the same stays (the residence
view's rows believed now, one statement per backend, periods as `VALUES`),
as the issue asks; the warm-up checks that both count the same person-days.
The other reports are set against B11's baseline: the statements they sent
(captured once, before timing) sent again by the bare driver. Goal: p95 ≤ 1 s
a report, and the headcounts report at ≥ 0.3 times the hand-written aggregate.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bench.context import Context, timed_each
from bench.infra import opened
from bench.report import Goal, Row, both, ratio_at_least, row_of
from bench.scenarios.lists import record_inspections
from bench.scenarios.query import Statement, captured, occupancy_store
from bench.stats import Comparison, Run, percentile
from projections.registry import build_view_runners
from projections.reports.capacity import CapacityGroup, capacity_report
from projections.reports.flows import flows_report
from projections.reports.headcounts import headcounts_report
from projections.reports.inspections import inspections_report
from projections.reports.periods import Interval, Period, periods
from projections.reports.table import PeriodQuestion, ReportGroup, ReportTable

P95_GOAL = Goal("p95 ≤ 1 s", lambda r: (r.details["p95"] or 10) <= 1.0)
HEADCOUNTS_GOAL = both(P95_GOAL, ratio_at_least(0.30))
ASKED = 5  # reports per timed run: each a year by month

_DAY_NUMBER = {
    "postgresql": "(({}) - DATE '0001-01-01' + 1)",
    "sqlite": "CAST(julianday({}) - 1721424.5 AS INTEGER)",
}
_LEAST = {"postgresql": "LEAST", "sqlite": "MIN"}
_GREATEST = {"postgresql": "GREATEST", "sqlite": "MAX"}


def hand_written_headcounts(backend: str, year: list[tuple[date, date]]) -> str:
    """The headcounts by location and in total, per month, as a person would write them for this backend.

    Believed now: a row not superseded (`recorded_to IS NULL`); stays are
    half-open [valid_from, valid_to), an open one runs on.
    """
    day = _DAY_NUMBER[backend]
    literal = "DATE '{}'" if backend == "postgresql" else "'{}'"
    months = ", ".join(
        f"({n}, {literal.format(first)}, {literal.format(last)}, {first.toordinal()}, {last.toordinal() + 1})"
        for n, (first, last) in enumerate(year)
    )
    end = f"CASE WHEN r.valid_to IS NULL THEN {date(9999, 12, 31).toordinal()} ELSE {day.format('r.valid_to')} END"
    days = f"{_LEAST[backend]}({end}, p.next_n) - {_GREATEST[backend]}({day.format('r.valid_from')}, p.first_n)"
    counts = f"""
        COUNT(DISTINCT CASE WHEN r.valid_from <= p.first AND (r.valid_to IS NULL OR r.valid_to > p.first)
                            THEN r.worker_id END),
        COUNT(DISTINCT r.worker_id),
        SUM({days})
        FROM periods p JOIN residence_history r
          ON r.valid_from <= p.last AND (r.valid_to IS NULL OR r.valid_to > p.first)
        WHERE r.recorded_to IS NULL"""
    return f"""
        WITH periods(idx, first, last, first_n, next_n) AS (VALUES {months})
        SELECT p.idx, r.housing_location_id, {counts} GROUP BY p.idx, r.housing_location_id
        UNION ALL
        SELECT p.idx, NULL, {counts} GROUP BY p.idx"""


def reports(ctx: Context, backend: str) -> list[Row]:
    settings, store = occupancy_store(ctx, backend)
    with opened(settings) as ledger:
        record_inspections(ledger, store, random.Random(13), ctx.size(300, 100, smoke=10))
        for runner in build_view_runners(ledger):
            runner.catch_up()
        engine = ledger.database.engine
        engines = tuple(dict.fromkeys((engine, ledger.database.key_engine)))
        today, now = ledger.today(), datetime.now(UTC)
        year = periods(today.replace(year=today.year - 1, day=1), today, Interval.MONTH)[-12:]
        zone, norms = ZoneInfo(ledger.settings.timezone), ledger.settings.floor_area_norms_m2

        def asked(group_by: ReportGroup | None) -> PeriodQuestion:
            return PeriodQuestion(year, group_by, now)

        subjects: dict[str, tuple[str, Callable[[], ReportTable]]] = {
            "headcounts": (
                "headcounts by location, labelled",
                lambda: headcounts_report(engine, asked(ReportGroup.HOUSING_LOCATION)),
            ),
            "head-kind": ("headcounts by kind", lambda: headcounts_report(engine, asked(ReportGroup.KIND))),
            "flows": (
                "flows by location, labelled",
                lambda: flows_report(engine, asked(ReportGroup.HOUSING_LOCATION), zone),
            ),
            "capacity": (
                "capacity on today by postcode area",
                lambda: capacity_report(
                    engine, on=today, as_known_at=now, norms=norms, group_by=CapacityGroup.POSTCODE_AREA
                ),
            ),
            "inspections": ("inspections by month", lambda: inspections_report(engine, year, now)),
        }
        rows = []
        for label, (what, report) in subjects.items():
            if label == "headcounts":
                rows.append(_against_hand_sql(ctx, backend, engine, report, year, len(store.worker_ids)))
                continue
            with captured(*engines) as statements:
                table = report()
            rows.append(_against_driver(ctx, backend, (label, what), report, statements, engines, table))
    return rows


def _p95(runs: list[Run]) -> str:
    latencies = [latency for run in runs for latency in run.latencies]
    return f"{percentile(latencies, 95) * 1e3:.0f} ms"


def _person_days(table: ReportTable) -> int:
    return sum(int(row.measures["personDays"] or 0) for row in table.totals)


def _against_hand_sql(
    ctx: Context, backend: str, engine: Engine, report: Callable[[], ReportTable], year: list[Period], workers: int
) -> Row:
    sql = hand_written_headcounts(backend, [(p.start, p.end) for p in year])
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()

        def by_hand() -> int:
            cursor.execute(sql)
            found = cursor.fetchall()
            raw.rollback()
            return sum(int(days or 0) for _, group, _, _, days in found if group is None)

        expected = _person_days(report())
        if by_hand() != expected:
            raise RuntimeError(f"the hand-written aggregate counts {by_hand()} person-days, the report {expected}")
        subject, baseline = ctx.alternate([lambda: timed_each([report] * ASKED), lambda: timed_each([by_hand] * ASKED)])
    finally:
        raw.close()
    return row_of(
        Comparison(subject, baseline),
        scenario="B13 headcounts",
        backend=backend,
        n=ASKED,
        unit="reports/s",
        baseline="a hand-written SQL aggregate of the same stays (by location and in total), bare driver",
        goal=HEADCOUNTS_GOAL,
        note=f"12 months by month, grouped by location and labelled; {expected:,} person-days; {workers} workers;"
        f" p95 {_p95(subject)}",
    )


def _against_driver(
    ctx: Context,
    backend: str,
    named: tuple[str, str],
    report: Callable[[], ReportTable],
    statements: list[Statement],
    engines: tuple[Engine, ...],
    table: ReportTable,
) -> Row:
    raws = [e.raw_connection() for e in engines]
    try:
        cursors = [raw.cursor() for raw in raws]

        def send() -> None:
            for index, sql, parameters in statements:
                cursors[index].execute(sql, parameters)
                if cursors[index].description is not None:  # a `SET` (the reports' JIT switch) has no rows
                    cursors[index].fetchall()
            for raw in raws:
                raw.rollback()

        subject, baseline = ctx.alternate(
            [lambda: timed_each([report] * ASKED), lambda: timed_each([partial(send)] * ASKED)]
        )
    finally:
        for raw in raws:
            raw.close()
    label, what = named
    return row_of(
        Comparison(subject, baseline),
        scenario=f"B13 {label}",
        backend=backend,
        n=ASKED,
        unit="reports/s",
        baseline=f"the same statements ({len(statements)}), sent by the bare driver, rows fetched",
        goal=P95_GOAL,
        note=f"{what}: {len(table.rows)} rows, {len(table.totals)} totals; p95 {_p95(subject)}",
    )
