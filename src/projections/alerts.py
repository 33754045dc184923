"""Alerts read from the alerts view: those in force on a day, as known at an instant, a page at a time.

The view (`projections.alert_view`) keeps each alert over the days it holds,
as believed when (`alert_intervals`); a read selects the rows valid on `on`
and believed at `as_known_at`, exactly as occupancy reads the residence view
(docs/time.md), in order of kind and subject. Two parts are read on the day
asked, as the rules define them there (docs/alerts.md): a `since` kept empty
(the day asked), and the days housed in the 6 months before the day for
`no_brp_after_four_months`, counted from the residence view's stays believed
at the instant. A minor's alert holds until the 18th birthday, kept sealed:
it is opened with the page's keys (one lookup), and without keys, or once
the worker is shredded, no such alert is shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, Select, and_, or_, select

from ledger.crypto.keystore import KeyStore
from ledger.persistence.database import in_chunks, reading
from ledger.settings import Settings
from projections.alert_inputs import open_minor_until
from projections.alert_spans import Alert, AlertKind
from projections.alert_tables import alert_intervals, alert_workers
from projections.alert_view import check_settings
from projections.bitemporal import known_at, valid_on
from projections.brp_alerts import Stay, four_months_detail
from projections.residence import residence_history

# The key of a list's order, and of its cursor: (kind, subject).
AlertKey = tuple[AlertKind, UUID]


@dataclass(frozen=True)
class AlertQuery:
    """The day and instant asked about, and what the alerts are narrowed to (None: not narrowed)."""

    on: date
    as_known_at: datetime
    kind: AlertKind | None = None
    housing_location_id: UUID | None = None
    employer_id: UUID | None = None  # the worker's employer as known at the instant
    employed_now_by: UUID | None = None  # only about workers this employer employs now (an employer's own view)


def alert_page(
    engine: Engine,
    keys: KeyStore | None,
    settings: Settings,
    asked: AlertQuery,
    *,
    limit: int,
    after: AlertKey | None = None,
    before: AlertKey | None = None,
) -> list[Alert]:
    """Up to `limit` alerts after `after` in (kind, subject) order, in force on `asked.on` as known then.

    With `before` instead: the last `limit` alerts before it, still in that
    order (a previous page). `AlertsViewSettingsChanged` when the view was
    worked out under other settings than `settings` (the runner rebuilds it).
    """
    backwards = before is not None
    bound = before if backwards else after
    found: list[Alert] = []
    with reading(engine) as conn:
        check_settings(conn, settings)
        while len(found) < limit:
            rows = conn.execute(_statement(asked, bound, backwards=backwards).limit(limit)).all()
            found += _read(conn, keys, asked, rows)
            if len(rows) < limit:
                break
            # A minor's alert past the 18th birthday is left out after the rows are read: read on.
            bound = (AlertKind(rows[-1].kind), UUID(rows[-1].subject_id))
    return found[:limit][::-1] if backwards else found[:limit]


def alerts(
    engine: Engine,
    settings: Settings,
    *,
    today: date,
    kind: AlertKind | None = None,
    housing_location_id: UUID | None = None,
    employer_id: UUID | None = None,
    keys: KeyStore | None = None,
    as_known_at: datetime | None = None,
) -> list[Alert]:
    """Every alert in force `today` as known at `as_known_at` (default now), by kind, since and subject.

    Without `keys`, no `minor_in_housing` (its end is sealed).
    """
    asked = AlertQuery(today, as_known_at or datetime.now(UTC), kind, housing_location_id, employer_id)
    found: list[Alert] = []
    after: AlertKey | None = None
    while True:
        page = alert_page(engine, keys, settings, asked, limit=500, after=after)
        found += page
        if len(page) < 500:
            return sorted(found, key=lambda a: (a.kind.value, a.since, a.subject_id.hex))
        after = (page[-1].kind, page[-1].subject_id)


def in_force(asked: AlertQuery, *columns: Any) -> Select[Any]:
    """The rows of `alert_intervals` in force on `asked.on` as known at `asked.as_known_at`, narrowed as asked."""
    i = alert_intervals.c
    statement = (
        select(*columns).where(valid_on(alert_intervals, asked.on)).where(known_at(alert_intervals, asked.as_known_at))
    )
    if asked.kind is not None:
        statement = statement.where(i.kind == asked.kind.value)
    if asked.housing_location_id is not None:
        statement = statement.where(i.housing_location_id == asked.housing_location_id.hex)
    if asked.employer_id is not None:
        statement = statement.where(i.employer_id == asked.employer_id.hex)
    if asked.employed_now_by is not None:
        w = alert_workers.c
        now = select(w.worker_id).where(w.employer_id == asked.employed_now_by.hex)
        statement = statement.where(i.subject_id.in_(now))
    return statement


def _statement(asked: AlertQuery, bound: AlertKey | None, *, backwards: bool) -> Select[Any]:
    i = alert_intervals.c
    statement = in_force(asked, i.kind, i.subject_id, i.housing_location_id, i.employer_id, i.since, i.detail)
    if bound is not None:
        kind, subject = bound[0].value, bound[1].hex
        if backwards:
            statement = statement.where(or_(i.kind < kind, and_(i.kind == kind, i.subject_id < subject)))
        else:
            statement = statement.where(or_(i.kind > kind, and_(i.kind == kind, i.subject_id > subject)))
    if backwards:
        return statement.order_by(i.kind.desc(), i.subject_id.desc())
    return statement.order_by(i.kind, i.subject_id)


def _read(conn: Connection, keys: KeyStore | None, asked: AlertQuery, rows: Sequence[Any]) -> list[Alert]:
    """The rows as alerts on the day asked: minors past their 18th birthday left out, details counted."""
    minors = {r.subject_id for r in rows if r.kind == AlertKind.MINOR_IN_HOUSING.value}
    adult_on = minor_until(conn, keys, minors) if minors else {}
    counted = {r.subject_id for r in rows if r.detail is None}
    stays = _stays(conn, counted, asked.as_known_at) if counted else {}
    found = []
    for row in rows:
        minor = row.kind == AlertKind.MINOR_IN_HOUSING.value
        if minor and not asked.on < adult_on.get(row.subject_id, asked.on):
            continue  # 18 on the day asked, or its birthday is not to be opened
        found.append(
            Alert(
                AlertKind(row.kind),
                UUID(row.subject_id),
                asked.on if row.since is None else row.since,
                four_months_detail(stays[row.subject_id], asked.on) if row.detail is None else row.detail,
                housing_location_id=None if row.housing_location_id is None else UUID(row.housing_location_id),
                employer_id=None if row.employer_id is None else UUID(row.employer_id),
            )
        )
    return found


def minor_until(conn: Connection, keys: KeyStore | None, workers: set[str]) -> dict[str, date]:
    """The 18th birthdays of these workers, opened with one key lookup; none without keys or once shredded."""
    if keys is None:
        return {}
    w = alert_workers.c
    sealed = {}
    for chunk in in_chunks(sorted(workers)):
        for worker, token in conn.execute(select(w.worker_id, w.sealed_minor_until).where(w.worker_id.in_(chunk))):
            if token is not None:
                sealed[worker] = token
    data_keys = keys.data_keys(UUID(worker) for worker in sealed)
    return {
        worker: open_minor_until(data_keys[UUID(worker)], worker, token)
        for worker, token in sealed.items()
        if UUID(worker) in data_keys
    }


def _stays(conn: Connection, workers: set[str], as_known_at: datetime) -> dict[str, list[Stay]]:
    """These workers' stays as believed at the instant (the residence view's)."""
    h = residence_history.c
    found: dict[str, list[Stay]] = defaultdict(list)
    for chunk in in_chunks(sorted(workers)):
        statement = (
            select(h.worker_id, h.housing_location_id, h.valid_from, h.valid_to)
            .where(h.worker_id.in_(chunk))
            .where(known_at(residence_history, as_known_at))
        )
        for row in conn.execute(statement):
            found[row.worker_id].append((row.housing_location_id, row.valid_from, row.valid_to))
    return found
