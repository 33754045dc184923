"""What the alerts view's rules read besides the events: the settings' part, a worker's facts, its 18th birthday.

The housing and limit entries are the inputs of the timelines the page folds
(`projections.alert_page`); a worker's `alert_workers` row gives its
`WorkerFacts`; the 18th birthday is sealed under the worker's key, bound to
this view, the worker and the field, as the register seals its columns
(`projections.register_sealing`): a copy in another row does not open, and
after a shred nothing does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID
from zoneinfo import ZoneInfo

from ledger.crypto.sealing import open_bytes, seal_bytes
from ledger.domain.floor_area_norms import FloorAreaNorms
from projections.alert_rules import AlertTerms, WorkerFacts
from projections.brp_alerts import BrpFacts


@dataclass(frozen=True)
class AlertRules:
    """What the rules read besides the facts: the terms, the floor-area norms and the municipality's zone."""

    terms: AlertTerms
    norms: FloorAreaNorms
    zone: ZoneInfo


class Entry(NamedTuple):
    """One input of a worker's housing timeline (an `alert_housing_entries` row without its worker)."""

    seq: int
    valid_from: date
    housing_location_id: str | None
    is_departure: bool
    outside_municipality: bool


class LimitEntry(NamedTuple):
    """One input of a location's limit timeline (the municipality's; None: none set)."""

    seq: int
    valid_from: date
    max_occupants: int | None


def worker_facts(row: dict[str, Any]) -> WorkerFacts:
    """The facts of an `alert_workers` row, as the rules read them."""
    return WorkerFacts(
        worker_id=UUID(row["worker_id"]),
        employer_id=UUID(row["employer_id"]),
        employment_start=row["employment_start"],
        expected_end_date=row["expected_end_date"],
        contract_end=row["contract_end"],
        departed_on=row["departed_on"],
        brp=BrpFacts(
            brp_registered_on=row["brp_registered_on"],
            expected_end_date=row["expected_end_date"],
            brp_bag_id=row["brp_bag_id"],
            brp_address_since=row["brp_address_since"],
            deregistered_on=row["deregistered_on"],
            temporary_protection_from=row["temporary_protection_from"],
        ),
        confirmed_on=row["confirmed_on"],
    )


def _associated_data(worker: str) -> bytes:
    # What the ciphertext is bound to: this view, this worker, this field (a copy elsewhere does not open).
    return f"view:alerts|{worker}|minor_until".encode()


def seal_minor_until(data_key: bytes, worker: str, day: date) -> str:
    """A worker's 18th birthday sealed under its key, for `alert_workers.sealed_minor_until`."""
    return seal_bytes(data_key, day.isoformat().encode(), _associated_data(worker))


def open_minor_until(data_key: bytes, worker: str, token: str) -> date:
    """A worker's 18th birthday opened; a broken seal is refused."""
    what = f"the alerts' 18th birthday of worker {worker}"
    return date.fromisoformat(open_bytes(data_key, token, _associated_data(worker), what=what).decode())
