"""Employers read back (issue 18): a list filtered by name or KvK number, one employer, its workers and homes.

The employer itself comes from the directory view; its workers' counts from
the worker register (their status on the day asked, as the register currently
believes it: the register keeps the current belief, docs/time.md), summed
from what it keeps per employer and day (`projections.employer_counts`); the
locations that house its workers from the residence view's bitemporal rows,
on `on` as known at `as_known_at`, with their addresses in the same query. A
page is three queries whatever its size and however many locations house an
employer's workers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import BindParameter, Date, Engine, Select, and_, bindparam, select, union

from ledger.persistence.database import UTCDateTime, in_chunks, reading
from projections.bitemporal import known_at, valid_on
from projections.directory import directory_employers, directory_locations, folded
from projections.employer_counts import employer_counts
from projections.ids import uuid_of
from projections.labels import address_line
from projections.residence import employment_history, residence_history


@dataclass(frozen=True)
class HousingLabel:
    """A housing location and its address on one line."""

    id: UUID
    label: str | None


@dataclass(frozen=True)
class EmployerRecord:
    """An employer as registered, with its workers' counts and the locations housing them."""

    id: UUID
    kvk_number: str
    name: str
    registered_at: datetime
    active_workers: int
    total_workers: int
    housing_locations: tuple[HousingLabel, ...]


def employers(
    engine: Engine,
    *,
    on: date,
    as_known_at: datetime,
    name: str | None = None,
    kvk_number: str | None = None,
    employer_id: UUID | None = None,
    limit: int = 100,
    after: UUID | None = None,
) -> list[EmployerRecord]:
    """A page of employers in id order, after `after`, registered by `as_known_at`.

    `name` matches any part of the name, case, marks and spacing folded;
    `kvk_number` exactly; `employer_id` narrows the list to one employer (an
    employer sees only itself).
    """
    e = directory_employers.c
    statement = _known(as_known_at)
    if name is not None:
        statement = statement.where(e.name_folded.contains(folded(name), autoescape=True))
    if kvk_number is not None:
        statement = statement.where(e.kvk_number == kvk_number)
    if employer_id is not None:
        statement = statement.where(e.employer_id == employer_id.hex)
    if after is not None:
        statement = statement.where(e.employer_id > after.hex)
    return _records(engine, statement.order_by(e.employer_id).limit(limit), on, as_known_at)


def employer(engine: Engine, employer_id: UUID, *, on: date, as_known_at: datetime) -> EmployerRecord | None:
    """One employer, or None if it was not registered as of `as_known_at`."""
    found = _records(
        engine, _known(as_known_at).where(directory_employers.c.employer_id == employer_id.hex), on, as_known_at
    )
    return found[0] if found else None


def _known(as_known_at: datetime) -> Select[Any]:
    return select(directory_employers).where(directory_employers.c.registered_at <= as_known_at)


def _records(engine: Engine, statement: Select[Any], on: date, as_known_at: datetime) -> list[EmployerRecord]:
    with reading(engine) as conn:
        rows = conn.execute(statement).all()
        ids = [row.employer_id for row in rows]
        counts = employer_counts(conn, ids, on) if ids else {}
        homes: dict[str, list[tuple[str, HousingLabel]]] = {}
        for chunk in in_chunks(ids):
            found = conn.execute(_homes(), {"employers": chunk, "on": on, "at": as_known_at}).all()
            for employer_hex, location_hex, *address in found:
                homes.setdefault(employer_hex, []).append((location_hex, _home(location_hex, *address)))
    return [
        EmployerRecord(
            id=UUID(row.employer_id),
            kvk_number=row.kvk_number,
            name=row.name,
            registered_at=row.registered_at,
            active_workers=counts.get(row.employer_id, (0, 0))[0],
            total_workers=counts.get(row.employer_id, (0, 0))[1],
            housing_locations=tuple(home for _, home in sorted(homes.get(row.employer_id, []))),
        )
        for row in rows
    ]


@functools.lru_cache(maxsize=65_536)
def _home(location_hex: str, *address: Any) -> HousingLabel:
    """A location and its label, cached: an employer shows every location housing its workers.

    Thousands for a large employer, the same ones on every read. The key holds
    the address, so a changed address is a new entry.
    """
    # A location the directory has not seen yet has no label (yet), as in `read_labels`.
    return HousingLabel(uuid_of(location_hex), None if address[0] is None else address_line(*address))


@functools.cache
def _homes() -> Select[Any]:
    """Each (employer among `employers`, location housing its workers on `on` as known at `at`), with the address.

    The employer of the day (`projections.employment`): a worker never
    transferred counts for the employer its residence rows name, a transferred
    one for its employment of that day — two parts, each read through its own
    table's index by employer, instead of every worker's rows joined first.
    Built once, with parameters: SQLAlchemy reuses its compiled form.
    """
    employer_ids: BindParameter[Any] = bindparam("employers", expanding=True)
    on = cast(date, bindparam("on", type_=Date))  # a parameter standing for the day
    as_known_at = bindparam("at", type_=UTCDateTime)
    r, e = residence_history, employment_history
    transferred = select(e.c.worker_id).where(e.c.worker_id == r.c.worker_id, valid_on(e, on), known_at(e, as_known_at))
    stays = and_(valid_on(r, on), known_at(r, as_known_at))
    own = select(r.c.employer_id, r.c.housing_location_id).where(
        r.c.employer_id.in_(employer_ids), stays, ~transferred.exists()
    )
    taken_over = (
        select(e.c.employer_id, r.c.housing_location_id)
        .select_from(e.join(r, r.c.worker_id == e.c.worker_id))
        .where(e.c.employer_id.in_(employer_ids), valid_on(e, on), known_at(e, as_known_at), stays)
    )
    pairs = union(own, taken_over).subquery()  # each pair once
    d = directory_locations.c
    # In no order: the caller sorts each employer's few (a sort here cost SQLite a temporary B-tree).
    return select(pairs.c.employer_id, pairs.c.housing_location_id, *_ADDRESS).select_from(
        pairs.outerjoin(directory_locations, d.housing_location_id == pairs.c.housing_location_id)
    )


_ADDRESS = (
    directory_locations.c.street,
    directory_locations.c.house_number,
    directory_locations.c.house_letter,
    directory_locations.c.house_number_addition,
    directory_locations.c.postcode,
    directory_locations.c.city,
)
