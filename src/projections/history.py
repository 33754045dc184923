"""Residence-history queries: where one worker lived, as known at an instant.

Enforcement reconstructs who lived where and when; an auditor asks what the
ledger believed at some moment. Both read the bitemporal rows of the residence
projection: the intervals believed at T, each with the instant it was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Engine, select

from ledger.persistence.database import reading
from projections.bitemporal import known_at
from projections.residence import residence_history


@dataclass(frozen=True)
class ResidenceInterval:
    """The worker lived at a housing location over [valid_from, valid_to); recorded at `recorded_at`."""

    housing_location_id: UUID
    valid_from: date
    valid_to: date | None
    recorded_at: datetime


def residence_intervals(engine: Engine, worker_id: UUID, *, as_known_at: datetime) -> list[ResidenceInterval]:
    """The worker's residence intervals as believed at `as_known_at`, in valid-time order."""
    statement = (
        select(
            residence_history.c.housing_location_id,
            residence_history.c.valid_from,
            residence_history.c.valid_to,
            residence_history.c.recorded_from,
        )
        .where(residence_history.c.worker_id == worker_id.hex)
        .where(known_at(residence_history, as_known_at))
        .order_by(residence_history.c.valid_from)
    )
    with reading(engine) as conn:
        rows = conn.execute(statement).all()
    return [ResidenceInterval(UUID(r.housing_location_id), r.valid_from, r.valid_to, r.recorded_from) for r in rows]
