"""Fixtures shared by the integration and end-to-end tiers.

`settings` is parametrised over the two backends: every test that uses it runs
on SQLite (a file in the test's temporary directory) and on PostgreSQL (a
throw-away database created for the test and dropped when the test process
ends, see `PostgresDatabase.discard`).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling

from api.app import create_app
from api.auth import DevelopmentTokens, Role
from api.services import Services
from ledger.application.service import Ledger
from ledger.persistence.database_settings import KEYSTORE_FILE_NAME
from ledger.persistence.migrations import upgrade
from ledger.settings import Settings
from ledger.system import open_database, open_ledger
from tests.scheduling import BrowserModulesTogether

# The server the tests create their databases on (CI starts it; see .ci/run).
POSTGRES_ADMIN_URL = os.environ.get("LEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

# "Now" for the domain's date rules, so tests do not depend on the day they run.
FIXED_NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return FIXED_NOW


# Every property test draws the same examples on every run: a failure in CI comes
# back when the test is run again, and no run passes or fails by the luck of the
# draw. No deadline: a loaded 2-core machine makes an example slow, not wrong.
hypothesis_settings.register_profile("ledger", derandomize=True, deadline=None)
hypothesis_settings.load_profile("ledger")


# The databases this test process is done with, dropped when its session ends (see `PostgresDatabase.discard`).
_DISCARDED: list[str] = []


class PostgresDatabase:
    """A throw-away PostgreSQL database."""

    def __init__(self) -> None:
        self.name = f"ledger_test_{uuid.uuid4().hex[:12]}"
        base = psycopg.conninfo.conninfo_to_dict(POSTGRES_ADMIN_URL)
        user, host, port = base.get("user", "postgres"), base.get("host", "127.0.0.1"), base.get("port", 5432)
        self.url = f"postgresql://{user}@{host}:{port}/{self.name}"

    @classmethod
    def named(cls, name: str) -> PostgresDatabase:
        """The throw-away database of that name (to drop one made elsewhere)."""
        database = cls()
        database.name = name
        return database

    def create(self, *, template: str | None = None) -> None:
        """Create the database, empty or as a copy of `template`."""
        copy_of = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"{copy_of}')

    def drop(self) -> None:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def discard(self) -> None:
        """Drop the database when this test process ends (its connections closed by then or cut).

        Every DROP DATABASE makes PostgreSQL run an immediate checkpoint, which
        flushes the pages all the other test processes wrote: under `pytest -n 4`
        a drop after each test took about a second of its teardown. At the end of
        the session there is little left to flush.
        """
        _DISCARDED.append(self.name)


def pytest_sessionfinish() -> None:
    """Drop the databases this process discarded, and vacuum the catalogue of databases after them.

    A run creates and drops over a thousand databases, each leaving a dead row
    in `pg_database`. Where autovacuum is off (this machine's CI configuration
    turns it off) they pile up run after run, and every connection and
    `CREATE DATABASE` reads that catalogue. Four runs on one server grew slower
    (854 to 928 s) where a fresh server ran the suite in 650 s; the dead rows
    are the likeliest cause found, not a proven one. Vacuuming takes milliseconds.
    """
    if not _DISCARDED:
        return
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        while _DISCARDED:
            conn.execute(f'DROP DATABASE IF EXISTS "{_DISCARDED.pop()}" WITH (FORCE)')
        conn.execute("VACUUM pg_catalog.pg_database")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked `slow` first.

    Under `pytest -n 4` the workers take the next tests as they free up, so the
    slow tests start at once on different workers, and no two-minute test
    starts near the end of the run while the other workers have nothing left to
    do.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> LoadScopeScheduling | None:
    """Schedule with `BrowserModulesTogether` under `--dist loadgroup` (as `make test` runs)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    return BrowserModulesTogether(config, log)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _migrate(settings: Settings) -> None:
    with open_database(settings) as database:
        upgrade(database.engine, database.key_engine)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL database migrated once per test process, copied for each test that needs a migrated one.

    Copying a template costs what creating an empty database costs; migrating
    each test's database again took longer than most tests themselves.
    """
    template = PostgresDatabase()
    template.create()
    try:
        _migrate(Settings(data_dir=tmp_path_factory.mktemp("template"), database_url=template.url))
        yield template.name
    finally:
        template.drop()


@pytest.fixture(scope="session")
def migrated_sqlite_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The SQLite files (ledger and key store) of a data directory migrated once per test process.

    A test that needs a migrated SQLite database gets copies of them, as on
    PostgreSQL it gets a copy of `migrated_template`, and a keyring of its own
    made on first use. Loading the migration scripts and creating the tables,
    each a synchronous commit, took most of the set-up of a short test.
    """
    settings = Settings(data_dir=tmp_path_factory.mktemp("sqlite-template") / "var", database_url=None)
    _migrate(settings)
    # The keyring stays behind: each test's keyring is its own, as each test's data directory is.
    files = [path for path in settings.data_dir.iterdir() if path != settings.keyring_path]
    assert {settings.sqlite_path.name, KEYSTORE_FILE_NAME} <= {path.name for path in files}
    return files


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    data_dir = tmp_path / "var"
    if backend == "sqlite":
        yield Settings(data_dir=data_dir, database_url=None)
        return
    database = PostgresDatabase()
    # A test that asks for a migrated database gets a copy of the migrated template (see `migrated`).
    template = request.getfixturevalue("migrated_template") if "migrated" in request.fixturenames else None
    database.create(template=template)
    try:
        yield Settings(data_dir=data_dir, database_url=database.url)
    finally:
        database.discard()


