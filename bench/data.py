"""Synthetic input for the scenarios, and a fast loader for the stores they read.

`Inputs` draws valid worker registrations (cheap: a scenario needs thousands,
and Faker, which `ledger demo` uses, costs half a millisecond a person).
`build_store` fills a ledger with a realistic mix of events through the domain
and `Ledger.save` in batches — so rows, seals, keys and audit links are the
product's (a batch's data keys are made in one key-store transaction).
`FixedKeys` hands a mapper keys made in memory, for scenarios that measure
sealing without a key store.
"""

from __future__ import annotations

import itertools
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.application.service import Ledger
from ledger.domain.housing_location import HousingLocation
from ledger.domain.values import Address, Employment, IdentityDocument, Person
from ledger.domain.worker import Worker

WORK_ADDRESS = Address("Handelsweg", 3, "1687AA", "Wognum")
OTHER_WORK_ADDRESS = Address("Dijkweg", 112, "1619BN", "Andijk")
_FAMILY = (
    "Kowalski",
    "Nowak",
    "Wiśniewska",
    "Popescu",
    "Ionescu",
    "Dimitrov",
    "Petrauskas",
    "Nagy",
    "Silva",
    "Kovalenko",
)
_GIVEN = ("Anna", "Piotr", "Maria", "Andrei", "Elena", "Georgi", "Jonas", "Zsófia", "João", "Oksana", "Tomasz Jan")
_NATIONALITIES = ("POL", "POL", "POL", "ROU", "ROU", "BGR", "LTU", "HUN", "PRT", "UKR")
_VILLAGES = (("1619", "Andijk"), ("1671", "Medemblik"), ("1687", "Wognum"), ("1693", "Wervershoof"))
# Postcode letters: no F, I, O, Q, U, Y; no SA, SD, SS (so no S first).
_FIRST_LETTERS, _SECOND_LETTERS = "ABCDEGHJKLMNPRTVWXZ", "ABCDEGHJKLMNPRSTVWXZ"
_HOUSE_NUMBERS = 9000
_CHUNK = 1000  # events per transaction when loading


@dataclass(frozen=True)
class Places:
    """Registered employers and housing locations that workers refer to."""

    employer_ids: tuple[UUID, ...]
    location_ids: tuple[UUID, ...]


