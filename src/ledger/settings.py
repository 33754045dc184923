"""The one typed settings object, read from `LEDGER_*` environment variables.

It is the composition root's only source of configuration. The databases'
settings are its base class's (`ledger.persistence.database_settings`: the
URLs, timeouts and pools, and the event store's environment); here are the
keys, the calendar, the rules' thresholds, the API's and the identity
provider's, and the refusal of development conveniences in production.
Reading settings connects to nothing.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

from pydantic import Field, PositiveFloat, SecretStr, field_validator, model_validator

from ledger.domain.floor_area_norms import DEFAULT_FLOOR_AREA_NORMS_M2
from ledger.domain.staleness import StalePeriods
from ledger.domain.values import HousingKind
from ledger.persistence.database_settings import DatabaseSettings

# Environment variables that were renamed: refused, naming the new one and its shape (CHANGELOG.md).
RENAMED_SETTINGS = {
    "LEDGER_ALERT_FLOOR_AREA_NORMS_M2": (
        "LEDGER_FLOOR_AREA_NORMS_M2",
        'a norm per kind of location, e.g. {"dwelling": {"1900-01-01": 12}, "caravan_site": {"1900-01-01": 6}}',
    ),
}

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


class Settings(DatabaseSettings):
    """Configuration of a ledger process (`LEDGER_` prefix)."""

    keyring_file: Path | None = Field(
        default=None,
        description="Key-encryption keys (0600). Default data_dir/keyring, created on first use in development.",
    )
    timezone: str = Field(default="Europe/Amsterdam", description="Calendar dates are dates in this zone.")

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

    # The staff pages (docs/web.md): their session cookie, encrypted and signed with a key derived from the secret.
    web_session_secret: SecretStr | None = Field(
        default=None,
        description="Secret of the pages' session cookie (at least 32 characters); required in production. "
        "In development a key of its own is kept under the data dir.",
    )
    web_session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="A session not used this long ends (the person signs in again)."
    )
    web_session_absolute_hours: int = Field(
        default=10, ge=1, le=7 * 24, description="A session ends this long after sign-in, however much it is used."
    )
    web_refresh_seconds: int = Field(
        default=10,
        ge=1,
        le=3600,
        description="How often an open page asks whether its live figures changed (the overview's, a location's, "
        "the inbox's counts).",
    )
    web_figures_behind_seconds: int = Field(
        default=120,
        ge=0,
        le=3600,
        description="After new events, the overview and the inbox's counts may show figures counted at most this "
        "long ago while newer ones are counted in the background (0: a page counts before it answers).",
    )
    web_secure_cookies: bool | None = Field(
        default=None, description="Mark the pages' cookies Secure (HTTPS only); default: in production."
    )
    # The pages' OpenID Connect sign-in at `oidc_issuer` (docs/web.md § Sessions and signing in).
    oidc_client_id: str | None = Field(default=None, min_length=1, description="The pages' client id at the issuer.")
    oidc_client_secret: SecretStr | None = Field(default=None, description="The pages' client secret at the issuer.")
    web_public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="The address people reach the pages at (behind a TLS proxy the process sees plain http): "
        "the redirect URIs are made from it.",
    )
    web_post_logout_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="Where the identity provider sends a person after signing out; default the pages' /afgemeld.",
    )

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
        if self.env == "production" and self.web_session_secret is None:
            msg = "production needs LEDGER_WEB_SESSION_SECRET: the pages' session key is never made implicitly there"
            raise ValueError(msg)
        if self.web_session_secret is not None and len(self.web_session_secret.get_secret_value()) < 32:
            msg = "LEDGER_WEB_SESSION_SECRET must be at least 32 characters (a random string)"
            raise ValueError(msg)
        self._sign_in_is_whole()
        if any(a.upper().startswith(("HS", "NONE")) for a in self.oidc_algorithms):
            msg = "LEDGER_OIDC_ALGORITHMS must be asymmetric: HMAC and 'none' are refused"
            raise ValueError(msg)
        return self

    def _sign_in_is_whole(self) -> None:
        """Refuse a half-configured sign-in: the pages could sign nobody in, or a setting would be ignored."""
        client = {
            "LEDGER_OIDC_CLIENT_ID": self.oidc_client_id,
            "LEDGER_OIDC_CLIENT_SECRET": self.oidc_client_secret,
            "LEDGER_WEB_PUBLIC_URL": self.web_public_url,
        }
        if self.oidc_issuer is None:
            given = [name for name, value in client.items() if value is not None]
            if self.web_post_logout_url is not None:
                given.append("LEDGER_WEB_POST_LOGOUT_URL")
            if given:
                msg = f"{', '.join(given)} without LEDGER_OIDC_ISSUER: set the issuer too, or leave them out"
                raise ValueError(msg)
            return
        missing = [name for name, value in client.items() if value is None]
        if missing:
            msg = f"LEDGER_OIDC_ISSUER needs {', '.join(missing)} too: the staff pages sign in there"
            raise ValueError(msg)
        # Behind a TLS proxy the process sees http; the address people use must be https in production.
        if self.env == "production" and not str(self.web_public_url).startswith("https://"):
            msg = "LEDGER_WEB_PUBLIC_URL must be an https:// address in production"
            raise ValueError(msg)

    @property
    def web_public_base(self) -> str:
        """The public base URL without a trailing slash (only with an issuer)."""
        return str(self.web_public_url).rstrip("/")

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
    def secure_cookies(self) -> bool:
        """Whether the pages' cookies are sent over HTTPS only (in production, unless set)."""
        return self.web_secure_cookies if self.web_secure_cookies is not None else self.env == "production"

    @property
    def web_session_key_path(self) -> Path:
        """Where development keeps the pages' session key when no secret is set."""
        return self.data_dir / "web-session.key"

    @property
    def keyring_path(self) -> Path:
        """Where the keyring file is."""
        return self.keyring_file or self.data_dir / "keyring"