def _copy_sqlite_template(settings: Settings, request: pytest.FixtureRequest) -> None:
    settings.prepare_data_dir()
    for template in request.getfixturevalue("migrated_sqlite_files"):
        shutil.copyfile(template, settings.data_dir / template.name)


@pytest.fixture
def migrated(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """`settings` on a database brought to the newest schema: a copy of the migrated template of its backend."""
    if settings.backend == "sqlite":
        _copy_sqlite_template(settings, request)
    return settings


@pytest.fixture
def ledger(migrated: Settings) -> Iterator[Ledger]:
    with open_ledger(migrated, clock=fixed_clock) as app:
        yield app


class Api:
    """A test client of the app, with a development token per role."""

    def __init__(self, client: TestClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._tokens = DevelopmentTokens(settings)

    def token(self, role: str, *, kvk: str | None = None, sub: str | None = None) -> str:
        return self._tokens.issue(role=Role(role), sub=sub or f"test-{role}", kvk=kvk)

    def auth(self, role: str, *, kvk: str | None = None, sub: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, kvk=kvk, sub=sub)}"}

    @property
    def services(self) -> Services:
        services: Services = self.client.app.state.services  # type: ignore[attr-defined]
        return services


# An app of the tests opens fewer event-store connections at its start than a server (5): a test client sends one
# request at a time, and four test processes, each with its own app and a module's shared one, would otherwise come
# near the server's 100 connections. The query pool keeps its size: a smaller one closes and opens connections
# again around every request (whole runs with 3 took 40-60 s longer).
TEST_APP_POOLS = {"postgres_pool_size": 2}


@pytest.fixture
def api(migrated: Settings) -> Iterator[Api]:
    """The HTTP API on a migrated database of each backend, projections running in-process."""
    settings = migrated.model_copy(update={"api_run_projections": True, **TEST_APP_POOLS})
    with TestClient(create_app(settings, clock=fixed_clock), raise_server_exceptions=False) as client:
        yield Api(client, settings)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app like `api`'s (without its projection runner) for a whole test module on each backend, for refusals.

    Only for a test whose requests must all be refused and whose assertions
    hold whatever the module's other tests stored before it ("answers 400 and
    stores nothing" compares the log's position before and after its own
    request). A test that writes uses `api`, which is its own. Each app costs
    a database, its start and its connections; a module's refusal cases share
    them.
    """
    data_dir = tmp_path_factory.mktemp("shared-api") / "var"
    database: PostgresDatabase | None = None
    if request.param == "sqlite":
        settings = Settings(data_dir=data_dir, database_url=None)
        _copy_sqlite_template(settings, request)
    else:
        database = PostgresDatabase()
        database.create(template=request.getfixturevalue("migrated_template"))
        settings = Settings(data_dir=data_dir, database_url=database.url)
    # No projection runner: a refusal reads no view, and the runner's connections (a lock per view, LISTEN) and
    # its polling are spared for the whole module.
    settings = settings.model_copy(update={"api_run_projections": False, **TEST_APP_POOLS})
    try:
        with TestClient(create_app(settings, clock=fixed_clock), raise_server_exceptions=False) as client:
            yield Api(client, settings)
    finally:
        if database is not None:
            database.discard()
