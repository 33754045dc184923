"""A page of housing locations' open alerts, read from the alerts view (issue 18, "Speed").

The alerts about a location (`over_capacity`, `limit_not_assessed`,
`floor_area_below_norm`) are kept by the alerts view as intervals of days, as
believed when (`projections.alert_view`, docs/alerts.md): those in force on
`on` as known at `as_known_at` are one indexed read for the whole page, where
working them out with the rules took each location's whole history.

The view answers only when it can answer what the rules would: when it was
worked out under the reader's settings (the norms move where an alert begins)
and has processed at least the events the residence view has, which the
page's headcount and limits come from. Otherwise — while it is rebuilt after
a settings change, or while it is behind — `open_alerts` says so (None) and
the caller works the alerts out with the rules as before, so the answer's
contract stays the same (no 503 for a location, unlike `GET /alerts`).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Date,
    Select,
    String,
    and_,
    any_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql

from ledger.persistence.database import UTCDateTime, in_chunks
from ledger.settings import Settings
from projections.alert_spans import LOCATION_KINDS, Alert, AlertKind
from projections.alert_tables import alert_intervals, alert_locations, alert_settings
from projections.alert_view import NAME as ALERTS
from projections.alert_view import fingerprint
from projections.bitemporal import known_at
from projections.directory import directory_locations
from projections.ids import uuid_of
from projections.residence import ResidenceView
from projections.tracking import projection_tracking

# The order the rules give a location's alerts in (`projections.location_alert_rules.location_spans`).
_ORDER = {AlertKind.OVER_CAPACITY: 0, AlertKind.LIMIT_NOT_ASSESSED: 1, AlertKind.FLOOR_AREA_BELOW_NORM: 2}


@functools.cache
def _readiness() -> Select[Any]:
    """The view's settings and both views' positions, in one statement (one round trip)."""
    t = projection_tracking.c

    def position(view: str) -> Any:
        return select(func.max(t.notification_id)).where(t.view_name == view).scalar_subquery()

    built = select(alert_settings.c.fingerprint).where(alert_settings.c.view_name == ALERTS).scalar_subquery()
    return select(built.label("built"), position(ALERTS).label("alerts"), position(ResidenceView.name).label("stays"))


@functools.cache
def _in_force(dialect: str) -> Select[Any]:
    """The location alerts of the page's `ids` in force on `on` as known at `at`, built once per dialect.

    On PostgreSQL the ids are one array parameter, as in `projections.location_records`.
    """
    i = alert_intervals.c
    ids: BindParameter[Any]
    if dialect == "postgresql":
        ids = bindparam("ids", type_=postgresql.ARRAY(String))
        among = i.subject_id == any_(ids)
    else:
        ids = bindparam("ids", expanding=True)
        among = i.subject_id.in_(ids)
    on, at = bindparam("on", type_=Date), bindparam("at", type_=UTCDateTime)
    return select(i.subject_id, i.kind, i.since, i.detail, i.housing_location_id).where(
        among,
        i.kind.in_(sorted(kind.value for kind in LOCATION_KINDS)),
        i.valid_from <= on,
        or_(i.valid_to.is_(None), i.valid_to > on),
        known_at(alert_intervals, at),
    )


def view_ready(conn: Connection, settings: Settings) -> bool:
    """Whether the alerts view answers for `settings` and has seen at least what the residence view has."""
    built, alerts, stays = conn.execute(_readiness()).one()
    if built is None or built != _fingerprint(settings):
        return False
    return stays is None or (alerts is not None and alerts >= stays)


def open_alerts(
    conn: Connection,
    ids: Sequence[str],
    on: date,
    as_known_at: datetime,
    settings: Settings,
    *,
    ready: bool | None = None,
) -> dict[str, tuple[Alert, ...]] | None:
    """Each location's alerts in force on `on` as known at `as_known_at`, in the rules' order; None: ask the rules.

    `ready`: what `view_ready` said in the same read (None: ask it here).
    """
    if not (view_ready(conn, settings) if ready is None else ready):
        return None
    found: defaultdict[str, list[Alert]] = defaultdict(list)
    statement = _in_force(conn.dialect.name)
    for chunk in in_chunks(list(ids)):
        for row in conn.execute(statement, {"ids": chunk, "on": on, "at": as_known_at}):
            # `since` empty is the day asked (docs/alerts.md); a location's alert names no employer.
            since = on if row.since is None else row.since
            where = None if row.housing_location_id is None else uuid_of(row.housing_location_id)
            alert = Alert(AlertKind(row.kind), uuid_of(row.subject_id), since, row.detail, housing_location_id=where)
            found[row.subject_id].append(alert)
    return {subject: tuple(sorted(alerts, key=lambda a: _ORDER[a.kind])) for subject, alerts in found.items()}


def over_capacity_in_view(over: bool, on: date, as_known_at: datetime) -> ColumnElement[bool]:
    """Whether a `directory_locations` row is over capacity (`over`) or not on `on` as known at `as_known_at`.

    From the view (when `view_ready`): over capacity is an `over_capacity`
    alert in force; not over, a location the view knew then with neither that
    alert nor `limit_not_assessed` (a maximum unknown is neither, as in
    `projections.capacity_filter`, which tests the same from the residence
    view's rows: a dozen index lookups a location where this is one).
    """
    i, d = alert_intervals.c, directory_locations.c

    def in_force(*kinds: AlertKind) -> ColumnElement[bool]:
        return (
            select(i.subject_id)
            .where(i.subject_id == d.housing_location_id, i.kind.in_([kind.value for kind in kinds]))
            .where(
                i.valid_from <= on, or_(i.valid_to.is_(None), i.valid_to > on), known_at(alert_intervals, as_known_at)
            )
            .exists()
        )

    if over:
        return in_force(AlertKind.OVER_CAPACITY)
    known = (
        select(alert_locations.c.housing_location_id)
        .where(alert_locations.c.housing_location_id == d.housing_location_id)
        .where(alert_locations.c.registered_at <= as_known_at)
        .exists()
    )
    return and_(known, ~in_force(AlertKind.OVER_CAPACITY, AlertKind.LIMIT_NOT_ASSESSED))


def _fingerprint(settings: Settings) -> str:
    # 0.2 ms a call, a tenth of a page: a process asks with the same few settings objects again and again
    # (not hashable, so by identity; the object is kept beside its fingerprint so that its id is not reused).
    cached = _FINGERPRINTS.get(id(settings))
    if cached is None or cached[0] is not settings:
        if len(_FINGERPRINTS) >= 8:
            _FINGERPRINTS.clear()
        cached = _FINGERPRINTS[id(settings)] = (settings, fingerprint(settings))
    return cached[1]


_FINGERPRINTS: dict[int, tuple[Settings, str]] = {}
