"""Builders of valid domain input; tests override only what they are about.

Identity documents and housing addresses are unique per call: the ledger
refuses a second active registration of one document and a second location at
one address, so a test that means the same person or place twice says so.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from stdnum.nl import bsn as stdnum_bsn

from ledger.application.service import Ledger
from ledger.domain.employer import employer_id_for
from ledger.domain.errors import RuleViolated
from ledger.domain.housing_location import HousingLocation, housing_location_id_for
from ledger.domain.inspection import Inspection
from ledger.domain.population import BrpAddress
from ledger.domain.values import Address, Employment, IdentityDocument, Person
from ledger.domain.worker import Worker

TODAY = date(2026, 6, 15)
# A legal hold's review date: after TODAY, within the year a review date may lie ahead.
REVIEW_ON = date(2027, 1, 15)

_bsn_counter = itertools.count()
_document_counter = itertools.count(1_234_567)
_house_number_counter = itertools.count(12)


def valid_bsn(seed: int | None = None) -> str:
    """A 9-digit number passing the 11-test (python-stdnum's), distinct on each call and for each seed below 9e6."""
    n = seed if seed is not None else next(_bsn_counter)
    # Seven digits from the seed, the first not 0; the eighth is the first that leaves a check digit
    # (with 0 as the last digit, the 11-test's remainder is the check digit; 10 is none). No two seeds share
    # their seven digits, so no two share a number.
    seven = str(1_000_000 + n % 9_000_000)
    for eighth in "0123456789":
        check = stdnum_bsn.checksum(seven + eighth + "0")
        if check < 10:
            return seven + eighth + str(check)
    raise AssertionError("unreachable: two eighth digits never both leave 10")


def a_house_number() -> int:
    """A house number (1-99999), another on each call."""
    return 1 + next(_house_number_counter) % 99_999


def a_document_number() -> str:
    """A passport number (two letters, seven digits), another on each call."""
    return f"EA{next(_document_counter) % 10_000_000:07d}"


def an_address(**overrides: Any) -> Address:
    """An address in Medemblik, at another house number on each call."""
    fields: dict[str, Any] = {
        "street": "Dorpsstraat",
        "house_number": a_house_number(),
        "postcode": "1671 AB",
        "city": "Medemblik",
    }
    return Address(**(fields | overrides))


def an_identity_document(**overrides: Any) -> IdentityDocument:
    """A passport, with another number on each call."""
    fields: dict[str, Any] = {"type": "passport", "number": a_document_number(), "expires_on": date(2030, 5, 1)}
    return IdentityDocument(**(fields | overrides))


def a_person(**overrides: Any) -> Person:
    """A Polish worker with a passport of her own (another document on each call)."""
    fields: dict[str, Any] = {
        "family_name": "Kowalska",
        "given_names": "Anna Maria",
        "birth_date": date(1994, 3, 14),
        "nationality": "POL",
        "bsn": None,
    }
    if "id_document" not in overrides:
        fields["id_document"] = an_identity_document()
    return Person(**(fields | overrides))


def an_employment(**overrides: Any) -> Employment:
    fields: dict[str, Any] = {
        "start_date": date(2026, 4, 1),
        "work_address": an_address(street="Handelsweg", house_number=3, postcode="1687 AA", city="Wognum"),
        "expected_end_date": date(2026, 10, 31),
    }
    return Employment(**(fields | overrides))


_bag_counter = itertools.count(1)
_kvk_counter = itertools.count(1)


def a_bag_id() -> str:
    return f"042001{next(_bag_counter):010d}"


def a_brp_address(**overrides: Any) -> BrpAddress:
    """The BRP address a BRP registration records: a dwelling in Medemblik (0420), held from 1 April 2026."""
    fields: dict[str, Any] = {"bag_id": "0420010000000001", "municipality_code": "0420", "since": date(2026, 4, 1)}
    return BrpAddress(**(fields | overrides))


def a_kvk_number() -> str:
    return f"{60_000_000 + next(_kvk_counter):08d}"


@dataclass(frozen=True)
class World:
    """An employer and two housing locations, registered in a ledger."""

    employer_id: UUID
    location_id: UUID
    other_location_id: UUID


def a_world(ledger: Ledger, *, max_occupants: int = 4) -> World:
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    first = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(), kind="dwelling", max_occupants=max_occupants, floor_area_m2=80
    )
    second = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(street="Kerkstraat"),
        kind="short_stay_facility",
        max_occupants=20,
    )
    return World(employer.id, first.id, second.id)


def register_worker(ledger: Ledger, world: World, **person_overrides: Any) -> UUID:
    receipt = ledger.register_worker(
        employer_id=world.employer_id,
        person=a_person(**person_overrides),
        employment=an_employment(),
        housing_location_id=world.location_id,
        housing_valid_from=date(2026, 4, 1),
    )
    return receipt.id


def workers_of_one_name(
    ledger: Ledger, employer_id: UUID, location_id: UUID, count: int, family_name: str
) -> dict[UUID, date]:
    """`count` workers of one family name, each born on another day, saved as one batch: their birth dates by id.

    One batch, because registering them one command at a time takes seconds on each backend.
    """
    born = [date(1990, 1, 1) + timedelta(days=index) for index in range(count)]
    workers = [
        Worker.register(
            employer_id=employer_id,
            person=a_person(family_name=family_name, birth_date=birth_date),
            employment=an_employment(),
            housing_location_id=location_id,
            housing_valid_from=date(2026, 4, 1),
            today=ledger.today(),
        )
        for birth_date in born
    ]
    ledger.save(*workers)
    return {worker.id: birth_date for worker, birth_date in zip(workers, born, strict=True)}


# Domain-level builders for the unit tier: aggregates straight from their
# command methods, no application or storage involved.


def a_worker(*, today: date = TODAY, **overrides: Any) -> Worker:
    fields: dict[str, Any] = {
        "employer_id": employer_id_for("60000001"),
        "person": a_person(),
        "employment": an_employment(),
        "housing_location_id": housing_location_id_for("0420010000000001"),
        "housing_valid_from": date(2026, 4, 1),
    }
    return Worker.register(**(fields | overrides), today=today)


def a_housing_location(**overrides: Any) -> HousingLocation:
    fields: dict[str, Any] = {
        "bag_id": "0420010000000001",
        "address": an_address(),
        "kind": "dwelling",
        "max_occupants": 4,
        "floor_area_m2": 80,
        "owner_kvk_number": None,
    }
    return HousingLocation.register(**(fields | overrides))


def an_inspection(*, today: date = TODAY, **overrides: Any) -> Inspection:
    fields: dict[str, Any] = {
        "housing_location_id": housing_location_id_for("0420010000000001"),
        "inspected_on": date(2026, 6, 10),
        "occupants_found": 9,
        "findings": ["overcrowding"],
        "outcome": "violations",
        "notes": None,
    }
    return Inspection.record(**(fields | overrides), today=today)


def broken_rules(error: RuleViolated) -> set[tuple[str, str]]:
    """The (field, code) pairs a refusal names."""
    return {(v.field, v.code) for v in error.violations}


def letters(n: int) -> str:
    """`n` written in letters (0: A, 25: Z, 26: BA): a tag for names, which take no digits."""
    tag = ""
    while True:
        n, digit = divmod(n, 26)
        tag = chr(ord("A") + digit) + tag
        if not n:
            return tag
