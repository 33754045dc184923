"""Logging for entry points: structlog, JSON lines on stderr.

Only entry points call `configure_logging`. Log event names are snake_case
facts (`worker_registered`) with ids bound; personal data never goes into a
log line — the values that identify a person are sealed and never logged.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(level: str = "INFO") -> None:
    """Send structlog and standard-library logs to stderr as JSON lines."""
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")
    # Alembic narrates every connection it inspects; `ledger migrate` reports the outcome itself.
    logging.getLogger("alembic").setLevel(logging.WARNING)
