"""Start-up checks: durable database settings, a migrated schema, a private keyring."""

from __future__ import annotations

import threading

import psycopg
import pytest
from eventsourcing.sqlite import SQLiteConnection

from ledger.crypto.keyring import FileKeyring, KeyringError
from ledger.eventstore.sqlite_store import DurableSQLiteConnectionPool, DurableSQLiteFactory
from ledger.persistence.durability import DurabilityError, check_durability
from ledger.persistence.migrations import NotMigratedError
from ledger.settings import Settings
from ledger.system import open_keystore, open_ledger
from tests.conftest import POSTGRES_ADMIN_URL


def test_an_unmigrated_database_is_refused(settings: Settings) -> None:
    with pytest.raises(NotMigratedError, match="ledger migrate"), open_ledger(settings):
        pass


def test_a_migrated_database_on_durable_settings_starts(migrated: Settings) -> None:
    with open_ledger(migrated):
        pass


class _UnsafePool(DurableSQLiteConnectionPool):
    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        connection.cursor().execute("PRAGMA synchronous=OFF")
        return connection


def test_sqlite_without_synchronous_full_is_refused(tmp_path: object) -> None:
    factory = DurableSQLiteFactory({"SQLITE_DBNAME": f"{tmp_path}/unsafe.db"})
    factory.datastore.pool = _UnsafePool(db_name=f"{tmp_path}/unsafe.db")
    recorder = factory.application_recorder()
    with pytest.raises(DurabilityError, match="synchronous"):
        check_durability(recorder)
    factory.close()


def test_postgresql_with_synchronous_commit_off_is_refused(migrated: Settings) -> None:
    if migrated.backend != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{migrated.url.database}" SET synchronous_commit = off')
    with pytest.raises(DurabilityError, match="synchronous_commit"), open_ledger(migrated):
        pass


def test_keyring_is_created_private_on_first_use_in_development(settings: Settings) -> None:
    with open_keystore(settings):
        pass
    assert settings.keyring_path.stat().st_mode & 0o777 == 0o600


def test_keyring_readable_by_others_is_refused(settings: Settings) -> None:
    with open_keystore(settings):
        pass
    settings.keyring_path.chmod(0o644)
    with pytest.raises(KeyringError, match="chmod 600"):
        FileKeyring.open(settings.keyring_path, create=False)


def test_production_never_creates_a_keyring(settings: Settings) -> None:
    production = settings.model_copy(update={"env": "production", "keyring_file": settings.data_dir / "missing"})
    with pytest.raises(KeyringError, match="never created implicitly"), open_keystore(production):
        pass


def test_many_ledgers_start_at_once_on_a_migrated_database(migrated: Settings) -> None:
    """Starting never redefines the event store: concurrent starts do not trip over each other's DDL."""
    with open_ledger(migrated):  # the event store exists, as after `ledger migrate`
        pass
    barrier = threading.Barrier(6)
    failures: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            with open_ledger(migrated):
                pass
        except BaseException as error:  # collected and reported below, after every thread ended
            failures.append(error)

    for _ in range(5):
        threads = [threading.Thread(target=start) for _ in range(barrier.parties)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        barrier.reset()
    assert failures == []
