"""The demo data set, drawn without I/O: what `ledger demo` will append.

`plan_demo` draws one season of labour migration in West-Friesland from a
seed — invented employers, housing locations in Medemblik's real postcode
areas, workers with names from their own countries, and what follows (moves,
contract ends, departures, BRP/RNI registrations, occupancy-limit changes,
inspections); one or two dwellings are deliberately filled beyond their limit.
The same arguments always give the same plan. Every worker has an identity
document of its own and every location an address of its own (the ledger
refuses a second registration of either), and none is the README's example.
"""

from __future__ import annotations

import itertools
import random
import string
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from faker import Faker
from stdnum.nl import bsn as stdnum_bsn

from demo import stock
from demo.latin import latin_name
from demo.stock import PlannedEmployer, PlannedLocation
from ledger.domain.timeline import Move, Timeline, housing_timeline
from ledger.domain.values import Address, Employment, IdentityDocument, Person, years_after


@dataclass(frozen=True)
class PlannedWorker:
    """A worker's season: registered and housed from the start, then what followed (None: did not happen)."""

    employer: int
    person: Person
    employment: Employment
    location: int
    moved: tuple[int | None, date] | None = None  # to a location (None: out of the municipality), from
    work_moved: tuple[int, date] | None = None  # to another grower's site, from
    registered: tuple[str, date, str | None] | None = None  # BRP or RNI, on, the BSN it gave
    contract_end: tuple[date, str] | None = None  # end date, reason
    departed_on: date | None = None


@dataclass(frozen=True)
class LimitChange:
    """A location's permitted maximum changes from a date on."""

    location: int
    max_occupants: int
    valid_from: date
    reason: str


@dataclass(frozen=True)
class PlannedInspection:
    """An inspection of a location, with the sanction imposed after it, if any."""

    location: int
    inspected_on: date
    occupants_found: int
    findings: tuple[str, ...]
    outcome: str
    notes: str
    sanction: tuple[str, Decimal | None, date | None] | None


@dataclass(frozen=True)
class DemoPlan:
    """The whole data set, in sending order; `overfull`: the locations over their limit today."""

    employers: tuple[PlannedEmployer, ...]
    locations: tuple[PlannedLocation, ...]
    workers: tuple[PlannedWorker, ...]
    limit_changes: tuple[LimitChange, ...]
    inspections: tuple[PlannedInspection, ...]
    overfull: tuple[int, ...]


def plan_demo(*, workers: int, seed: int, today: date) -> DemoPlan:
    """Draw the demo data set; the same arguments always give the same plan (no I/O, no clock)."""
    if workers < 0:
        raise ValueError("workers must not be negative")
    return _Planner(workers, seed, today).plan(workers)


