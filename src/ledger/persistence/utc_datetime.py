"""The column type of every instant the project's own tables keep: UTC on both backends, read back aware.

A module of its own, importing nothing of the project, so that every table
can use it — the audit chain's too, which `ledger.persistence.database` cannot be
imported by (it imports the SQLite recorder, which imports the chain).
`ledger.persistence.database` names it as well.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect
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
