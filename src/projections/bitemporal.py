"""Bitemporal building blocks: the conditions "valid on D" and "believed at T", over UTC instants."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, or_


def valid_on(table: Table, day: date) -> ColumnElement[bool]:
    """Rows whose half-open valid interval contains `day`."""
    return and_(table.c.valid_from <= day, or_(table.c.valid_to.is_(None), table.c.valid_to > day))


def valid_during(table: Table, first: date, last: date) -> ColumnElement[bool]:
    """Rows whose valid interval shares at least one day with [first, last]."""
    return and_(table.c.valid_from <= last, or_(table.c.valid_to.is_(None), table.c.valid_to > first))


def known_at(table: Table, instant: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    """Rows the ledger believed at `instant` (or a parameter for it): recorded at or before it, not yet superseded."""
    return and_(table.c.recorded_from <= instant, or_(table.c.recorded_to.is_(None), table.c.recorded_to > instant))
