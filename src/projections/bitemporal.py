"""Bitemporal building blocks: UTC instants, and the conditions "valid on D", "believed at T"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Dialect, Table, and_, or_
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC on both backends, read back timezone-aware.

    SQLite keeps datetimes as text without an offset; comparing instants as
    text is only right when every value is UTC, so values are converted on the
    way in and marked UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetime: instants must carry a time zone"
            raise ValueError(msg)
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def valid_on(table: Table, day: date) -> ColumnElement[bool]:
    """Rows whose half-open valid interval contains `day`."""
    return and_(table.c.valid_from <= day, or_(table.c.valid_to.is_(None), table.c.valid_to > day))


def valid_during(table: Table, first: date, last: date) -> ColumnElement[bool]:
    """Rows whose valid interval shares at least one day with [first, last]."""
    return and_(table.c.valid_from <= last, or_(table.c.valid_to.is_(None), table.c.valid_to > first))


def known_at(table: Table, instant: datetime) -> ColumnElement[bool]:
    """Rows the ledger believed at `instant`: recorded at or before it, not yet superseded."""
    return and_(table.c.recorded_from <= instant, or_(table.c.recorded_to.is_(None), table.c.recorded_to > instant))
