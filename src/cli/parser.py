"""The argument parser of the `ledger` command, built from the command modules in one place.

The order of the subcommands is the order `ledger --help` lists them in.
"""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from cli import (
    audit_commands,
    key_commands,
    projection_commands,
    replay_commands,
    retention_commands,
    server_commands,
    setup_commands,
)
from cli.console import Subcommands

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
    setup_commands.add_migrate(sub)
    setup_commands.add_demo(sub)
    audit = _group(sub, "audit", "tamper evidence: verify the chain, checkpoints, export", dest="audit_command")
    audit_commands.add_to(audit)
    replay_commands.add_to_audit(audit)
    key_commands.add_keys(sub)
    server_commands.add_serve(sub)
    server_commands.add_token(sub)
    projection_commands.add_project(sub)
    projections = _group(sub, "projections", "status and rebuild of the read models", dest="projections_command")
    projection_commands.add_to(projections)
    replay_commands.add_to_projections(projections)
    retention_commands.add_retention(sub)
    retention_commands.add_scheduler(sub)
    return parser


def _group(subparsers: Subcommands, name: str, help_text: str, *, dest: str) -> Subcommands:
    """`ledger NAME`, a group of subcommands."""
    return subparsers.add_parser(name, help=help_text).add_subparsers(dest=dest)
