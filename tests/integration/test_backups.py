"""Backups and crypto-shredding: an old copy of the ledger brings no shredded subject back.

The data keys live in a key store of their own (var/keys.db, or a PostgreSQL
database of its own), backed up apart from the events. A copy of the ledger's
database taken before a shred, restored beside the current key store and
keyring after the key epoch was rotated, opens every live subject and not the
shredded one; an old copy of the key store, restored after a shred, has the
shredded subject's key destroyed again at start-up.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from uuid import UUID

import pytest

from ledger.application.service import Ledger
from ledger.domain.values import SHREDDED
from ledger.domain.worker import Worker
from ledger.errors import SubjectShredded
from ledger.persistence.migrations import upgrade
from ledger.settings import Settings
from ledger.system import open_database, open_ledger
from tests.conftest import PostgresDatabase, fixed_clock
from tests.factories import a_world, register_worker


@pytest.fixture
def separate_settings(backend: str, tmp_path: Path) -> Iterator[Settings]:
    """A ledger whose key store is a database of its own, migrated."""
    if backend == "sqlite":
        settings = Settings(data_dir=tmp_path / "var")
        databases: list[PostgresDatabase] = []
    else:
        databases = [PostgresDatabase(), PostgresDatabase()]
        for database in databases:
            database.create()
        settings = Settings(data_dir=tmp_path / "var", database_url=databases[0].url, keystore_url=databases[1].url)
    with open_database(settings) as opened:
        upgrade(opened.engine, opened.key_engine)
    try:
        yield settings
    finally:
        for database in databases:
            database.discard()


def _open(settings: Settings) -> AbstractContextManager[Ledger]:
    return open_ledger(settings, clock=fixed_clock)


def _two_workers(settings: Settings) -> tuple[UUID, UUID]:
    with _open(settings) as ledger:
        world = a_world(ledger)
        return register_worker(ledger, world, family_name="Gewist"), register_worker(ledger, world)


def _backup_ledger_database(settings: Settings, into: Path) -> Path:
    into.mkdir()
    if settings.backend == "sqlite":
        for path in settings.sqlite_path.parent.glob(settings.sqlite_path.name + "*"):
            shutil.copy2(path, into / path.name)
        return into
    url = settings.url
    dump = into / "ledger.sql"
    subprocess.run(
        [
            "pg_dump",
            "--no-owner",
            "-h",
            url.host or "",
            "-p",
            str(url.port),
            "-U",
            url.username or "",
            "-f",
            str(dump),
            url.database or "",
        ],
        check=True,
    )
    return dump


def _restore_ledger_database(settings: Settings, backup: Path) -> Settings:
    if settings.backend == "sqlite":
        for path in settings.sqlite_path.parent.glob(settings.sqlite_path.name + "*"):
            path.unlink()
        for path in backup.iterdir():
            shutil.copy2(path, settings.sqlite_path.parent / path.name)
        return settings
    restored = PostgresDatabase()
    restored.create()
    url = settings.url
    subprocess.run(
        [
            "psql",
            "-q",
            "-h",
            url.host or "",
            "-p",
            str(url.port),
            "-U",
            url.username or "",
            "-f",
            str(backup),
            restored.name,
        ],
        check=True,
        capture_output=True,
    )
    return settings.model_copy(update={"database_url": restored.url})


def test_an_old_ledger_copy_restored_after_shred_and_rotation_opens_only_live_subjects(
    separate_settings: Settings, tmp_path: Path
) -> None:
    shredded, live = _two_workers(separate_settings)
    backup = _backup_ledger_database(separate_settings, tmp_path / "backup")
    with _open(separate_settings) as ledger:
        ledger.shred_subject(shredded, policy="erasure_request")
        ledger.keys.rotate()

    restored_settings = _restore_ledger_database(separate_settings, backup)
    try:
        with _open(restored_settings) as restored:
            assert restored.get(Worker, shredded).family_name is SHREDDED
            assert restored.get(Worker, live).family_name == "Kowalska"
    finally:
        if restored_settings is not separate_settings:
            PostgresDatabase.named(str(restored_settings.url.database)).discard()


def test_an_old_key_store_restored_after_a_shred_is_shredded_again_at_start_up(
    separate_settings: Settings, tmp_path: Path
) -> None:
    shredded, live = _two_workers(separate_settings)
    if separate_settings.backend != "sqlite":
        pytest.skip("restoring a PostgreSQL key database is the same scenario as the key table test in test_key_epochs")
    keys_file = separate_settings.sqlite_path.with_name("keys.db")
    shutil.copy2(keys_file, tmp_path / "keys.db.backup")
    with _open(separate_settings) as ledger:
        ledger.shred_subject(shredded, policy="erasure_request")
    for path in keys_file.parent.glob("keys.db*"):
        path.unlink()
    shutil.copy2(tmp_path / "keys.db.backup", keys_file)

    with _open(separate_settings) as restarted:
        assert restarted.get(Worker, shredded).family_name is SHREDDED
        assert restarted.get(Worker, live).family_name == "Kowalska"
        with pytest.raises(SubjectShredded):
            restarted.keys.data_key_for_writing(shredded)
