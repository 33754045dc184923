"""The `ledger` command: migrate, demo, and the subcommands other packages plug in.

Each subcommand is a few lines: read settings, build what it needs through the
composition root, run, and tell the person what it did in a short human line
on stdout (`ledger.console.tell`: logs go to stderr as JSON, and repeat the
human line only outside development; `ledger serve` logs readable lines in
development). Long jobs draw a progress bar on stderr when it is a terminal.
Exit status 0 on success; 1 when the command could not run (one line on
stderr naming the problem and what to do, `ledger.console.refusal`); 2 for a
usage error (one line naming the argument). docs/command-line.md has the
conventions and why the command line is argparse.

`ledger` must not import the outer packages (`projections`, `api`), so their
subcommands (`ledger project`, `ledger projections …`) come in through the
entry-point group `westland_ledger.commands`: each entry point is a function
`register(subparsers)` that adds its subparsers with `set_defaults(func=...)`,
`func` taking `(settings, args)` and answering an exit status.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any, NoReturn

import structlog

from demo import run_demo
from ledger import audit_commands
from ledger.console import progress_bar, refusal, tell, whole_number
from ledger.errors import DuplicatePerson
from ledger.logs import configure_logging
from ledger.persistence.migrations import upgrade
from ledger.settings import Settings
from ledger.system import open_database, open_ledger

log = structlog.get_logger()

COMMANDS_GROUP = "westland_ledger.commands"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class CommandParser(argparse.ArgumentParser):
    """argparse, answering a usage error in one line that names the argument, with exit status 2.

    A group of subcommands is never `required` to argparse: it would report the
    missing subcommand before an unknown option (`ledger --bogus` would say "a
    command is required", not name `--bogus`). `main` reports a missing one
    after parsing, naming the group's commands.
    """

    def error(self, message: str) -> NoReturn:
        """Print `PROG: MESSAGE (see PROG --help)` on stderr and exit with status 2."""
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")

    def add_subparsers(self, **kwargs: Any) -> argparse._SubParsersAction[argparse.ArgumentParser]:  # type: ignore[override]
        """Subcommands of this parser; the deepest group a command line reaches is remembered for `main`."""
        kwargs["required"] = False
        commands = super().add_subparsers(**kwargs)
        self.set_defaults(command_group=self)
        self.commands = commands
        return commands

    def missing_command(self) -> NoReturn:
        """The usage error of a group given no subcommand."""
        self.error(f"choose a command: {', '.join(self.commands.choices)}")


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


def build_parser() -> CommandParser:
    """The argument parser of the `ledger` command."""
    parser = CommandParser(prog="ledger", description="westland-ledger: registration of labour migrants")
    parser.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=LOG_LEVELS,
        help="level of the JSON logs on stderr (default INFO)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("migrate", help="apply the database migrations").set_defaults(func=cmd_migrate)
    demo = sub.add_parser("demo", help="append realistic synthetic Medemblik data")
    demo.add_argument(
        "--workers", type=whole_number(1), default=200, metavar="N", help="how many workers to register (default 200)"
    )
    demo.add_argument(
        "--seed", type=whole_number(0), default=420, help="random seed, for a repeatable data set (default 420)"
    )
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
    func: Callable[[Settings, argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        group: CommandParser = args.command_group
        group.missing_command()
    configure_logging(args.log_level)
    settings: Settings | None = None
    try:
        settings = Settings()
        return func(settings, args)
    except KeyboardInterrupt:
        print("ledger: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (`ledger audit export | head`): nothing more to say to it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:
        line = refusal(error, settings)
        if line is None:
            # A bug, not a setting a person can fix: the log record carries the traceback.
            log.exception("command_failed", error_type=type(error).__qualname__)
            line = f"the command failed unexpectedly ({type(error).__qualname__}); the log record above has the details"
        print(f"ledger: {line}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
