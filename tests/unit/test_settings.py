"""Settings resolve the database URL and render the event store's environment."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from ledger.persistence.database import create_keystore_engine, create_ledger_engine
from ledger.settings import Settings


def test_default_is_an_sqlite_file_in_the_data_dir() -> None:
    settings = Settings(data_dir=Path("var"))
    assert settings.backend == "sqlite"
    assert settings.sqlite_path == Path("var/ledger.db")
    assert settings.eventsourcing_env()["SQLITE_DBNAME"] == "var/ledger.db"
    assert settings.sqlalchemy_url().drivername == "sqlite+pysqlite"


def test_postgresql_url_renders_the_postgres_environment_with_psycopg() -> None:
    settings = Settings(database_url="postgresql://ledger:geheim@db.example:5433/medemblik")
    env = settings.eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "ledger.eventstore.postgres_store:ChainedPostgresFactory"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == ("db.example", "5433", "medemblik")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("ledger", "geheim")
    assert settings.sqlalchemy_url().drivername == "postgresql+psycopg"


def test_the_query_engines_keep_as_many_postgresql_connections_as_configured() -> None:
    # Creating an engine connects to nothing: the pool opens connections when first asked.
    url = "postgresql://ledger@db.example/medemblik"
    assert create_ledger_engine(Settings(database_url=url)).pool.size() == 20  # type: ignore[attr-defined]
    configured = Settings(database_url=url, postgres_query_pool_size=7)
    assert create_ledger_engine(configured).pool.size() == 7  # type: ignore[attr-defined]
    ledger_engine = create_ledger_engine(Settings(database_url=url))
    keys = Settings(database_url=url, keystore_url="postgresql://ledger@keys.example/keys", postgres_query_pool_size=9)
    assert create_keystore_engine(keys, ledger_engine).pool.size() == 9  # type: ignore[attr-defined]


def test_the_event_stores_environment_names_the_storage_and_nothing_else() -> None:
    # Exactly these: anything more (an aggregate cache, which would hold plaintext personal data past a
    # shred) is a decision to make here. That os.environ cannot add one either is the ledger's guard,
    # tested in tests/integration/test_aggregate_cache.py.
    sqlite = Settings().eventsourcing_env()
    postgres = Settings(database_url="postgresql://ledger@db.example/medemblik").eventsourcing_env()

    assert set(sqlite) == {"PERSISTENCE_MODULE", "CREATE_TABLE", "SQLITE_DBNAME", "SQLITE_LOCK_TIMEOUT"}
    assert set(postgres) == {
        "PERSISTENCE_MODULE",
        "CREATE_TABLE",
        "POSTGRES_HOST",
        "POSTGRES_PORT",
        "POSTGRES_DBNAME",
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_CONNECT_TIMEOUT",
        "POSTGRES_SERVER_CONNECT_TIMEOUT",
        "POSTGRES_LOCK_TIMEOUT",
        "POSTGRES_POOL_SIZE",
        "POSTGRES_PRE_PING",
    }


def test_unsupported_database_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        _ = Settings(database_url="mysql://root@localhost/ledger").backend


def test_production_requires_an_explicit_keyring() -> None:
    with pytest.raises(ValidationError, match="LEDGER_KEYRING_FILE"):
        Settings(env="production")
    production = Settings(
        env="production",
        keyring_file=Path("/etc/ledger/keyring"),
        oidc_issuer="https://login.medemblik.example",
        oidc_jwks_url="https://login.medemblik.example/jwks",
        web_session_secret="a-test-secret-of-the-pages-session-cookie",
    )
    assert production.keyring_path == Path("/etc/ledger/keyring")


def test_production_requires_an_oidc_issuer_and_its_keys() -> None:
    with pytest.raises(ValidationError, match="LEDGER_OIDC_ISSUER"):
        Settings(env="production", keyring_file=Path("/etc/ledger/keyring"))


def test_hmac_and_none_algorithms_are_refused() -> None:
    with pytest.raises(ValidationError, match="asymmetric"):
        Settings(oidc_algorithms=("RS256", "HS256"))


def test_the_sanction_maximum_defaults_to_100000_euro_and_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().sanction_max_amount_eur == Decimal(100_000)
    monkeypatch.setenv("LEDGER_SANCTION_MAX_AMOUNT_EUR", "25750")
    assert Settings().sanction_max_amount_eur == Decimal(25_750)
    monkeypatch.setenv("LEDGER_SANCTION_MAX_AMOUNT_EUR", "0")
    with pytest.raises(ValidationError):
        Settings()
