"""Events as JSON documents, for auditors and for a person's right of access.

Each stored event becomes `{position, recordedAt, aggregateId, version, type,
data, shredded, shreddedFields}`: `data` holds the event's fields (lowerCamelCase, dates as
`YYYY-MM-DD`, instants in UTC), with personal fields opened — or `null`, with
`shredded: true` and the fields named in `shreddedFields`, where the subject's
key is gone. `position` is the event's notification id, its place in the log
and in the audit chain; `event_positions` reads those of one aggregate's
events (the library hands an aggregate's events out without them).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from enum import Enum
from functools import singledispatch
from typing import Any
from uuid import UUID

from pydantic.alias_generators import to_camel
from sqlalchemy import Engine, text

from ledger.domain.values import SHREDDED, Address

# Fields every event has; they are given at the top level, not in `data`.
_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def event_type(event: Any) -> str:
    """`Worker.Registered`: the aggregate and the event, as the domain names them."""
    return type(event).__qualname__


def event_document(event: Any, position: int | None = None) -> dict[str, Any]:
    """One event as a JSON-able document."""
    data: dict[str, Any] = {}
    shredded: list[str] = []
    for name, value in vars(event).items():
        if name in _ENVELOPE:
            continue
        if value is SHREDDED:
            shredded.append(to_camel(name))
        data[to_camel(name)] = None if value is SHREDDED else jsonable(value)
    recorded: datetime = event.timestamp
    return {
        "position": position,
        "recordedAt": recorded.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "aggregateId": str(event.originator_id),
        "version": event.originator_version,
        "type": event_type(event),
        "data": data,
        "shredded": bool(shredded),
        "shreddedFields": shredded,
    }


def event_positions(engine: Engine, recorder: object, aggregate_id: UUID) -> dict[int, int]:
    """The positions of an aggregate's stored events, by version (`engine`: the ledger's database)."""
    table = str(getattr(recorder, "events_table_name", "stored_events"))
    # The recorders' own columns: SQLite numbers events by rowid and keeps ids as hex; PostgreSQL has
    # a notification_id column and a uuid type.
    if engine.dialect.name == "sqlite":
        statement = f"SELECT rowid, originator_version FROM {table} WHERE originator_id = :id"  # noqa: S608
        key: object = aggregate_id.hex
    else:
        statement = f"SELECT notification_id, originator_version FROM {table} WHERE originator_id = :id"  # noqa: S608
        key = aggregate_id
    with engine.connect() as conn:
        rows = conn.execute(text(statement), {"id": key}).all()
    return {int(version): int(position) for position, version in rows}


@singledispatch
def jsonable(value: Any) -> Any:
    """A value of an event field as JSON."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


@jsonable.register
def _text(value: str) -> str:
    return value.value if isinstance(value, Enum) else value


@jsonable.register
def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@jsonable.register
def _day(value: date) -> str:
    return value.isoformat()


@jsonable.register
def _address(value: Address) -> dict[str, Any]:
    return {to_camel(k): v for k, v in dataclasses.asdict(value).items()}


@jsonable.register(list)
@jsonable.register(tuple)
def _sequence(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [jsonable(v) for v in value]


@jsonable.register
def _mapping(value: dict) -> dict[str, Any]:  # type: ignore[type-arg]
    return {str(k): jsonable(v) for k, v in value.items()}
