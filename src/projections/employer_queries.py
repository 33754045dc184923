"""Employers read back (issue 18): a list filtered by name or KvK number, and one employer with its workers' homes.

The employer itself comes from the directory view; its workers' counts from
the worker register (their status on the day asked, as the register currently
believes it: the register keeps the current belief, docs/time.md), summed
from what it keeps per employer and day (`projections.employer_counts`). A
page of the list is two queries whatever its size.

The locations that house an employer's workers on `on` as known at
`as_known_at` (the residence view's bitemporal rows, with their addresses in
the same query) are read for one employer only (`employer`), never for a
list: a large employer houses thousands (the bench's agency some 10 000
locations), and every page of a list that carried them took tens of
milliseconds for that alone (issue 18, lists at p99 ≤ 20 ms). A client pages
an employer's homes with the locations' employer filter
(`projections.location_queries`, `GET /housing-locations?employerId=`),
under the same rule (`projections.employment.homes_by_employer`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Date, Engine, Row, Select, bindparam, select

from ledger.persistence.database import UTCDateTime, reading
from projections.directory import directory_employers, directory_locations, folded
from projections.employer_counts import employer_counts
from projections.employment import homes_by_employer
from projections.ids import uuid_of
from projections.labels import address_line


@dataclass(frozen=True)
class HousingLabel:
    """A housing location and its address on one line."""

    id: UUID
    label: str | None


@dataclass(frozen=True)
class EmployerSummary:
    """An employer as registered, with its workers' counts: an item of the list."""

    id: UUID
    kvk_number: str
    name: str
    registered_at: datetime
    active_workers: int
    total_workers: int


@dataclass(frozen=True)
class EmployerRecord(EmployerSummary):
    """One employer, with the locations housing its workers, in id order."""

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
) -> list[EmployerSummary]:
    """A page of employers in id order, after `after`, registered by `as_known_at`, without their homes.

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
    with reading(engine) as conn:
        rows = conn.execute(statement.order_by(e.employer_id).limit(limit)).all()
        counts = employer_counts(conn, [row.employer_id for row in rows], on) if rows else {}
    return [_summary(row, counts) for row in rows]


def employer(engine: Engine, employer_id: UUID, *, on: date, as_known_at: datetime) -> EmployerRecord | None:
    """One employer and the locations housing its workers; None if it was not registered as of `as_known_at`."""
    statement = _known(as_known_at).where(directory_employers.c.employer_id == employer_id.hex)
    with reading(engine) as conn:
        row = conn.execute(statement).one_or_none()
        if row is None:
            return None
        counts = employer_counts(conn, [row.employer_id], on)
        found = conn.execute(_homes(), {"employers": [row.employer_id], "on": on, "at": as_known_at}).all()
    homes = sorted((location_hex, _home(location_hex, *address)) for _, location_hex, *address in found)
    summary = _summary(row, counts)
    return EmployerRecord(**vars(summary), housing_locations=tuple(home for _, home in homes))


def _known(as_known_at: datetime) -> Select[Any]:
    return select(directory_employers).where(directory_employers.c.registered_at <= as_known_at)


def _summary(row: Row[Any], counts: dict[str, tuple[int, int]]) -> EmployerSummary:
    active, total = counts.get(row.employer_id, (0, 0))
    return EmployerSummary(
        id=UUID(row.employer_id),
        kvk_number=row.kvk_number,
        name=row.name,
        registered_at=row.registered_at,
        active_workers=active,
        total_workers=total,
    )


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

    The pairs of `projections.employment.homes_by_employer`, built once with
    parameters: SQLAlchemy reuses its compiled form.
    """
    on = cast(date, bindparam("on", type_=Date))  # a parameter standing for the day
    pairs = homes_by_employer(bindparam("employers", expanding=True), on, bindparam("at", type_=UTCDateTime)).subquery()
    d = directory_locations.c
    # In no order: the caller sorts them (a sort here cost SQLite a temporary B-tree).
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
