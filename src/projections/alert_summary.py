"""The alerts in force on a day as known at an instant, summed up without reading each one (docs/web.md).

What the alerts inbox's filters offer — the locations and the employers that
have alerts in force — and the overview's open alerts by kind are grouped
queries over `alert_intervals`, with the same selection as `GET /alerts`
(`projections.alerts.in_force`), so they agree with its answer for the same
moment without a second read of every alert. One kind is not decided by its
rows alone: a minor's alert holds until the 18th birthday, kept sealed, so
its rows (a few) are read and opened as `GET /alerts` opens them, and only
those still minors on the day count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, Engine, func, literal_column, union_all

from ledger.crypto.keystore import KeyStore
from ledger.persistence.database import reading
from ledger.settings import Settings
from projections.alert_spans import AlertKind
from projections.alert_tables import alert_intervals
from projections.alert_view import check_settings
from projections.alerts import AlertQuery, in_force, minor_until

_MINOR = AlertKind.MINOR_IN_HOUSING.value


@dataclass(frozen=True)
class AlertChoices:
    """The locations and the employers that alerts in force are about (an alert names at most one of each)."""

    locations: frozenset[UUID]
    employers: frozenset[UUID]


def alert_choices(engine: Engine, keys: KeyStore | None, settings: Settings, asked: AlertQuery) -> AlertChoices:
    """The locations and employers named by the alerts `GET /alerts` answers for `asked`: one grouped query."""
    i = alert_intervals.c
    others = i.kind != _MINOR
    by_location = (
        in_force(asked, literal_column("'location'").label("what"), i.housing_location_id.label("id"))
        .where(others, i.housing_location_id.is_not(None))
        .group_by(_straight(engine, i.housing_location_id))
    )
    by_employer = (
        in_force(asked, literal_column("'employer'").label("what"), i.employer_id.label("id"))
        .where(others, i.employer_id.is_not(None))
        .group_by(_straight(engine, i.employer_id))
    )
    with reading(engine) as conn:
        check_settings(conn, settings)
        rows = [(row.what, row.id) for row in conn.execute(union_all(by_location, by_employer))]
        minors = _minors(conn, keys, asked)
    rows += [("location", row.housing_location_id) for row in minors if row.housing_location_id is not None]
    rows += [("employer", row.employer_id) for row in minors if row.employer_id is not None]
    return AlertChoices(
        locations=frozenset(UUID(found) for what, found in rows if what == "location"),
        employers=frozenset(UUID(found) for what, found in rows if what == "employer"),
    )


def alert_counts(engine: Engine, keys: KeyStore | None, settings: Settings, asked: AlertQuery) -> dict[str, int]:
    """How many alerts of each kind `GET /alerts` answers for `asked` (kinds without any left out)."""
    i = alert_intervals.c
    statement = (
        in_force(asked, i.kind, func.count().label("alerts"))
        .where(i.kind != _MINOR)
        .group_by(_straight(engine, i.kind))
    )
    with reading(engine) as conn:
        check_settings(conn, settings)
        counts = Counter({row.kind: int(row.alerts) for row in conn.execute(statement)})
        counts[_MINOR] += len(_minors(conn, keys, asked))
    return {kind: count for kind, count in sorted(counts.items()) if count}


def _straight(engine: Engine, column: ColumnElement[str]) -> ColumnElement[str]:
    """What to group `column` by so that SQLite reads the table straight (the column itself elsewhere).

    Grouped by a bare indexed column, SQLite walks that column's index and
    looks every row up in the table: for the kinds three times, for the
    filters' locations and employers twice the work of reading the table once
    and grouping in a temporary tree. By an expression of it, it reads the
    table; the rows still carry the column's own value.
    """
    return column.concat("") if engine.dialect.name == "sqlite" else column


def _minors(conn: Connection, keys: KeyStore | None, asked: AlertQuery) -> list[Any]:
    """The minors' alert rows in force that still hold on the day (their 18th birthday opened, as `GET /alerts`)."""
    i = alert_intervals.c
    statement = in_force(asked, i.subject_id, i.housing_location_id, i.employer_id).where(i.kind == _MINOR)
    rows = conn.execute(statement).all()
    adult_on = minor_until(conn, keys, {row.subject_id for row in rows}) if rows else {}
    return [row for row in rows if row.subject_id in adult_on and asked.on < adult_on[row.subject_id]]
