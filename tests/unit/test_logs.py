"""Exceptions in the logs: types and frames, never a value, in both renderers and whatever is installed.

Logging is configured as an entry point configures it, into a buffer, once
with the console renderer (`ledger serve` in development) and once with JSON
lines (production). The failures logged here hold personal values in their
frames' locals, in their messages, in their causes and in a note, beside an
object that counts how often something renders it. The log must name each
exception's type and its frames (file, line, function) and show none of the
values; the object must never be rendered. Rich is installed in the test
environment (a test dependency brings it), which is what made structlog's
console renderer print every frame's locals.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator

import pytest
import structlog

from ledger.errors import Conflict
from ledger.logs import configure_logging

FAMILY_NAME = "Kanariepietersz"
DOCUMENT = "KNR7730451"
BSN = "123456782"


class Tripwire:
    """A value that counts each time something renders it (locals, arguments, messages)."""

    def __init__(self) -> None:
        self.rendered = 0

    def __repr__(self) -> str:
        self.rendered += 1
        return FAMILY_NAME

    def __str__(self) -> str:
        return self.__repr__()


@pytest.fixture(params=["console", "json"])
def logged(request: pytest.FixtureRequest) -> Iterator[Callable[[], str]]:
    """Configure logging with each renderer into a buffer; yield a reader of it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    sink = io.StringIO()
    configure_logging("DEBUG", renderer=request.param, stream=sink)
    try:
        yield sink.getvalue
    finally:
        structlog.reset_defaults()
        root.handlers, root.level = handlers, level


def _store(family_name: str, tripwire: Tripwire) -> None:
    document_number = DOCUMENT
    try:
        raise LookupError(document_number)
    except LookupError as error:
        failure = RuntimeError(f"could not store {family_name}", tripwire)
        failure.add_note(f"bsn {BSN}")
        raise failure from error


def _innermost_line(error: BaseException) -> int:
    tb = error.__traceback__
    assert tb is not None
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_lineno


def _values(text: str) -> list[str]:
    return [value for value in (FAMILY_NAME, DOCUMENT, BSN) if value in text]


@pytest.mark.parametrize("via", ["structlog", "standard library"])
def test_a_logged_exception_names_types_and_frames_and_no_value(logged: Callable[[], str], via: str) -> None:
    tripwire = Tripwire()
    try:
        _store(FAMILY_NAME, tripwire)
    except RuntimeError as error:
        line = _innermost_line(error)
        if via == "structlog":
            structlog.get_logger().exception("request_failed")
        else:
            # What uvicorn does with an exception that leaves the app. Only through the handler
            # `configure_logging` installs: pytest's own capture handlers format records themselves.
            root = logging.getLogger()
            handlers = root.handlers[:]
            root.handlers = [h for h in handlers if isinstance(h.formatter, structlog.stdlib.ProcessorFormatter)]
            try:
                logging.getLogger("uvicorn.error").error("Exception in ASGI application", exc_info=True)
            finally:
                root.handlers = handlers

    text = logged()

    assert tripwire.rendered == 0
    assert _values(text) == []
    assert "RuntimeError" in text and "LookupError" in text
    assert re.search(rf"test_logs\.py:{line}\b.*\b_store\b", text), text


def test_an_exception_passed_as_exc_info_is_logged_the_same(logged: Callable[[], str]) -> None:
    tripwire = Tripwire()
    try:
        _store(FAMILY_NAME, tripwire)
    except RuntimeError as caught:
        error = caught
    structlog.get_logger().error("request_failed", exc_info=error)

    text = logged()

    assert tripwire.rendered == 0
    assert _values(text) == []
    assert "RuntimeError" in text and "_store" in text


def test_exception_groups_show_each_member_without_its_message(logged: Callable[[], str]) -> None:
    tripwire = Tripwire()
    try:
        raise ExceptionGroup(
            "two failed", [ValueError(FAMILY_NAME, tripwire), UnicodeEncodeError("utf-8", BSN, 0, 1, "bad")]
        )
    except ExceptionGroup:
        structlog.get_logger().exception("batch_failed")

    text = logged()

    assert tripwire.rendered == 0
    assert _values(text) == []
    assert "ExceptionGroup" in text and "ValueError" in text and "UnicodeEncodeError" in text


def _recurse(depth: int, family_name: str) -> int:
    return _recurse(depth + 1, family_name) + 1


def test_a_deep_recursion_logs_a_small_trace(logged: Callable[[], str]) -> None:
    try:
        _recurse(0, FAMILY_NAME)
    except RecursionError:
        structlog.get_logger().exception("request_failed")

    text = logged()

    assert _values(text) == []
    assert "RecursionError" in text and "_recurse" in text
    assert len(text.encode()) < 20_000


def test_the_message_of_a_ledger_refusal_is_kept(logged: Callable[[], str]) -> None:
    # The ledger's own refusals name rules, fields, ids and case references, never a person's value.
    try:
        raise Conflict("legal hold HH-2026-0042 is already in place")
    except Conflict:
        structlog.get_logger().exception("command_refused")

    assert "legal hold HH-2026-0042 is already in place" in logged()
