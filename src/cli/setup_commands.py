"""The subcommands that set a ledger up: `migrate` (the schema, and the event store's tables) and `demo`."""

from __future__ import annotations

import argparse
import sys

from cli.console import Subcommands, progress_bar, tell, whole_number
from ledger.errors import DuplicatePerson
from ledger.persistence.migrations import upgrade
from ledger.settings import Settings
from ledger.system import open_database, open_ledger


def add_migrate(subparsers: Subcommands) -> None:
    """Add `migrate` to the `ledger` command."""
    subparsers.add_parser("migrate", help="apply the database migrations").set_defaults(func=cmd_migrate)


def add_demo(subparsers: Subcommands) -> None:
    """Add `demo` to the `ledger` command."""
    demo = subparsers.add_parser("demo", help="append realistic synthetic Medemblik data")
    demo.add_argument(
        "--workers", type=whole_number(1), default=200, metavar="N", help="how many workers to register (default 200)"
    )
    demo.add_argument(
        "--seed", type=whole_number(0), default=420, help="random seed, for a repeatable data set (default 420)"
    )
    demo.add_argument("--if-empty", action="store_true", help="append only when the ledger holds no events yet")
    demo.set_defaults(func=cmd_demo)


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    """Bring the database schema to the newest revision."""
    with open_database(settings) as database:
        revision = upgrade(database.engine, database.key_engine)
    # The event store's tables are the library's: the first ledger creates them, here, once.
    with open_ledger(settings):
        pass
    line = f"database schema at revision {revision} ({settings.backend})"
    tell(settings, line, "schema_migrated", revision=revision, backend=settings.backend)
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Fill the ledger with realistic synthetic Medemblik data (with `--if-empty`, only an empty one)."""
    # Faker and the demo's stock take a third of a second to load; only this command needs them.
    from demo import run_demo  # noqa: PLC0415

    with open_ledger(settings) as ledger:
        if args.if_empty and ledger.recorder.max_notification_id():
            tell(settings, "demo: the ledger holds events already; nothing appended", "demo_skipped")
            return 0
        try:
            with progress_bar("demo", unit="step") as progress:
                summary = run_demo(ledger, workers=args.workers, seed=args.seed, progress=progress)
        except DuplicatePerson:
            # The same seed draws the same people: their registrations are in the ledger already.
            print(f"demo: the workers of seed {args.seed} are registered already; use another --seed", file=sys.stderr)
            return 1
    tell(
        settings,
        summary.render(),
        "demo_appended",
        workers=summary.workers,
        events=summary.events_appended,
        seconds=round(summary.elapsed_seconds, 3),
    )
    return 0
