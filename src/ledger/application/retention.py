"""Retention policies and due dates: when a subject's personal data must be shredded.

Policies come from a TOML file (defaults shipped beside this module, override
with `LEDGER_RETENTION_FILE`): each names the data it covers, the event that
starts its clock and the period. The due-date functions are pure: the job that
finds due subjects reads the facts from the read models and calls them, so a
changed policy applies at once to every subject.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import isodate

from ledger.domain.timeline import months_after
from ledger.domain.values import SanctionKind

DEFAULT_POLICY_FILE = Path(__file__).with_name("retention.toml")

REGISTRATION = "worker_registration"
INSPECTION = "inspection_notes"
SANCTION_FINE = "sanction_fine"
SANCTION_ENFORCEMENT = "sanction_enforcement"
PROCESSING_LOG = "processing_log"
ERASURE_NOTE = "erasure_note"
REQUIRED = (REGISTRATION, INSPECTION, SANCTION_FINE, SANCTION_ENFORCEMENT, PROCESSING_LOG, ERASURE_NOTE)


class RetentionConfigError(ValueError):
    """The retention file is missing a policy or has a malformed period."""


@dataclass(frozen=True)
class Period:
    """Years, months and days, added calendar-wise (31 Jan + 1 month = end of February)."""

    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        """An ISO 8601 duration of whole years, months and days, like `P1Y`, `P18M`, `P1Y6M10D` (read by isodate).

        Weeks, a time of day, fractions and signs are refused: a policy counts calendar days, months and years.
        """
        written = text.strip()
        msg = f"not a period of years, months and days: {text!r}"
        try:
            parsed = isodate.parse_duration(written)
        except (isodate.ISO8601Error, ValueError, ArithmeticError):
            raise RetentionConfigError(msg) from None
        if isinstance(parsed, isodate.Duration):
            years, months, rest = parsed.years, parsed.months, parsed.tdelta
        else:
            years, months, rest = 0, 0, parsed
        whole = all(part == int(part) and part >= 0 for part in (years, months, rest.days))
        if not whole or rest.seconds or rest.microseconds or any(unit in written.upper() for unit in "WT"):
            raise RetentionConfigError(msg)
        return cls(int(years), int(months), rest.days)

    def after(self, day: date) -> date:
        """The day this period after `day`."""
        return months_after(day, self.months + 12 * self.years) + timedelta(days=self.days)

    def before(self, day: date) -> date:
        """The day this period before `day` (what is older than it has run out)."""
        return months_after(day - timedelta(days=self.days), -(self.months + 12 * self.years))


@dataclass(frozen=True)
class RetentionPolicy:
    """One policy: what it covers, what starts its clock, how long, and why."""

    name: str
    covers: str
    clock: str
    period: Period
    source: str


@dataclass(frozen=True)
class RetentionPolicies:
    """The policies in force."""

    by_name: dict[str, RetentionPolicy]

    def __getitem__(self, name: str) -> RetentionPolicy:
        return self.by_name[name]


def load_policies(path: Path | None = None) -> RetentionPolicies:
    """Read the policies from `path` (default: the shipped file)."""
    source = path or DEFAULT_POLICY_FILE
    try:
        raw = tomllib.loads(source.read_text())["policies"]
        policies = {
            name: RetentionPolicy(
                name, str(p["covers"]), str(p["clock"]), Period.parse(str(p["period"])), str(p["source"])
            )
            for name, p in raw.items()
        }
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as e:
        msg = f"retention file {source} is not valid: {e}"
        raise RetentionConfigError(msg) from e
    missing = [name for name in REQUIRED if name not in policies]
    if missing:
        msg = f"retention file {source} lacks the policies {', '.join(missing)}"
        raise RetentionConfigError(msg)
    return RetentionPolicies(policies)


def registration_end(
    *, contract_end: date | None, departed_on: date | None, last_housing_end: date | None, housed_now: bool
) -> date | None:
    """When a worker's registration ended: None while it has not.

    The later of contract end and departure, or the last housing end; a worker
    still housed here (and not departed) has not ended, whatever the contract says.
    """
    if housed_now and departed_on is None:
        return None
    ends = [d for d in (contract_end, departed_on, last_housing_end) if d is not None]
    if contract_end is None and departed_on is None:
        return last_housing_end
    return max(ends)


def registration_due_on(policies: RetentionPolicies, ended_on: date | None) -> date | None:
    """The day a worker's personal data is due for shredding (None: not yet known)."""
    return None if ended_on is None else policies[REGISTRATION].period.after(ended_on)


def inspection_due_on(
    policies: RetentionPolicies, inspected_on: date, sanctions: list[tuple[str, date]]
) -> tuple[date, str]:
    """When an inspection's notes are due, and under which policy (the longest clock wins).

    A warning starts no clock of its own: it is no sanction under the Awb
    (art. 5:2: a sanction imposes an obligation or withholds an entitlement,
    to remedy or to punish; a warning does neither), so an inspection followed
    only by warnings keeps the supervision period (docs/retention.md).
    """
    candidates = [(policies[INSPECTION].period.after(inspected_on), INSPECTION)]
    for kind, imposed_on in sanctions:
        if kind == SanctionKind.WARNING:
            continue
        name = SANCTION_FINE if kind == SanctionKind.ADMINISTRATIVE_FINE else SANCTION_ENFORCEMENT
        candidates.append((policies[name].period.after(imposed_on), name))
    return max(candidates)


def erasure_note_due_on(policies: RetentionPolicies, written_on: date) -> date:
    """The day an erasure's note is due for shredding: its own period after the erasure."""
    return policies[ERASURE_NOTE].period.after(written_on)
