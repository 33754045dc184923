"""Alerts: the automatic warnings the municipality asked for, evaluated when asked.

The facts come from the views as currently believed: the locations' and the
workers' stays from the residence view, the employment facts from the alerts'
facts view (`projections.alert_facts`), living outside and (opened) birth
dates from the register; the rules are pure functions
(`projections.alert_rules`, `projections.brp_alerts`). Thresholds are
settings; `docs/alerts.md` says where each rule comes from.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select

from ledger.crypto.keystore import KeyStore
from ledger.persistence.database import reading
from ledger.settings import Settings
from projections.alert_facts import alert_workers
from projections.alert_rules import (
    Alert,
    AlertKind,
    AlertTerms,
    WorkerFacts,
    location_alerts,
    minor_alert,
    stay_on,
    worker_alerts,
)
from projections.brp_alerts import BrpFacts, Stay
from projections.occupancy import location_history, read_facts
from projections.register_queries import lived_outside, opened_birth_dates
from projections.residence import location_facts, residence_history


def alerts(
    engine: Engine,
    settings: Settings,
    *,
    today: date,
    kind: AlertKind | None = None,
    housing_location_id: UUID | None = None,
    employer_id: UUID | None = None,
    keys: KeyStore | None = None,
) -> list[Alert]:
    """Every alert in force today (as known now), optionally filtered.

    `minor_in_housing` needs the workers' birth dates, which are personal data
    sealed in the register view: they are opened with `keys`, for the workers
    housed today only; without `keys` that kind is not evaluated.
    """
    now = datetime.now(UTC)
    with reading(engine) as conn:
        found = [*_location_alerts(conn, settings, today, now), *_worker_alerts(conn, settings, today)]
        if keys is not None and kind in (None, AlertKind.MINOR_IN_HOUSING):
            found += _minor_alerts(conn, keys, today)
    return sorted(
        (
            a
            for a in found
            if (kind is None or a.kind == kind)
            and (housing_location_id is None or a.housing_location_id == housing_location_id)
            and (employer_id is None or a.employer_id == employer_id)
        ),
        key=lambda a: (a.kind.value, a.since, a.subject_id.hex),
    )


def _location_alerts(conn: Connection, settings: Settings, today: date, now: datetime) -> list[Alert]:
    found = []
    zone = ZoneInfo(settings.timezone)
    for row in conn.execute(select(location_facts)):
        location, facts = UUID(row.housing_location_id), read_facts(row)
        history = location_history(conn, location, now, settings.floor_area_norms_m2, facts)
        if history is not None:
            registered_on = facts.registered_at.astimezone(zone).date()
            found += location_alerts(location, history, today, registered_on=registered_on)
    return found


def _believed_stays(conn: Connection) -> dict[str, list[Stay]]:
    """Every worker's stays as currently believed, by worker (hex id)."""
    stays: dict[str, list[Stay]] = defaultdict(list)
    for row in conn.execute(
        select(
            residence_history.c.worker_id,
            residence_history.c.housing_location_id,
            residence_history.c.valid_from,
            residence_history.c.valid_to,
        ).where(residence_history.c.recorded_to.is_(None))
    ):
        stays[row.worker_id].append((row.housing_location_id, row.valid_from, row.valid_to))
    return stays


def _worker_alerts(conn: Connection, settings: Settings, today: date) -> list[Alert]:
    stays = _believed_stays(conn)
    outside = lived_outside(conn)  # the register's: living elsewhere is no stay here
    terms = AlertTerms.of(settings)
    found: list[Alert] = []
    for row in conn.execute(select(alert_workers)):
        facts = WorkerFacts(
            worker_id=UUID(row.worker_id),
            employer_id=UUID(row.employer_id),
            employment_start=row.employment_start,
            expected_end_date=row.expected_end_date,
            contract_end=row.contract_end,
            departed_on=row.departed_on,
            brp=BrpFacts(
                brp_registered_on=row.brp_registered_on,
                expected_end_date=row.expected_end_date,
                brp_bag_id=row.brp_bag_id,
                brp_address_since=row.brp_address_since,
                deregistered_on=row.deregistered_on,
                temporary_protection_from=row.temporary_protection_from,
            ),
            confirmed_on=row.confirmed_on,
        )
        found += worker_alerts(facts, stays.get(row.worker_id, []), today, terms, outside.get(row.worker_id, []))
    return found


def _minor_alerts(conn: Connection, keys: KeyStore, today: date) -> list[Alert]:
    # Birth dates are opened for the workers housed today only.
    housed = {w: s for w, s in _believed_stays(conn).items() if stay_on(s, today) is not None}
    employers = {
        row.worker_id: UUID(row.employer_id)
        for row in conn.execute(select(alert_workers.c.worker_id, alert_workers.c.employer_id))
        if row.worker_id in housed
    }
    found = []
    for worker, born in opened_birth_dates(conn, keys, housed).items():
        if worker in employers:
            alert = minor_alert(UUID(worker), born, housed[worker], today, employers[worker])
            if alert is not None:
                found.append(alert)
    return found
