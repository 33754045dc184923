"""`python -m bench [SCENARIO…] [--quick] [--json FILE]`: run the scenarios, print a line each.

Scenarios run in a fixed order (B6 after B4, whose filled store and built
views it reuses); the environment block comes first. Progress goes to
stderr, the report to stdout.
"""

from __future__ import annotations

import argparse
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import environment
from bench.context import Context
from bench.infra import Workspace
from bench.report import HEADER, Row, render, write_json
from bench.scenarios.append import append, seal_open
from bench.scenarios.audit import audit
from bench.scenarios.bulk import bulk
from bench.scenarios.concurrent import concurrent
from bench.scenarios.follow import follow
from bench.scenarios.http import http
from bench.scenarios.keys import rotation
from bench.scenarios.lists import lists
from bench.scenarios.pages import pages
from bench.scenarios.query import query
from bench.scenarios.rebuild import rebuild
from bench.scenarios.reports import reports
from bench.scenarios.scale import scale
from bench.scenarios.shred import shred
from ledger.logs import configure_logging

Scenario = Callable[[Context], list[Row]]


def _both(run: Callable[[Context, str], list[Row]]) -> Scenario:
    return lambda ctx: run(ctx, "postgresql") + run(ctx, "sqlite")


SCENARIOS: dict[str, tuple[str, Scenario]] = {
    "B1": ("append, PostgreSQL (with B7 on PostgreSQL)", lambda ctx: append(ctx, "postgresql")),
    "B1s": ("append, SQLite (with B7 on SQLite)", lambda ctx: append(ctx, "sqlite")),
    "B7": ("seal + open of one event, in memory", seal_open),
    "B4": ("projection rebuild", _both(rebuild)),
    "B11": ("occupancy query in-process", _both(query)),
    "B12": ("the read side's filtered lists in-process", _both(lists)),
    "B13": ("every report over twelve months by month, in-process", _both(reports)),
    "B14": ("each staff page's server time, in-process", _both(pages)),
    "B9": ("audit chain verification", _both(audit)),
    "B8": ("shredding due subjects", _both(shred)),
    "B10": ("key rotation over the live data keys", _both(rotation)),
    "B3": ("bulk registration in batches", _both(bulk)),
    "B2": ("concurrent writer processes", concurrent),
    "B6": ("HTTP at fixed arrival rates", http),
    "B5": ("follow lag", follow),
    "S": ("scale: B1, B4 and B6 on a big store beside an empty one", scale),
}


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="westland-ledger benchmarks")
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help=f"which to run (default all): {', '.join(SCENARIOS)}"
    )
    parser.add_argument("--quick", action="store_true", help="small N, short runs: under two minutes")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="quick sizes, one pair, no warm-up: checks that every scenario runs (the figures mean nothing)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the rows and environment as JSON")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the big shared stores in DIR and reuse them in later runs with the same DIR"
        " (building 100 000 workers takes minutes; a kept store grows by what scenarios write into it)",
    )
    args = parser.parse_args(argv)
    known = {name.lower(): name for name in SCENARIOS}
    unknown = [s for s in args.scenarios if s.lower() not in known]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    chosen = {known[s.lower()] for s in args.scenarios} or set(SCENARIOS)
    args.chosen = [name for name in SCENARIOS if name in chosen]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    configure_logging("WARNING")
    started = time.perf_counter()
    workspace = Workspace()
    rows: list[Row] = []
    errors: dict[str, str] = {}
    env: dict[str, Any] = {}
    try:
        env = environment.collect(workspace)
        print(environment.render(env), flush=True)
        ctx = Context(workspace, quick=args.quick or args.smoke, smoke=args.smoke, keep=args.keep)
        if args.smoke:
            ctx.pairs = 1
            mode = f"smoke; {len(args.chosen)} scenario(s); 1 pair each, no warm-up: the figures mean nothing"
        else:
            mode = (
                f"{'quick' if args.quick else 'full'}; {len(args.chosen)} scenario(s); {ctx.pairs} pairs each"
                " after a thrown-away warm-up round"
            )
        print(f"mode:        {mode}\n", flush=True)
        print(HEADER, flush=True)
        for name in args.chosen:
            title, scenario = SCENARIOS[name]
            ctx.progress(f"{name}: {title} …")
            began = time.perf_counter()
            try:
                for row in scenario(ctx):
                    rows.append(row)
                    print(render(row), flush=True)
            except Exception as error:
                # A scenario that breaks is reported and the others still run; the exit status says so.
                traceback.print_exc()
                errors[name] = f"{type(error).__name__}: {error}"
                print(f"{name:<17} ERROR      {errors[name]}", flush=True)
            ctx.progress(f"{name}: {time.perf_counter() - began:.0f} s")
    finally:
        workspace.close()
    elapsed = time.perf_counter() - started
    warned = sum(row.verdict == "WARN" for row in rows)
    print(
        f"\n{len(rows)} rows in {elapsed:.0f} s; {warned} WARN (a goal missed; never a failure);"
        f" {len(errors)} scenario(s) could not run"
    )
    if args.json:
        write_json(args.json, rows, env, quick=args.quick or args.smoke, seconds=elapsed, errors=errors)
    return 1 if errors else 0
