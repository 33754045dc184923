"""The settings of the databases: where they are, how long to wait for them, how many connections to keep.

`DatabaseSettings` is the part of `ledger.settings.Settings` that persistence
needs (the engines, the recorders, the migrations): it resolves the database
URL (embedded SQLite in the data folder by default, PostgreSQL with psycopg
3), renders the SQLAlchemy URLs, and the eventsourcing library's environment,
which names the recorders of `ledger.persistence` by topic (PERSISTENCE_MODULE).
Reading settings connects to nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

SQLITE_FILE_NAME = "ledger.db"
KEYSTORE_FILE_NAME = "keys.db"
# Keys of the event store's environment that `ledger.eventstore.postgres_store` reads (the library ignores them).
SERVER_CONNECT_TIMEOUT_ENV = "POSTGRES_SERVER_CONNECT_TIMEOUT"
STATEMENT_TIMEOUT_ENV = "POSTGRES_STATEMENT_TIMEOUT_MS"


class DatabaseSettings(BaseSettings):
    """Where the ledger's databases are and how they are used (`LEDGER_` prefix); `Settings` takes them all."""

    # hide_input_in_errors: a refused value may be a database URL with its password.
    model_config = SettingsConfigDict(env_prefix="LEDGER_", extra="ignore", frozen=True, hide_input_in_errors=True)

    env: Literal["development", "production"] = "development"
    data_dir: Path = Field(default=Path("var"), description="Where the embedded database and keyring live.")
    database_url: str | None = Field(
        default=None,
        description="sqlite:///path or postgresql://user:password@host:port/dbname; default: SQLite in data_dir.",
    )
    keystore_url: str | None = Field(
        default=None,
        description=(
            "Where the wrapped data keys live. Default: var/keys.db beside the embedded SQLite database, or the "
            "ledger's own PostgreSQL database; give it a database of its own to back it up apart from the events."
        ),
    )
    sqlite_lock_timeout_s: int = Field(default=10, ge=1)
    postgres_lock_timeout_s: int = Field(default=5, ge=1)
    postgres_pool_size: int = Field(default=5, ge=1, description="Connections of the event store's pool per process.")
    db_connect_timeout_s: int = Field(
        default=2,
        ge=1,
        description=(
            "How long opening a database connection may take before it fails (libpq's connect_timeout; libpq and"
            " psycopg treat anything below 2 as 2)."
        ),
    )
    db_pool_timeout_s: int = Field(
        default=2,
        ge=1,
        description="How long a caller waits for a pooled connection before it fails (every pool of the process).",
    )
    postgres_query_pool_size: int = Field(
        default=20,
        ge=1,
        description=(
            "Connections a process keeps for queries, view writes and keys (opened when first needed). More at once"
            " are opened and closed for each use: keep it above the requests a server runs concurrently."
        ),
    )

    @field_validator("database_url", "keystore_url")
    @classmethod
    def _a_database_url(cls, value: str | None) -> str | None:
        """Refuse a URL that names no database we run on, here rather than at the first connection."""
        if value is None:
            return None
        try:
            name = make_url(value).get_backend_name()
        except (ArgumentError, ValueError):
            # Not the parser's message: it may quote the URL, password and all.
            msg = "not a database URL: give sqlite:///path or postgresql://user:password@host:port/dbname"
            raise ValueError(msg) from None
        if name not in ("sqlite", "postgresql", "postgres"):
            msg = f"unsupported database {name!r}: use sqlite:/// or postgresql://"
            raise ValueError(msg)
        return value

    @property
    def url(self) -> URL:
        """The database URL, with the embedded default filled in."""
        if self.database_url:
            return make_url(self.database_url)
        return make_url(f"sqlite:///{self.data_dir / SQLITE_FILE_NAME}")

    @property
    def backend(self) -> Literal["sqlite", "postgresql"]:
        """Which database the URL points at."""
        name = self.url.get_backend_name()
        if name == "sqlite":
            return "sqlite"
        if name in ("postgresql", "postgres"):
            return "postgresql"
        msg = f"unsupported database {name!r}: use sqlite:/// or postgresql://"
        raise ValueError(msg)

    @property
    def sqlite_path(self) -> Path:
        """The SQLite database file (only for the SQLite backend)."""
        database = self.url.database
        if not database or database == ":memory:":
            msg = "an on-disk SQLite database is required (events, keys and views share one file)"
            raise ValueError(msg)
        return Path(database)

    def sqlalchemy_url(self) -> URL:
        """The URL for SQLAlchemy (key store, read models, migrations)."""
        if self.backend == "sqlite":
            return URL.create("sqlite+pysqlite", database=str(self.sqlite_path))
        return self.url.set(drivername="postgresql+psycopg")

    def keystore_sqlalchemy_url(self) -> URL:
        """The URL for the key store database."""
        if self.keystore_url:
            url = make_url(self.keystore_url)
            if url.get_backend_name() == "sqlite":
                return URL.create("sqlite+pysqlite", database=url.database)
            return url.set(drivername="postgresql+psycopg")
        if self.backend == "sqlite":
            return URL.create("sqlite+pysqlite", database=str(self.sqlite_path.with_name(KEYSTORE_FILE_NAME)))
        return self.sqlalchemy_url()

    def eventsourcing_env(
        self, *, create_tables: bool = True, statement_timeout_ms: int | None = None
    ) -> dict[str, str]:
        """The eventsourcing library's environment for the event store (creating its tables if asked).

        `statement_timeout_ms` bounds every statement of the event store on
        PostgreSQL (the HTTP API's, as its queries are bounded).
        """
        env = {"CREATE_TABLE": "y" if create_tables else "n"}
        if self.backend == "sqlite":
            env |= {
                "PERSISTENCE_MODULE": "ledger.eventstore.sqlite_store:DurableSQLiteFactory",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": str(self.sqlite_lock_timeout_s),
            }
            return env
        url = self.url
        env |= {
            "PERSISTENCE_MODULE": "ledger.eventstore.postgres_store:ChainedPostgresFactory",
            "POSTGRES_DBNAME": url.database or "postgres",
            "POSTGRES_HOST": url.host or "localhost",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": url.username or "postgres",
            "POSTGRES_PASSWORD": url.password or "",
            "POSTGRES_LOCK_TIMEOUT": str(self.postgres_lock_timeout_s),
            "POSTGRES_POOL_SIZE": str(self.postgres_pool_size),
            # The library's name for how long a caller waits for a pooled connection (not for connecting).
            "POSTGRES_CONNECT_TIMEOUT": str(self.db_pool_timeout_s),
            # A pooled connection is checked before it is handed out: after a server restart the pool's
            # dead connections are replaced instead of failing the next requests.
            "POSTGRES_PRE_PING": "y",
            # Read by `ledger.eventstore.postgres_store.ChainedPostgresFactory`, not by the library.
            SERVER_CONNECT_TIMEOUT_ENV: str(self.db_connect_timeout_s),
        }
        if statement_timeout_ms is not None:
            env[STATEMENT_TIMEOUT_ENV] = str(int(statement_timeout_ms))
        return env

    def prepare_data_dir(self) -> None:
        """Create the data directory for the embedded default (private to the owner)."""
        if self.backend == "sqlite":
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
