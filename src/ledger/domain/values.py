"""Value objects, the closed lists of codes, and the bounds of what the ledger takes.

The named checks that validate and normalise them are `ledger.domain.checks`'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum, StrEnum
from typing import TypeAlias, TypeVar

# Every date the ledger takes lies within these bounds, whichever way it comes in
# (a request body, a query parameter, the CLI, the demo): a date outside them is
# a typo (0026 for 2026) or a placeholder (9999-12-31), never a fact about a
# labour migrant's stay (docs/domain-rules.md). The HTTP layer parses with them too.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
EARLIEST_BIRTH_DATE = EARLIEST_DATE
# A worker must be at least 16 when the employment starts: the Arbeidstijdenwet
# calls anyone under 16 a child (art. 1:3) and forbids a child to work (art. 3:1),
# but for narrow exceptions (holiday and light work) that are no reason to be
# housed away from home as a labour migrant (docs/domain-rules.md).
MINIMUM_WORKER_AGE = 16
# Below this age a worker is a minor (jeugdige, Arbeidstijdenwet art. 1:3): 16- and
# 17-year-olds may work, and one housed as a labour migrant raises `minor_in_housing`.
ADULT_AGE = 18
# Registrations are about what is or soon will be; a date further ahead is a typo.
MAX_YEARS_AHEAD = 1

# The object type codes (digits 5-6 of a BAG id, BAG Catalogus 2018, "identificatiecode")
# of the addressable objects (adresseerbare objecten), where people can live: a
# verblijfsobject (01), a ligplaats (02, a berth) and a standplaats (03, a pitch).
BAG_ADDRESSABLE_OBJECT_TYPES = frozenset({"01", "02", "03"})
CENT = Decimal("0.01")


class Shredded(Enum):
    """The marker a personal field reads as once its subject's key is destroyed."""

    SHREDDED = "shredded"

    def __repr__(self) -> str:
        return "SHREDDED"


SHREDDED = Shredded.SHREDDED

T = TypeVar("T")
# Personal fields hold plain values in memory and `SHREDDED` once the key is gone.
Sealable: TypeAlias = T | Shredded


class HousingKind(StrEnum):
    """What kind of place a housing location is; its floor-area norm follows from it (`floor_area_norms`)."""

    DWELLING = "dwelling"  # a woonfunctie (Bouwbesluit 2012)
    SHORT_STAY_FACILITY = "short_stay_facility"  # lodging (logies) for short stays
    HOTEL_PENSION = "hotel_pension"  # lodging (logies)
    RECREATIONAL = "recreational"  # a holiday home or chalet: recreational lodging
    CARAVAN_SITE = "caravan_site"  # a woonwagen on a standplaats (BAG object type 03)
    OTHER = "other"


class DocumentType(StrEnum):
    """Kinds of identity document accepted at registration (Wet op de identificatieplicht art. 1)."""

    PASSPORT = "passport"
    # A national identity card: valid only for EU/EEA/Swiss nationals.
    ID_CARD = "id_card"
    # A Dutch residence document (verblijfsdocument), issued under the Vreemdelingenwet 2000.
    RESIDENCE_DOCUMENT = "residence_document"


# The nationals whose national identity card is a valid identity document in the
# Netherlands (Wet op de identificatieplicht art. 1, under 2 and 3): the 27 EU member
# states, the other EEA states (Iceland, Liechtenstein, Norway) and Switzerland, as
# ISO 3166-1 alpha-3 codes. Source: the EU's list of member states (europa.eu,
# "EU countries") and the EEA Agreement; the list as of 2026 (docs/domain-rules.md).
EU_EEA_CH_NATIONALITIES = frozenset(
    {
        # EU member states
        "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL",
        "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE",
        # the other EEA states
        "ISL", "LIE", "NOR",
        # Switzerland
        "CHE",
    }
)  # fmt: skip


class PopulationRegister(StrEnum):
    """BRP (residents) or RNI (non-residents)."""

    BRP = "BRP"
    RNI = "RNI"


class Finding(StrEnum):
    """Coded findings of a housing inspection."""

    OVERCROWDING = "overcrowding"
    FIRE_SAFETY = "fire_safety"
    HYGIENE = "hygiene"
    SANITARY = "sanitary"
    UNREGISTERED_OCCUPANTS = "unregistered_occupants"
    OTHER = "other"


class Outcome(StrEnum):
    """Overall outcome of an inspection."""

    COMPLIANT = "compliant"
    VIOLATIONS = "violations"


class SanctionKind(StrEnum):
    """Enforcement instruments (waarschuwing, last onder dwangsom, bestuurlijke boete)."""

    WARNING = "warning"
    ORDER_SUBJECT_TO_PENALTY = "order_subject_to_penalty"
    ADMINISTRATIVE_FINE = "administrative_fine"


class SanctionTarget(StrEnum):
    """Who a sanction is imposed on."""

    EMPLOYER = "employer"
    OWNER = "owner"


@dataclass(frozen=True)
class Address:
    """A Dutch postal address (work address, or the address of a housing location)."""

    street: str
    house_number: int
    postcode: str
    city: str
    house_letter: str | None = None
    house_number_addition: str | None = None

    def display_postcode(self) -> str:
        """The postcode as it is written on letters: `1234 AB`."""
        return f"{self.postcode[:4]} {self.postcode[4:]}"


@dataclass(frozen=True)
class IdentityDocument:
    """The identity document shown at registration."""

    type: str
    number: str
    expires_on: date


@dataclass(frozen=True)
class Person:
    """Who the worker is; everything but the nationality is personal data."""

    family_name: str
    given_names: str
    birth_date: date
    nationality: str
    id_document: IdentityDocument
    bsn: str | None = None


@dataclass(frozen=True)
class Employment:
    """The employment a worker is registered for."""

    start_date: date
    work_address: Address
    expected_end_date: date | None = None


def years_after(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
