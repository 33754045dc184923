"""Logging for entry points: structlog, JSON lines on stderr (or a console view for `ledger serve`).

Only entry points call `configure_logging`. Log event names are snake_case
facts (`worker_registered`) with ids bound; personal data never goes into a
log line — the values that identify a person are sealed and never logged.
Standard-library records (uvicorn, alembic) pass through the same renderer,
so one process writes one format.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal, TextIO

import structlog

Renderer = Literal["json", "console"]


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
        # The console renderer formats exceptions itself.
        final = [structlog.dev.ConsoleRenderer(colors=out.isatty())]
    else:
        final = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
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
