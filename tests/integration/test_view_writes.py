"""`insert_rows`, the views' bulk insert: the same rows as SQLAlchemy's own executemany, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Boolean, Column, Date, DateTime, Engine, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError

from ledger.settings import Settings
from ledger.system import open_database
from projections.view import insert_rows

metadata = MetaData()
kinds = Table(
    "insert_rows_kinds",
    metadata,
    Column("row_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(40), nullable=False),
    Column("day", Date),
    Column("at", DateTime(timezone=True)),
    Column("flag", Boolean),
    Column("count", Integer),
)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    with open_database(settings) as database:
        yield database.engine


def _rows(prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "name": f"{prefix}-1",
            "day": date(2026, 2, 28),
            "at": datetime(2026, 6, 15, 10, 0, tzinfo=UTC),
            "flag": True,
            "count": 3,
        },
        {"name": f"{prefix}-2", "day": None, "at": None, "flag": False, "count": None},
        {
            "name": f"{prefix}-3 ' \\ \t\n%s",
            "day": date(1999, 12, 31),
            "at": datetime(2000, 1, 1, tzinfo=UTC),
            "flag": None,
            "count": -1,
        },
    ]


def test_insert_rows_stores_what_sqlalchemys_insert_stores(engine: Engine) -> None:
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(kinds), _rows("by-sqlalchemy"))
        insert_rows(conn, kinds, _rows("by-insert-rows"))
    with engine.connect() as conn:
        stored = {row.name: row[2:] for row in conn.execute(select(kinds))}

    for n, expected in enumerate(_rows("by-sqlalchemy"), start=1):
        ours = stored[expected["name"].replace("by-sqlalchemy", "by-insert-rows")]
        assert ours == stored[expected["name"]], n
    assert len(stored) == 6


def test_insert_rows_refuses_a_column_the_table_lacks(engine: Engine) -> None:
    metadata.create_all(engine)
    with pytest.raises(ValueError, match="no column colour"), engine.begin() as conn:
        insert_rows(conn, kinds, [{"name": "x", "colour": "blue"}])
    with engine.connect() as conn:
        assert conn.execute(select(kinds)).all() == []


def test_a_database_error_of_insert_rows_is_sqlalchemys_error(engine: Engine) -> None:
    metadata.create_all(engine)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        insert_rows(conn, kinds, [{"name": None}])
