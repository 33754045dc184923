"""`reading`: connections for queries, outside a transaction block on PostgreSQL, that leave the pool as it was."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select

from ledger.persistence.database import reading
from ledger.settings import Settings
from ledger.system import open_database

metadata = MetaData()
numbers = Table("reading_numbers", metadata, Column("n", Integer, primary_key=True))


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    with open_database(settings) as database:
        yield database.engine


class Refused(Exception):
    """Raised inside a write transaction to roll it back."""


def test_a_read_sees_what_was_committed_and_a_later_write_is_still_one_transaction(engine: Engine) -> None:
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(numbers), [{"n": 1}, {"n": 2}])

    with reading(engine) as conn:
        assert conn.execute(select(numbers.c.n).order_by(numbers.c.n)).scalars().all() == [1, 2]

    # The pooled connection the read used is the one this write gets: it must roll back whole.
    with pytest.raises(Refused), engine.begin() as conn:
        conn.execute(insert(numbers), [{"n": 3}])
        conn.execute(insert(numbers), [{"n": 4}])
        raise Refused
    with reading(engine) as conn:
        assert conn.execute(select(numbers.c.n).order_by(numbers.c.n)).scalars().all() == [1, 2]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_on_postgresql_a_read_opens_no_transaction_block(engine: Engine) -> None:
    metadata.create_all(engine)
    with reading(engine) as conn:
        conn.execute(select(numbers.c.n)).all()
        driver = conn.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        # No BEGIN was sent, so no ROLLBACK is owed when the connection goes back.
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with engine.connect() as conn:
        conn.execute(select(numbers.c.n)).all()
        driver = conn.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS


def test_postgresql_compiles_no_statement(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("JIT compilation is PostgreSQL's")

    with reading(engine) as conn:
        assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
