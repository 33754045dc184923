"""Headcount queries: housed workers on D as known at T, grouped four ways.

A worker lives at one place at a time, so counting the bitemporal residence
rows valid on D and believed at T counts workers. The groups are the housing
location, the employer, the nationality and the postcode area (the four
digits of the postcode) — the figures the municipality reports. An employer
gets the same figures counting only its own workers. The employer is the one
of day D as known at T: a worker transferred on 1 June counts for its old
employer in May (`projections.employment`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Engine, func, select

from ledger.database import reading
from projections.bitemporal import known_at, valid_on
from projections.employment import residence_with_employer
from projections.residence import residence_history


class GroupBy(StrEnum):
    """What headcounts can be grouped by (the API's `groupBy`)."""

    HOUSING_LOCATION = "housingLocation"
    EMPLOYER = "employer"
    NATIONALITY = "nationality"
    POSTCODE_AREA = "postcodeArea"


# The employer is not a column: it is the employer of the day (`residence_with_employer`).
_COLUMNS = {
    GroupBy.HOUSING_LOCATION: residence_history.c.housing_location_id,
    GroupBy.NATIONALITY: residence_history.c.nationality,
    GroupBy.POSTCODE_AREA: residence_history.c.postcode_area,
}


@dataclass(frozen=True)
class Headcounts:
    """Housed workers per group on a date, as known at an instant."""

    on: date
    as_known_at: datetime
    group_by: GroupBy
    total: int
    groups: dict[str, int]


def headcounts(
    engine: Engine, *, group_by: GroupBy, on: date, as_known_at: datetime, employer_id: UUID | None = None
) -> Headcounts:
    """Count the workers (of `employer_id`, if given) housed on `on`, as known at `as_known_at`, per group."""
    rows, employer = residence_with_employer(on, as_known_at)
    column = employer if group_by is GroupBy.EMPLOYER else _COLUMNS[group_by]
    statement = (
        select(column, func.count())
        .select_from(rows)
        .where(valid_on(residence_history, on))
        .where(known_at(residence_history, as_known_at))
        .group_by(column)
    )
    if employer_id is not None:
        statement = statement.where(employer == employer_id.hex)
    with reading(engine) as conn:
        groups = {str(key): int(count) for key, count in conn.execute(statement)}
    return Headcounts(
        on=on,
        as_known_at=as_known_at,
        group_by=group_by,
        total=sum(groups.values()),
        groups=dict(sorted(groups.items())),
    )
