"""The worker's population-register facts: BRP/RNI registration, its BRP address, deregistration, protection.

The BRP (Basisregistratie Personen) holds residents (ingezetenen) and, in its
RNI part, non-residents (niet-ingezetenen). Wet BRP art. 2.38: whoever may
reasonably expect to stay in the Netherlands at least two thirds of a half
year declares stay and address within 5 days of arrival; art. 2.39: a resident
who moves declares the new address within 5 days. A BRP registration is
recorded with the BRP address (the BAG id of the adresseerbaar object), the
municipality that holds it (CBS gemeentecode, the code of the BRP's table 33)
and the date the address holding began; an RNI registration has no Dutch
address. docs/domain-rules.md § The BRP and the RNI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ledger.domain.checks import (
    checked_bag_id,
    checked_date_in_range,
    checked_enum,
    checked_not_before_birth,
    checked_not_in_future,
    checked_not_too_far_ahead,
)
from ledger.domain.errors import Violations
from ledger.domain.values import PopulationRegister, Sealable

# A CBS gemeentecode: 4 digits, as the BRP writes it (Medemblik 0420); not the `GM` prefix of CBS's tables.
_MUNICIPALITY_CODE = re.compile(r"[0-9]{4}")


class DeregistrationReason(StrEnum):
    """Why the BRP ended a resident's registration."""

    # Vertrek naar het buitenland (Wet BRP art. 2.43): the person left the Netherlands.
    EMIGRATED = "emigrated"
    # Vertrokken onbekend waarheen (Wet BRP art. 2.22): the municipality found the person not at the address.
    UNKNOWN_WHEREABOUTS = "unknown_whereabouts"


@dataclass(frozen=True)
class BrpAddress:
    """The address a BRP registration holds: the BAG id of the object, its municipality, since when."""

    bag_id: str
    municipality_code: str
    since: date


def checked_brp_address(
    register: str, address: BrpAddress | None, born: Sealable[date], today: date, v: Violations
) -> BrpAddress | None:
    """The address of a BRP registration (required), or None for an RNI one (which has no Dutch address).

    Members are named under `address`; the BAG id and the code are trimmed.
    """
    if register == PopulationRegister.RNI:
        v.check(address is None, "address", "not_applicable", "an RNI registration has no Dutch address")
        return None
    if address is None:
        if register == PopulationRegister.BRP:
            v.add("address", "required", "a BRP registration holds an address: its BAG id, municipality and since")
        return None
    bag_id = checked_bag_id(address.bag_id.strip(), "address.bag_id", v)
    code = address.municipality_code.strip()
    v.check(
        bool(_MUNICIPALITY_CODE.fullmatch(code)),
        "address.municipality_code",
        "invalid_municipality_code",
        "a CBS gemeentecode: 4 digits, like 0420 (Medemblik)",
    )
    checked_fact_date(address.since, born, today, "address.since", v)
    return BrpAddress(bag_id=bag_id, municipality_code=code, since=address.since)


def checked_fact_date(day: date, born: Sealable[date], today: date, field: str, v: Violations) -> None:
    """A date of something that happened: within the bounds, not after today, not before the birth date."""
    checked_not_in_future(day, today, field, v)
    if checked_date_in_range(day, field, v):
        checked_not_before_birth(day, born, field, v)


def checked_deregistration(deregistered_on: date, reason: str, born: Sealable[date], today: date) -> None:
    """A deregistration from the BRP: a date that happened and one of the BRP's reasons."""
    v = Violations()
    checked_fact_date(deregistered_on, born, today, "deregistered_on", v)
    checked_enum(reason, DeregistrationReason, "reason", v)
    v.raise_if_any()


def checked_declaration(register: str, declared_on: date, born: Sealable[date], today: date) -> None:
    """An employer's report that the worker declared a registration: BRP or RNI, on a date that happened."""
    v = Violations()
    checked_enum(register, PopulationRegister, "register", v)
    checked_fact_date(declared_on, born, today, "declared_on", v)
    v.raise_if_any()


def checked_protection(valid_from: date, born: Sealable[date], today: date) -> None:
    """The first day of temporary protection: at most a year ahead (as any start), not before the birth date."""
    v = Violations()
    if checked_date_in_range(valid_from, "valid_from", v):
        checked_not_too_far_ahead(valid_from, today, "valid_from", v)
        checked_not_before_birth(valid_from, born, "valid_from", v)
    v.raise_if_any()
