"""The `ledger` command: migrate, demo, and the subcommands other packages plug in.

Each subcommand is a few lines: read settings, build what it needs through the
composition root, run, print a short human summary on stdout (logs go to
stderr as JSON; `ledger serve` logs readable lines in development). Exit
status 0 on success, 1 on a refused start-up check.

`ledger` must not import the outer packages (`projections`, `api`), so their
subcommands (`ledger project`, `ledger projections …`) come in through the
entry-point group `westland_ledger.commands`: each entry point is a function
`register(subparsers)` that adds its subparsers with `set_defaults(func=...)`,
`func` taking `(settings, args)` and answering an exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

import structlog

from ledger import audit_commands
from ledger.bootstrap import open_keystore, open_ledger
from ledger.demo import run_demo
from ledger.durability import DurabilityError
from ledger.errors import DuplicatePerson
from ledger.keyring import KeyringError
from ledger.logs import configure_logging
from ledger.migrations import NotMigratedError, upgrade
from ledger.settings import Settings

log = structlog.get_logger()

COMMANDS_GROUP = "westland_ledger.commands"


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    """Bring the database schema to the newest revision."""
    keys = open_keystore(settings)
    try:
        revision = upgrade(keys.engine, keys.key_engine)
    finally:
        keys.dispose()
    # The event store's tables are the library's: the first ledger creates them, here, once.
    ledger = open_ledger(settings)
    ledger.close()
    ledger.keys.engine.dispose()
    log.info("schema_migrated", revision=revision, backend=settings.backend)
    print(f"database schema at revision {revision} ({settings.backend})")
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Fill the ledger with realistic synthetic Medemblik data (with `--if-empty`, only an empty one)."""
    ledger = open_ledger(settings)
    try:
        if args.if_empty and ledger.recorder.max_notification_id():
            print("demo: the ledger holds events already; nothing appended")
            return 0
        summary = run_demo(ledger, workers=args.workers, seed=args.seed)
    except DuplicatePerson:
        # The same seed draws the same people: their registrations are in the ledger already.
        print(f"demo: the workers of seed {args.seed} are registered already; use another --seed", file=sys.stderr)
        return 1
    finally:
        ledger.close()
        ledger.keys.engine.dispose()
    print(summary.render())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `ledger` command."""
    parser = argparse.ArgumentParser(prog="ledger", description="westland-ledger: registration of labour migrants")
    parser.add_argument("--log-level", default="INFO", help="log level of the logs on stderr (default INFO)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply the database migrations").set_defaults(func=cmd_migrate)
    demo = sub.add_parser("demo", help="append realistic synthetic Medemblik data")
    demo.add_argument("--workers", type=int, default=200, help="how many workers to register (default 200)")
    demo.add_argument("--seed", type=int, default=420, help="random seed, for a repeatable data set (default 420)")
    demo.add_argument("--if-empty", action="store_true", help="append only when the ledger holds no events yet")
    demo.set_defaults(func=cmd_demo)
    audit_commands.register(sub)
    add_plugin_commands(sub)
    return parser


def add_plugin_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Let the installed packages of the `westland_ledger.commands` group add their subcommands."""
    for entry_point in sorted(entry_points(group=COMMANDS_GROUP), key=lambda e: e.name):
        register: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None] = entry_point.load()
        register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `ledger` command."""
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    func: Callable[[Settings, argparse.Namespace], int] = args.func
    try:
        return func(Settings(), args)
    except (DurabilityError, NotMigratedError, KeyringError) as e:
        log.error("start_up_refused", reason=str(e))
        print(f"ledger: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
