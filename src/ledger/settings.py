"""The one typed settings object, read from `LEDGER_*` environment variables.

It is the composition root's only source of configuration: it resolves the
database URL (embedded SQLite by default, PostgreSQL with psycopg 3), renders
the eventsourcing library's environment and the SQLAlchemy URL from it, and
refuses development conveniences in production. Reading settings connects to
nothing.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveFloat, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ledger.domain.floor_area_norms import DEFAULT_FLOOR_AREA_NORMS_M2
from ledger.domain.staleness import StalePeriods
from ledger.domain.values import HousingKind

# Environment variables that were renamed: refused, naming the new one and its shape (CHANGELOG.md).
RENAMED_SETTINGS = {
    "LEDGER_ALERT_FLOOR_AREA_NORMS_M2": (
        "LEDGER_FLOOR_AREA_NORMS_M2",
        'a norm per kind of location, e.g. {"dwelling": {"1900-01-01": 12}, "caravan_site": {"1900-01-01": 6}}',
    ),
}

SQLITE_FILE_NAME = "ledger.db"
KEYSTORE_FILE_NAME = "keys.db"
APPLICATION_NAME = "Ledger"
# The assurance levels at eHerkenning EH3 ("substantieel") or above: eHerkenning's own (Afsprakenstelsel
# eHerkenning, "Betrouwbaarheidsniveaus": EH3 = loa3, EH4 = loa4) and eIDAS's (Regulation (EU) 910/2014,
# art. 8: substantial, high), as an OIDC broker puts them in `acr`.
EH3_OR_ABOVE = (
    "urn:etoegang:core:assurance-class:loa3",
    "urn:etoegang:core:assurance-class:loa4",
    "http://eidas.europa.eu/LoA/substantial",
    "http://eidas.europa.eu/LoA/high",
)
# Keys of the event store's environment that `ledger.postgres_store` reads (the library ignores them).
SERVER_CONNECT_TIMEOUT_ENV = "POSTGRES_SERVER_CONNECT_TIMEOUT"
STATEMENT_TIMEOUT_ENV = "POSTGRES_STATEMENT_TIMEOUT_MS"


class Settings(BaseSettings):
    """Configuration of a ledger process (`LEDGER_` prefix)."""

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
    keyring_file: Path | None = Field(
        default=None,
        description="Key-encryption keys (0600). Default data_dir/keyring, created on first use in development.",
    )
    timezone: str = Field(default="Europe/Amsterdam", description="Calendar dates are dates in this zone.")
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

    # The floor-area norms per kind of location (docs/occupancy.md gives each one's source).
    floor_area_norms_m2: dict[str, dict[date, PositiveFloat]] = Field(
        default_factory=lambda: {kind: dict(norms) for kind, norms in DEFAULT_FLOOR_AREA_NORMS_M2.items()},
        description=(
            "Minimum usable floor area per person (m²) per kind of housing location, by the date each norm applies"
            " from; a kind left out derives no limit from its floor area."
        ),
    )
    # Alert thresholds (docs/alerts.md says where each comes from).
    alert_housed_after_contract_days: int = Field(default=14, ge=0)
    # Wet BRP art. 2.38: at least two thirds of a half year, so at most the 6 months counted in.
    alert_without_brp_months: int = Field(default=4, ge=1, le=6)
    alert_brp_registration_days: int = Field(default=5, ge=0)
    alert_expected_stay_months: int = Field(default=4, ge=1)
    alert_brp_address_days: int = Field(
        default=5,
        ge=0,
        description="Days the BRP address may differ from the registered housing (Wet BRP art. 2.39: 5).",
    )

    # Enforcement (docs/domain-rules.md says where the default comes from).
    sanction_max_amount_eur: Decimal = Field(
        default=Decimal(100_000),
        gt=0,
        le=Decimal(1_000_000_000),
        description="The largest amount in euros a fine or an order subject to penalty may name.",
    )

    # Stale registrations and opened exports: local policy of 2026-12-06 (docs/domain-rules.md, docs/audit.md).
    stale_registration_months: int = Field(
        default=6,
        ge=1,
        le=120,
        description="Without an expected end: not confirmed this long, a registration is stale.",
    )
    stale_retention_months: int = Field(
        default=3, ge=0, le=120, description="Stale this long, a registration's retention clock starts."
    )
    opened_export_days: int = Field(
        default=30, ge=1, le=365, description="An export with opened personal data is to be destroyed after this."
    )

    # Local policy (docs/retention.md): a hold placed without a review date is reviewed this long after.
    legal_hold_review_months: int = Field(
        default=12,
        ge=1,
        le=12,
        description="Months after which a legal hold placed without a review date is due for review (at most a year).",
    )

    retention_run_at: str = Field(
        default="02:30",
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="Local time of the nightly retention run.",
    )
    retention_file: Path | None = Field(
        default=None, description="Retention policies (TOML); default: the file shipped in the package."
    )

    # HTTP API.
    api_max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="Larger request bodies get 413.")
    api_min_position_wait_s: float = Field(default=5.0, ge=0, description="How long a read waits for minPosition.")
    api_statement_timeout_ms: int = Field(default=5000, ge=100, description="PostgreSQL statement_timeout of the API.")
    ready_max_lag_s: float = Field(
        default=30.0,
        gt=0,
        description="readyz is 503 when a view's oldest unprocessed event is older than this (seconds).",
    )
    api_run_projections: bool | None = Field(
        default=None, description="Run the projection runner inside `ledger serve` (default: on the embedded SQLite)."
    )
    idempotency_retention_h: int = Field(
        default=24,
        ge=1,
        description="How long the first answer to an Idempotency-Key is kept (and a retry answered with it).",
    )
    api_docs: bool | None = Field(
        default=None,
        description="Serve the interactive docs at /api/v1/docs (default: in development, not in production).",
    )
    # Who answers for the API: `info.contact` of the OpenAPI document (NL API Design Rules, /core/doc-openapi-contact).
    api_contact_name: str = Field(default="Gemeente Medemblik", min_length=1, description="Who runs the API.")
    api_contact_email: str = Field(
        default="info@medemblik.nl", pattern=r"^[^@\s]+@[^@\s]+$", description="Where to write about the API."
    )
    api_contact_url: str = Field(
        default="https://www.medemblik.nl", pattern=r"^https://\S+$", description="Where to read about the API."
    )

    # Authentication: development tokens, or (production) one OIDC issuer.
    jwt_dev_key_file: Path | None = Field(default=None, description="Development signing key; default data_dir.")
    oidc_issuer: str | None = None
    oidc_audience: str = "westland-ledger"
    oidc_jwks_url: str | None = None
    oidc_public_key_file: Path | None = None
    oidc_algorithms: tuple[str, ...] = ("RS256", "PS256", "ES256", "EdDSA")
    oidc_roles_claim: str = "roles"
    oidc_kvk_claim: str = "kvk"
    # eHerkenning (docs/roles.md): an employer handling other people's personal data signs in at EH3
    # ("substantieel") or above; checked only for tokens of the configured OIDC issuer.
    oidc_acr_claim: str = Field(default="acr", min_length=1, description="The claim naming the assurance level.")
    oidc_employer_acr_values: tuple[str, ...] = Field(
        default=EH3_OR_ABOVE,
        min_length=1,
        description="The assurance levels (`acr` values) accepted for the employer role: EH3 or above.",
    )
    oidc_represented_kvk_claim: str = Field(
        default="represented_kvk",
        min_length=1,
        description="The claim naming the company an intermediary acts for; its KvK number counts over `kvk`.",
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

    @field_validator("floor_area_norms_m2")
    @classmethod
    def _norms_of_known_kinds(cls, value: dict[str, dict[date, float]]) -> dict[str, dict[date, float]]:
        """Refuse a norm for a kind no location can have: a typo would leave the real kind without one."""
        unknown = sorted(set(value) - {kind.value for kind in HousingKind})
        if unknown:
            msg = f"no such kind of housing location: {', '.join(unknown)} (kinds: {', '.join(HousingKind)})"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _renamed_settings_are_refused(self) -> Settings:
        """A setting that was renamed is refused, not ignored: its value would silently stop counting."""
        for old, (new, shape) in RENAMED_SETTINGS.items():
            if any(name.upper() == old for name in os.environ):
                msg = f"{old} was renamed: set {new} instead, {shape}"
                raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _production_needs_explicit_keys(self) -> Settings:
        if self.env == "production" and self.keyring_file is None:
            msg = "LEDGER_KEYRING_FILE must be set in production: keys are never created implicitly there"
            raise ValueError(msg)
        if self.env == "production" and not (self.oidc_issuer and (self.oidc_jwks_url or self.oidc_public_key_file)):
            msg = "production needs LEDGER_OIDC_ISSUER and LEDGER_OIDC_JWKS_URL or LEDGER_OIDC_PUBLIC_KEY_FILE"
            raise ValueError(msg)
        if any(a.upper().startswith(("HS", "NONE")) for a in self.oidc_algorithms):
            msg = "LEDGER_OIDC_ALGORITHMS must be asymmetric: HMAC and 'none' are refused"
            raise ValueError(msg)
        return self

    @property
    def stale_periods(self) -> StalePeriods:
        """The periods of the stale-registration rule (`ledger.domain.staleness`)."""
        return StalePeriods(self.stale_registration_months, self.stale_retention_months)

    @property
    def jwt_dev_key_path(self) -> Path:
        """Where the development signing key lives."""
        return self.jwt_dev_key_file or self.data_dir / "jwt-dev-key.pem"

    @property
    def serves_api_docs(self) -> bool:
        """Whether the API serves its interactive docs (the OpenAPI document is always published)."""
        return self.api_docs if self.api_docs is not None else self.env == "development"

    @property
    def runs_projections_in_process(self) -> bool:
        """Whether `ledger serve` also runs the projections (the embedded default does)."""
        return self.api_run_projections if self.api_run_projections is not None else self.backend == "sqlite"

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

    @property
    def keyring_path(self) -> Path:
        """Where the keyring file is."""
        return self.keyring_file or self.data_dir / "keyring"

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
                "PERSISTENCE_MODULE": "ledger.sqlite_store:DurableSQLiteFactory",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": str(self.sqlite_lock_timeout_s),
            }
            return env
        url = self.url
        env |= {
            "PERSISTENCE_MODULE": "ledger.postgres_store:ChainedPostgresFactory",
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
            # Read by `ledger.postgres_store.ChainedPostgresFactory`, not by the library.
            SERVER_CONNECT_TIMEOUT_ENV: str(self.db_connect_timeout_s),
        }
        if statement_timeout_ms is not None:
            env[STATEMENT_TIMEOUT_ENV] = str(int(statement_timeout_ms))
        return env

    def prepare_data_dir(self) -> None:
        """Create the data directory for the embedded default (private to the owner)."""
        if self.backend == "sqlite":
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