class _Planner:
    """One draw: the random sources, the beds handed out and the timelines that show who lives where."""

    def __init__(self, workers: int, seed: int, today: date) -> None:
        self.rng, self.today, self.seq = random.Random(seed), today, itertools.count(1)  # noqa: S311 (not crypto)
        self.fakers = {code: Faker(spec[0]) for code, spec in stock.NATIONALITIES.items()}
        for fake in self.fakers.values():
            fake.seed_instance(seed)
        self.employers = tuple(
            PlannedEmployer(kvk, name, agency, Address(street, number, postcode, city))
            for kvk, name, agency, street, number, postcode, city in stock.EMPLOYERS
        )
        self.growers = [i for i, e in enumerate(self.employers) if not e.agency]
        self.documents = {stock.EXAMPLE_DOCUMENT}
        self.locations, self.targets = stock.housing_stock(workers, 2 if workers >= 40 else 1 if workers >= 12 else 0)
        # Beds handed out, never given back: only the targets can end up over-full.
        self.load: Counter[int] = Counter()
        self.quota = {t: self.locations[t].max_occupants + self.rng.randint(2, 3) for t in self.targets}
        self.moves: list[list[Move[int]]] = []  # each worker's, as the ledger will record them
        self.limits = {i: Timeline[int]() for i in range(len(self.locations))}
        for i, location in enumerate(self.locations):
            self.limits[i].record(date.min, location.max_occupants, 0)

    def plan(self, workers: int) -> DemoPlan:
        people = [self._worker() for _ in range(workers)]
        people = [self._follow_ups(i, worker) for i, worker in enumerate(people)]
        changes = self._limit_changes()
        inspections = self._inspections()
        today = self.today
        overfull = tuple(i for i in self.limits if self._occupants(i, today) > self.limits[i].value_on(today, 0))
        return DemoPlan(self.employers, self.locations, tuple(people), changes, inspections, overfull)

    def _worker(self) -> PlannedWorker:
        rng = self.rng
        target = next((t for t in self.targets if self.load[t] < self.quota[t]), None)
        # The over-full dwellings' occupants arrived well before anyone came to count them; others
        # over two seasons, so some registrations ended over a year ago and are due for erasure.
        start = self.today - timedelta(days=rng.randint(30, 200) if target is not None else rng.randint(-14, 700))
        nationality = rng.choices(
            list(stock.NATIONALITIES), weights=[spec[1] for spec in stock.NATIONALITIES.values()]
        )[0]
        employer = rng.choices(range(len(self.employers)), weights=[4 if e.agency else 1 for e in self.employers])[0]
        site = rng.choice(self.growers) if self.employers[employer].agency else employer
        location = target if target is not None else self._free_location(None)
        assert location is not None, "the planner sizes the housing stock for every worker"
        self.load[location] += 1
        self.moves.append([Move(start, next(self.seq), location)])
        end = start + timedelta(days=rng.randint(91, 274))
        employment = Employment(start, self.employers[site].site, end)
        return PlannedWorker(employer, self._person(nationality, start), employment, location)

    def _person(self, nationality: str, start: date) -> Person:
        rng, fake = self.rng, self.fakers[nationality]
        female = rng.random() < 0.4
        first_name = fake.first_name_female if female else fake.first_name_male
        given = " ".join(dict.fromkeys(first_name() for _ in range(2 if rng.random() < 0.2 else 1)))
        family = fake.last_name_female() if female else fake.last_name_male()
        # As the identity document writes them: in Latin letters.
        given, family = latin_name(given, nationality), latin_name(family, nationality)
        born = years_after(start, -rng.randint(18, 59)) - timedelta(days=rng.randint(0, 364))
        _locale, _weight, passport, id_card = stock.NATIONALITIES[nationality]
        kind, pattern = ("passport", passport) if nationality == "UKR" or rng.random() < 0.5 else ("id_card", id_card)
        while True:  # drawn again only on a (rare) repeat
            number = "".join(rng.choice(string.ascii_uppercase if c == "L" else string.digits) for c in pattern)
            if (kind, number, nationality) not in self.documents:
                break
        self.documents.add((kind, number, nationality))
        document = IdentityDocument(kind, number, start + timedelta(days=rng.randint(120, 3650)))
        bsn = _bsn(rng) if rng.random() < 0.3 else None
        return Person(family, given, born, nationality, document, bsn)

    def _follow_ups(self, index: int, worker: PlannedWorker) -> PlannedWorker:
        rng, start = self.rng, worker.employment.start_date
        if worker.location in self.targets or start > self.today - timedelta(days=14):
            return worker
        moved = self._move(index, worker) if rng.random() < 0.15 else None
        work_moved = None
        if self.employers[worker.employer].agency and rng.random() < 0.1:
            others = [g for g in self.growers if self.employers[g].site != worker.employment.work_address]
            work_moved = (rng.choice(others), _between(rng, start + timedelta(days=14), self.today))
        registered = self._registration(worker) if rng.random() < 0.5 else None
        worker = replace(worker, moved=moved, work_moved=work_moved, registered=registered)
        if rng.random() >= 0.2:
            return worker
        last_change = max([start, *(change[1] for change in (moved, work_moved) if change is not None)])
        first_end = max(start + timedelta(days=30), last_change + timedelta(days=1))
        end = _between(rng, first_end, self.today + timedelta(days=45))
        departed = end + timedelta(days=rng.randint(0, 10)) if rng.random() < 0.7 else None
        if departed is not None:  # Many never report leaving: 3 in 10 here.
            self.moves[index].append(Move(departed, next(self.seq), departure=True))
        return replace(worker, contract_end=(end, rng.choice(stock.END_REASONS)), departed_on=departed)

    def _move(self, index: int, worker: PlannedWorker) -> tuple[int | None, date]:
        rng, start, today = self.rng, worker.employment.start_date, self.today
        roll = rng.random()
        if roll < 0.2:  # a correction: the worker lived elsewhere from the start
            valid_from = start
        elif roll < 0.8:  # reported after the fact
            valid_from = _between(rng, start + timedelta(days=7), today)
        else:  # announced ahead
            valid_from = _between(rng, today + timedelta(days=1), today + timedelta(days=30))
        location = None if rng.random() < 0.1 else self._free_location(worker.location)
        if location is not None:
            self.load[location] += 1
        self.moves[index].append(Move(valid_from, next(self.seq), location))
        return location, valid_from

    def _registration(self, worker: PlannedWorker) -> tuple[str, date, str | None]:
        start, end = worker.employment.start_date, worker.employment.expected_end_date
        long_stay = end is not None and (end - start).days > 122  # over 4 months: BRP, though many stay in the RNI
        register = "BRP" if long_stay and self.rng.random() < 0.4 else "RNI"
        registered_on = start + timedelta(days=self.rng.randint(1, 10))
        return register, registered_on, None if worker.person.bsn else _bsn(self.rng)

    def _free_location(self, exclude: int | None) -> int | None:
        free = {
            i: loc.max_occupants - self.load[i]
            for i, loc in enumerate(self.locations)
            if i not in self.targets and i != exclude and loc.max_occupants > self.load[i]
        }
        return self.rng.choices(list(free), weights=list(free.values()))[0] if free else None

    def _limit_changes(self) -> tuple[LimitChange, ...]:
        rng, today, locs = self.rng, self.today, self.locations
        others = [i for i in range(len(locs)) if i not in self.targets]
        changes: list[LimitChange] = []
        if dwellings := [i for i in others if locs[i].kind == "dwelling"]:
            i = rng.choice(dwellings)
            changes.append(
                LimitChange(
                    i,
                    locs[i].max_occupants + 2,
                    today - timedelta(days=rng.randint(10, 120)),
                    "omzettingsvergunning verleend",
                )
            )
        if roomy := [
            i
            for i in others
            if locs[i].kind in ("short_stay_facility", "hotel_pension") and locs[i].max_occupants - self.load[i] >= 2
        ]:
            i = rng.choice(roomy)
            fewer = min(5, locs[i].max_occupants - self.load[i])
            changes.append(
                LimitChange(
                    i,
                    locs[i].max_occupants - fewer,
                    today + timedelta(days=rng.randint(14, 60)),
                    "advies brandweer: minder bedden",
                )
            )
        if self.targets and locs[self.targets[0]].max_occupants > 4:
            changes.append(
                LimitChange(
                    self.targets[0],
                    4,
                    today - timedelta(days=rng.randint(30, 90)),
                    "geen omzettingsvergunning: ten hoogste 4 bewoners",
                )
            )
        for change in changes:
            self.limits[change.location].record(change.valid_from, change.max_occupants, next(self.seq))
        return tuple(changes)

    def _inspections(self) -> tuple[PlannedInspection, ...]:
        rng, today = self.rng, self.today
        day = today - timedelta(days=rng.randint(20, 60))
        others = [i for i in range(len(self.locations)) if i not in self.targets]
        calm = rng.choice([i for i in others if self._occupants(i, day)] or others)
        routine = PlannedInspection(
            calm, day, self._occupants(calm, day), (), "compliant", "Reguliere controle, geen bijzonderheden.", None
        )
        day = today - timedelta(days=rng.randint(3, 14))
        findings: tuple[str, ...]
        sanction: tuple[str, Decimal | None, date | None]
        if self.targets:
            bad, findings = self.targets[0], ("overcrowding", "unregistered_occupants", "fire_safety")
            sanction = ("order_subject_to_penalty", Decimal(rng.choice((2500, 5000, 7500))), today + timedelta(days=42))
        else:
            bad, findings, sanction = calm, ("fire_safety", "sanitary"), ("warning", None, None)
        found = self._occupants(bad, day) + rng.randint(1, 3)
        notes = "Controle na melding van buurtbewoners; meer bedden aangetroffen dan geregistreerd."
        return routine, PlannedInspection(bad, day, found, findings, "violations", notes, sanction)

    def _occupants(self, location: int, day: date) -> int:
        return sum(housing_timeline(moves).value_on(day, None) == location for moves in self.moves)


def _between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _bsn(rng: random.Random) -> str:
    """A random 9-digit number passing the 11-test (python-stdnum's); eight digits drawn again if none does."""
    while True:
        digits = "".join(map(str, [rng.randint(1, 9), *(rng.randint(0, 9) for _ in range(7))]))
        # With 0 as the last digit, the 11-test's remainder is the check digit the eight need (none when it is 10).
        check = stdnum_bsn.checksum(digits + "0")
        if check < 10:
            return digits + str(check)
