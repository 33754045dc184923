"""The alerts in force on a day as known at an instant, summed up without reading each one (docs/web.md).

What the alerts inbox's employer filter offers (the employers named by alerts
in force) with its counts by kind, and the overview's open alerts by kind,
are grouped queries over `alert_intervals`, with the same selection as `GET /alerts`
(`projections.alerts.in_force`), so they agree with its answer for the same
moment without a second read of every alert. One kind is not decided by its
rows alone: a minor's alert holds until the 18th birthday, kept sealed, so
its rows (a few) are read and opened as `GET /alerts` opens them, and only
those still minors on the day count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, func

from ledger.crypto.keystore import KeyStore
from ledger.persistence.database import reading
from ledger.settings import Settings
from projections.alert_spans import AlertKind
from projections.alert_tables import alert_intervals
from projections.alert_view import check_settings
from projections.alerts import AlertQuery, in_force, minor_until

_MINOR = AlertKind.MINOR_IN_HOUSING.value


@dataclass(frozen=True)
class AlertTally:
    """The alerts in force counted by kind and by the employer they name (None: a location's, or no employer)."""

    counts: Mapping[tuple[str, UUID | None], int]

    @property
    def employers(self) -> frozenset[UUID]:
        """The employers the alerts name (an alert names at most one)."""
        return frozenset(employer for _kind, employer in self.counts if employer is not None)

    def by_kind(self, employer_id: UUID | None = None) -> dict[str, int]:
        """How many alerts of each kind, all of them or those naming `employer_id` (kinds without any left out)."""
        found: Counter[str] = Counter()
        for (kind, employer), count in self.counts.items():
            if employer_id is None or employer == employer_id:
                found[kind] += count
        return {kind: count for kind, count in sorted(found.items()) if count}


def alert_tally(engine: Engine, keys: KeyStore | None, settings: Settings, asked: AlertQuery) -> AlertTally:
    """The alerts `GET /alerts` answers for `asked`, counted by kind and employer: one grouped query.

    What the inbox needs when no location is chosen — the employers to offer
    and the counts by kind, of every alert or of one employer's — from a
    single reading of the alerts in force.
    """
    i = alert_intervals.c
    statement = (
        in_force(asked, i.kind, i.employer_id, func.count().label("alerts"))
        .where(i.kind != _MINOR)
        .group_by(i.kind, i.employer_id)
    )
    with reading(engine) as conn:
        check_settings(conn, settings)
        counts: Counter[tuple[str, UUID | None]] = Counter()
        for row in conn.execute(statement):
            counts[row.kind, _uuid(row.employer_id)] += int(row.alerts)
        for minor in _minors(conn, keys, asked):
            counts[_MINOR, _uuid(minor.employer_id)] += 1
    return AlertTally(counts)


def _uuid(hex_id: str | None) -> UUID | None:
    return None if hex_id is None else UUID(hex_id)


def alert_counts(engine: Engine, keys: KeyStore | None, settings: Settings, asked: AlertQuery) -> dict[str, int]:
    """How many alerts of each kind `GET /alerts` answers for `asked` (kinds without any left out)."""
    i = alert_intervals.c
    statement = in_force(asked, i.kind, func.count().label("alerts")).where(i.kind != _MINOR).group_by(i.kind)
    with reading(engine) as conn:
        check_settings(conn, settings)
        counts = Counter({row.kind: int(row.alerts) for row in conn.execute(statement)})
        counts[_MINOR] += len(_minors(conn, keys, asked))
    return {kind: count for kind, count in sorted(counts.items()) if count}


def _minors(conn: Connection, keys: KeyStore | None, asked: AlertQuery) -> list[Any]:
    """The minors' alert rows in force that still hold on the day (their 18th birthday opened, as `GET /alerts`)."""
    i = alert_intervals.c
    statement = in_force(asked, i.subject_id, i.housing_location_id, i.employer_id).where(i.kind == _MINOR)
    rows = conn.execute(statement).all()
    adult_on = minor_until(conn, keys, {row.subject_id for row in rows}) if rows else {}
    return [row for row in rows if row.subject_id in adult_on and asked.on < adult_on[row.subject_id]]
