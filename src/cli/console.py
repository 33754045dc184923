"""What the `ledger` command shows a person: human lines, progress bars, one-line refusals, argument types.

Three streams, three readers (docs/command-line.md): stdout carries the human
line of what a command did; stderr carries the JSON log, and a progress bar
while a long job runs on a terminal; a command that cannot run says why in one
line on stderr, with what to do, and exits with status 1.

A command reports a fact once: `tell` prints it for the person and, outside
development, logs it as well, where the log is collected; in development the
log line would only repeat what the person just read.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO, TypeAlias

import psycopg
import structlog
from pydantic import ValidationError
from tqdm import tqdm

from ledger.crypto.keyring import KeyringError
from ledger.persistence.durability import DurabilityError
from ledger.persistence.exclusive import AlreadyRunningError
from ledger.persistence.migrations import NotMigratedError
from ledger.settings import Settings

log = structlog.get_logger()

# A group of subcommands, to which a command module adds its own (argparse's class is generic only to type
# checkers, so the alias is a string).
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

# A long job calls this with what it has done and its total, as often as it likes.
Progress = Callable[[int, int], None]

# No monitor thread: commands fork (`audit verify`, `projections rebuild`), and a fork copies no threads.
tqdm.monitor_interval = 0


def tell(settings: Settings, line: str, event: str, *, stream: TextIO | None = None, **fields: Any) -> None:
    """Print the human `line` (on stdout, or `stream`); log `event` with `fields` too, except in development."""
    print(line, file=stream or sys.stdout)
    if settings.env != "development":
        log.info(event, **fields)


class _Bar:
    """A progress callback that draws a bar on stderr once it knows its total, if stderr is a terminal."""

    def __init__(self, description: str, unit: str) -> None:
        self.description = description
        self.unit = unit
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            # disable=None: tqdm draws nothing when its stream is not a terminal (a pipe, a file, a log collector).
            self.bar = tqdm(
                total=total, desc=self.description, unit=self.unit, file=sys.stderr, disable=None, leave=False
            )
        elif total != self.bar.total:
            self.bar.total = total
            self.bar.refresh()
        self.bar.update(min(done, total) - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextmanager
def progress_bar(description: str, *, unit: str = "event") -> Iterator[Progress]:
    """A `Progress` for a long job: a bar on a terminal (gone when the job ends), nothing otherwise."""
    bar = _Bar(description, unit)
    try:
        yield bar
    finally:
        bar.close()


def whole_number(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `low` (argparse names the option in its error)."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = low - 1
        if number < low:
            msg = f"a whole number of at least {low}, not {text!r}"
            raise argparse.ArgumentTypeError(msg)
        return number

    return parse


def refusal(error: BaseException, settings: Settings | None) -> str | None:
    """The one line saying why a command could not run and what to do; None for an error that is a bug."""
    if isinstance(error, ValidationError):
        return _invalid_settings(error)
    if isinstance(error, DurabilityError | NotMigratedError | KeyringError | AlreadyRunningError):
        return str(error)  # these say what to do themselves
    database = _database_error(error)
    if database is not None:
        return _database_refusal(database, settings)
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.strerror or error}: {error.filename} (check LEDGER_DATA_DIR and the folder's permissions)"
    return None


def _invalid_settings(error: ValidationError) -> str:
    """`LEDGER_X: what is wrong` for each invalid setting (never the value: it may hold a password)."""
    problems = []
    for problem in error.errors(include_input=False, include_url=False):
        message = str(problem["msg"]).removeprefix("Value error, ")
        location = problem["loc"]
        problems.append(f"LEDGER_{str(location[0]).upper()}: {message}" if location else message)
    return "invalid settings: " + "; ".join(problems) + " (fix the environment and run again)"


def _database_error(error: BaseException) -> psycopg.OperationalError | sqlite3.OperationalError | None:
    """The driver's connection error behind `error` (SQLAlchemy and the event store wrap it), if it is one."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, psycopg.OperationalError | sqlite3.OperationalError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


# What the driver said (a part of its message), and what a person can do about it.
_ADVICE = [
    ("does not exist", "create it, or point {variable} at one that exists"),
    ("connection refused", "is PostgreSQL running there? Start it, or point {variable} at one that runs"),
    ("resolve host", "fix the host in {variable}"),
    ("password authentication failed", "fix the user or password in {variable}"),
    ("timeout expired", "the database did not answer in time: is it running and reachable?"),
    ("database is locked", "another process holds the database: try again when it has finished"),
    ("unable to open database file", "check that the folder exists and may be written (LEDGER_DATA_DIR)"),
]


def _database_refusal(error: psycopg.OperationalError | sqlite3.OperationalError, settings: Settings | None) -> str:
    said = _driver_said(str(error))
    variable = "LEDGER_DATABASE_URL"
    where = "the database"
    if settings is not None:
        where = f"the database {settings.url.render_as_string(hide_password=True)}"
        if settings.keystore_url:
            variable += " (or LEDGER_KEYSTORE_URL)"
    advice = next(
        (what.format(variable=variable) for part, what in _ADVICE if part in said.lower()),
        f"check that the database runs and that {variable} names it",
    )
    return f"cannot use {where}: {said}; {advice}"


def _driver_said(message: str) -> str:
    """The driver's reason, on one line, without the connection preamble libpq puts before it."""
    said = message.strip().splitlines()[0] if message.strip() else "no reason given"
    said = said.removeprefix("connection failed: ")
    if " failed: " in said and said.startswith("connection to server"):
        said = said.split(" failed: ", 1)[1]
    return said.removeprefix("FATAL:").strip()
