"""Logging for entry points: structlog, JSON lines on stderr (or a console view for `ledger serve`).

Only entry points call `configure_logging`. Log event names are snake_case
facts (`worker_registered`) with ids bound; personal data never goes into a
log line — the values that identify a person are sealed and never logged.
Standard-library records (uvicorn, alembic) pass through the same renderer,
so one process writes one format.

Exceptions are logged by `format_exception`, in both renderers and whatever
else is installed: each exception's type and its frames' file, line and
function, never a frame's local variables, and the message only of the
ledger's own refusals (`LedgerError`), whose texts name rules, fields and ids.
Any other message may quote a value — a database driver echoing a parameter,
a codec error quoting text — so it is left out (docs/logging.md).
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from types import TracebackType
from typing import Literal, TextIO

import structlog

from ledger.domain.errors import LedgerError

Renderer = Literal["json", "console"]

# The exception types whose message the log keeps: the ledger's refusals, which name rules, fields, ids and
# case references (the same texts the API answers), never a value a person gave.
MESSAGE_KEPT: tuple[type[BaseException], ...] = (LedgerError,)
# Bounds on one logged traceback, so that no failure makes a large log line (or a slow one to render).
_MAX_FRAMES = 40  # per exception: the outermost few and the innermost rest
_OUTER_FRAMES = 8
_MAX_LINKS = 8  # causes, contexts and group members followed


def configure_logging(level: str = "INFO", *, renderer: Renderer = "json", stream: TextIO | None = None) -> None:
    """Send structlog and standard-library logs to stderr (or `stream`): JSON lines, or readable lines (`console`)."""
    out = stream or sys.stderr
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    final: list[structlog.typing.Processor]
    if renderer == "console":
        # Never structlog's default formatter: with rich importable it prints every frame's local variables.
        final = [structlog.dev.ConsoleRenderer(colors=out.isatty(), exception_formatter=_write_exception)]
    else:
        final = [_exception_without_values, structlog.processors.JSONRenderer()]
    structlog.configure(
        processors=[*shared, *final],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    handler = _LedgerHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared, processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final]
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _LedgerHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic narrates every connection it inspects; `ledger migrate` reports the outcome itself.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # HTTP clients log each request's full URL, query string included: never let a URL carry a value into a log.
    for client in ("httpx", "httpcore", "urllib3"):
        logging.getLogger(client).setLevel(logging.WARNING)


class _LedgerHandler(logging.StreamHandler[TextIO]):
    """Our stderr handler, replaced (not duplicated) when logging is configured again."""


def format_exception(error: BaseException) -> str:
    """A traceback without values: the exceptions' types and their frames' `file:line in function`, innermost last.

    Causes and contexts come first, as Python prints them; members of an
    exception group follow their group, indented. The frames' local variables
    are never read, nor any exception's arguments, notes or message — except
    the message of the types in `MESSAGE_KEPT`. Paths are shortened to the
    module's path below its `sys.path` entry.
    """
    lines: list[str] = []
    _describe(error, lines, seen=set())
    return "\n".join(lines)


def _describe(error: BaseException, lines: list[str], seen: set[int]) -> None:
    seen.add(id(error))
    cause = error.__cause__
    context = None if error.__suppress_context__ else error.__context__
    if len(seen) <= _MAX_LINKS:
        if cause is not None and id(cause) not in seen:
            _describe(cause, lines, seen)
            lines += ["", "The above exception was the direct cause of the following exception:", ""]
        elif context is not None and id(context) not in seen:
            _describe(context, lines, seen)
            lines += ["", "During handling of the above exception, another exception occurred:", ""]
    if error.__traceback__ is not None:
        lines.append("Traceback (most recent call last):")
        lines += [f"  {frame}" for frame in _frames(error.__traceback__)]
    lines.append(_headline(error))
    if isinstance(error, BaseExceptionGroup):
        for number, member in enumerate(error.exceptions, start=1):
            if len(seen) > _MAX_LINKS:
                lines.append(f"+ ... {len(error.exceptions) - number + 1} more exceptions")
                break
            member_lines: list[str] = []
            _describe(member, member_lines, seen)
            lines.append(f"+---------------- {number} ----------------")
            lines += [f"| {line}" for line in member_lines]


def _headline(error: BaseException) -> str:
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(error, MESSAGE_KEPT):
        return f"{name}: {error}"
    return f"{name} (message not logged)"


def _frames(tb: TracebackType) -> list[str]:
    """Each frame as `file:line in function`; repeats collapsed, long stacks cut in the middle."""
    frames: list[str] = []
    repeated = 0
    for frame, line in traceback.walk_tb(tb):
        code = frame.f_code  # the code object only: never the frame's variables
        described = f"{_short_path(code.co_filename)}:{line} in {code.co_qualname}"
        if frames and described == frames[-1]:
            repeated += 1
            continue
        if repeated:
            frames.append(f"[the frame above repeated {repeated} more times]")
            repeated = 0
        frames.append(described)
    if repeated:
        frames.append(f"[the frame above repeated {repeated} more times]")
    if len(frames) > _MAX_FRAMES:
        left_out = len(frames) - _MAX_FRAMES
        inner = _MAX_FRAMES - _OUTER_FRAMES
        frames = [*frames[:_OUTER_FRAMES], f"[{left_out} frames left out]", *frames[-inner:]]
    return frames


def _short_path(path: str) -> str:
    roots = [entry for entry in sys.path if entry and path.startswith(entry.rstrip(os.sep) + os.sep)]
    return path[len(max(roots, key=len).rstrip(os.sep)) + 1 :] if roots else path


def _exception_of(exc_info: object) -> BaseException | None:
    """The exception an `exc_info` value stands for: an exception, a `sys.exc_info()` tuple, or true (the current)."""
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3 and isinstance(exc_info[1], BaseException):
        return exc_info[1]
    return sys.exception() if exc_info else None


def _exception_without_values(
    _logger: object, _method: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """Processor: `exc_info` becomes `exception`, the text of `format_exception`."""
    error = _exception_of(event.pop("exc_info", None))
    if error is not None:
        event["exception"] = format_exception(error)
    return event


def _write_exception(out: TextIO, exc_info: structlog.typing.ExcInfo) -> None:
    """The console renderer's exception formatter: `format_exception` below the line."""
    out.write("\n" + format_exception(exc_info[1]))
