"""The `ledger` command: one package above `ledger`, `projections`, `jobs`, `api` and `demo`, composing them.

Each subcommand is a few lines: read settings, open what it needs through the
composition root (`ledger.system`), run, and tell the person what it did in a
short human line on stdout (`cli.console.tell`: logs go to stderr as JSON, and
repeat the human line only outside development; `ledger serve` logs readable
lines in development). Long jobs draw a progress bar on stderr when it is a
terminal. Exit status 0 on success; 1 when the command could not run (one line
on stderr naming the problem and what to do, `cli.console.refusal`); 2 for a
usage error (one line naming the argument). docs/command-line.md has the
conventions and why the command line is argparse.

`cli.parser` builds the whole command line from the command modules, each of
which adds its subparsers with `set_defaults(func=...)`, `func` taking
`(settings, args)` and answering an exit status. No other package imports a
command module.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

import structlog

from cli.console import refusal
from cli.parser import CommandParser, build_parser
from ledger.logs import configure_logging
from ledger.settings import Settings

log = structlog.get_logger()


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
