"""Employers read back (issue 18): a list filtered by name or KvK number, one employer, its workers and homes.

The employer itself comes from the directory view; its workers from the worker
register (their status on the day asked, as the register currently believes
it: the register keeps the current belief, docs/time.md); the locations that
house its workers from the residence view's bitemporal rows, on `on` as known
at `as_known_at`. A page is three queries whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, Select, case, func, select

from ledger.persistence.database import reading
from projections.bitemporal import known_at, valid_on
from projections.directory import directory_employers, folded
from projections.employment import residence_with_employer
from projections.labels import read_labels
from projections.register_queries import register_select
from projections.register_records import WorkerStatus
from projections.register_tables import register_workers
from projections.residence import residence_history


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
        counts: dict[str, tuple[int, int]] = {}
        homes: dict[str, list[UUID]] = {}
        if ids:
            workers, _ = register_select(on)  # each worker with its status on `on`
            per_worker = workers.where(register_workers.c.employer_id.in_(ids)).subquery()
            active = func.sum(case((per_worker.c.status == WorkerStatus.ACTIVE.value, 1), else_=0))
            for row in conn.execute(
                select(per_worker.c.employer_id, active, func.count()).group_by(per_worker.c.employer_id)
            ):
                counts[row[0]] = (int(row[1] or 0), int(row[2]))
            # The employer of the day, after any transfer (`projections.employment`).
            h = residence_history.c
            joined, employer_of_day = residence_with_employer(on, as_known_at)
            housing = (
                select(employer_of_day, h.housing_location_id)
                .select_from(joined)
                .distinct()
                .where(employer_of_day.in_(ids))
                .where(valid_on(residence_history, on))
                .where(known_at(residence_history, as_known_at))
            )
            for employer_hex, location_hex in conn.execute(housing):
                homes.setdefault(employer_hex, []).append(UUID(location_hex))
    labels = read_labels(engine, locations=[location for found in homes.values() for location in found])
    return [
        EmployerRecord(
            id=UUID(row.employer_id),
            kvk_number=row.kvk_number,
            name=row.name,
            registered_at=row.registered_at,
            active_workers=counts.get(row.employer_id, (0, 0))[0],
            total_workers=counts.get(row.employer_id, (0, 0))[1],
            housing_locations=tuple(
                HousingLabel(location, labels.location(location))
                for location in sorted(homes.get(row.employer_id, []), key=lambda u: u.hex)
            ),
        )
        for row in rows
    ]