class Inputs:
    """Valid registrations drawn from a seed.

    Each person's identity document is unique: a prefix of this instance and a
    counter, as the ledger refuses a second active registration of a document.
    The prefix is not drawn from the seed, so that two instances — even of one
    seed, filling one kept store again — never share a document.
    """

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self._document_prefix = secrets.token_hex(4).upper()
        self._documents = itertools.count(1)

    def person(self, start: date) -> Person:
        rng = self.rng
        born = start - timedelta(days=rng.randint(20 * 365, 55 * 365))
        number = f"{self._document_prefix}{next(self._documents):09d}"
        document = IdentityDocument("passport", number, start + timedelta(days=rng.randint(400, 3000)))
        return Person(rng.choice(_FAMILY), rng.choice(_GIVEN), born, rng.choice(_NATIONALITIES), document, None)

    def registration(self, places: Places, *, start: date | None = None) -> dict[str, Any]:
        """Keyword arguments of `Ledger.register_worker` (and of `Worker.register`, without `today`)."""
        start = start or self.today - timedelta(days=self.rng.randint(0, 300))
        return {
            "employer_id": self.rng.choice(places.employer_ids),
            "person": self.person(start),
            "employment": Employment(start, WORK_ADDRESS, start + timedelta(days=180)),
            "housing_location_id": self.rng.choice(places.location_ids),
            "housing_valid_from": start,
        }

    def worker(self, places: Places) -> Worker:
        """A registered worker (validated by the domain), not yet saved."""
        return Worker.register(**self.registration(places), today=self.today)

    def location(self, index: int) -> HousingLocation:
        """Location `index`: its BAG id and its address follow from the index, both unique."""
        area, city = _VILLAGES[index % len(_VILLAGES)]
        block = index // _HOUSE_NUMBERS  # every 9000 locations the postcode's letters move on
        letters = (
            _FIRST_LETTERS[block // len(_SECOND_LETTERS) % len(_FIRST_LETTERS)]
            + _SECOND_LETTERS[block % len(_SECOND_LETTERS)]
        )
        address = Address("Dorpsstraat", 1 + index % _HOUSE_NUMBERS, f"{area}{letters}", city)
        return HousingLocation.register(
            bag_id=f"{420_010_000_000_000 + index:016d}",
            address=address,
            kind="dwelling",
            max_occupants=self.rng.randint(4, 12),
            floor_area_m2=self.rng.randint(60, 200),
            owner_kvk_number=None,
        )


class FixedKeys:
    """Data keys made for one batch (the mapper's `SubjectKeys`)."""

    def __init__(self, keys: dict[UUID, bytes]) -> None:
        self._keys = keys

    def data_key(self, subject_id: UUID) -> bytes | None:
        return self._keys.get(subject_id)

    def data_key_for_writing(self, subject_id: UUID) -> bytes:
        return self._keys[subject_id]


def save_batch(ledger: Ledger, aggregates: Sequence[Aggregate]) -> int:
    """Save `aggregates` in one recorder transaction (their new keys in one key-store transaction); return events."""
    return len(ledger.save(*aggregates)) if aggregates else 0


def register_places(ledger: Ledger, inputs: Inputs, *, locations: int, employers: int = 8) -> Places:
    """Employers through the application service; locations (a tenth with a limit change) in batches."""
    employer_ids = tuple(
        ledger.register_employer(kvk_number=f"{90_000_000 + i:08d}", name=f"Uitzendbureau {i} B.V.").id
        for i in range(employers)
    )
    batch: list[Aggregate] = []
    location_ids = []
    for index in range(locations):
        location = inputs.location(index)
        if index % 10 == 3:
            day = inputs.today - timedelta(days=30)
            location.change_occupancy_limit(location.max_occupants_on(day) + 2, day, None, inputs.today)
        batch.append(location)
        location_ids.append(location.id)
        if len(batch) >= _CHUNK // 2:
            save_batch(ledger, batch)
            batch = []
    save_batch(ledger, batch)
    return Places(employer_ids, tuple(location_ids))


def _follow_ups(worker: Worker, inputs: Inputs, places: Places) -> None:
    """What happens after a registration, drawn: moves, BRP/RNI, work address, contract end, departure."""
    rng, today, start = inputs.rng, inputs.today, worker.employment_start
    if rng.random() < 0.25:
        worker.change_housing(rng.choice(places.location_ids), min(start + timedelta(days=30), today), today)
    if rng.random() < 0.3:
        worker.record_population_registration("RNI", min(start + timedelta(days=5), today), None, today)
    if rng.random() < 0.05:
        worker.change_work_address(OTHER_WORK_ADDRESS, start + timedelta(days=20), today)
    if rng.random() < 0.15:
        end = start + timedelta(days=120)
        worker.end_contract(end, "einde seizoen", today)
        if rng.random() < 0.6:
            worker.depart(end + timedelta(days=2), today)


@dataclass(frozen=True)
class Store:
    """A filled ledger: its places, workers and how many events the log holds."""

    places: Places
    worker_ids: tuple[UUID, ...]
    events: int
    # When the workers went in: every place was already registered at the first instant.
    workers_loaded_between: tuple[datetime, datetime]


def build_store(ledger: Ledger, *, events: int | None = None, workers: int | None = None, seed: int = 7) -> Store:
    """Fill an empty ledger with about `events` events, or exactly `workers` workers (and what follows).

    Places go in first (one location per six workers), then the workers.
    """
    if (events is None) == (workers is None):
        raise ValueError("give the store's size in events or in workers, not both")
    inputs = Inputs(seed, ledger.today())
    # About 1.8 events per worker.
    expected_events = events if events is not None else int(1.8 * (workers or 0))
    places = register_places(ledger, inputs, locations=max(expected_events // 11, 4))
    began = datetime.now(UTC)
    total = ledger.recorder.max_notification_id() or 0
    ids: list[UUID] = []
    batch: list[Worker] = []
    pending = 0

    def wanting() -> bool:
        return total + pending < events if events is not None else len(ids) < (workers or 0)

    while wanting():
        worker = inputs.worker(places)
        _follow_ups(worker, inputs, places)
        batch.append(worker)
        ids.append(worker.id)
        pending += len(worker.pending_events)
        if pending >= _CHUNK:
            total += save_batch(ledger, batch)
            batch, pending = [], 0
    total += save_batch(ledger, batch)
    return Store(places, tuple(ids), total, (began, datetime.now(UTC)))


def ended_workers(ledger: Ledger, inputs: Inputs, places: Places, count: int) -> list[UUID]:
    """`count` workers whose registration ended long ago (contract ended, departed): due for shredding."""
    ids: list[UUID] = []
    batch: list[Worker] = []
    for _ in range(count):
        start = inputs.today - timedelta(days=400 + inputs.rng.randint(0, 100))
        worker = Worker.register(**inputs.registration(places, start=start), today=inputs.today)
        end = start + timedelta(days=90)
        worker.end_contract(end, "einde seizoen", inputs.today)
        worker.depart(end + timedelta(days=2), inputs.today)
        batch.append(worker)
        ids.append(worker.id)
        if len(batch) * 3 >= _CHUNK:
            save_batch(ledger, batch)
            batch = []
    save_batch(ledger, batch)
    return ids
