"""Request bodies of the housing-location writes: registration and occupancy limits.

The schemas check shape and types (integers, dates written `YYYY-MM-DD`, and the
enumerations, so they show in OpenAPI); the value rules — a 16-digit BAG id, a
Dutch postcode, a maximum of at least 1, whose number a maximum is — are the
domain's, so one refusal lists every broken rule at once.
The rules are still written into the OpenAPI document (`pattern`, `minimum`,
`minLength`; `api.schemas.patterns`) for clients to read.
"""

from __future__ import annotations

from pydantic import Field

from api.schemas import patterns
from api.schemas.common import RequestModel, WholeNumber
from api.schemas.workers import POSTCODE_DESCRIPTION, IsoDate
from ledger.domain.housing_location import MAX_FLOOR_AREA_M2, MAX_OCCUPANTS
from ledger.domain.values import Address, HousingKind


class HousingLocationCreate(RequestModel):
    """A housing location to register, identified by its BAG addressable object."""

    bag_id: str = Field(
        description="BAG id of the addressable object (adresseerbaar object): 16 digits (white space around them "
        "is ignored), digits 5-6 the object type: 01 verblijfsobject, 02 ligplaats or 03 standplaats (never a "
        "nummeraanduiding, 20).",
        examples=["0420010000123456"],
        json_schema_extra={"pattern": patterns.BAG_ID},
    )
    street: str = Field(
        description="Street name (openbare ruimte).",
        examples=["Dorpsstraat"],
        json_schema_extra={"minLength": 1, "maxLength": 200},
    )
    house_number: WholeNumber = Field(
        description="House number, 1-99999.", examples=[12], json_schema_extra={"minimum": 1, "maximum": 99999}
    )
    house_letter: str | None = Field(
        default=None,
        description="House letter: one letter (empty: none).",
        examples=["A"],
        json_schema_extra={"pattern": patterns.HOUSE_LETTER},
    )
    house_number_addition: str | None = Field(
        default=None,
        description="House number addition: up to 4 letters or digits (empty: none).",
        examples=["2"],
        json_schema_extra={"pattern": patterns.HOUSE_NUMBER_ADDITION},
    )
    postcode: str = Field(
        description=POSTCODE_DESCRIPTION, examples=["1671 AB"], json_schema_extra={"pattern": patterns.POSTCODE}
    )
    city: str = Field(
        description="Place name (woonplaats).",
        examples=["Medemblik"],
        json_schema_extra={"minLength": 1, "maxLength": 80},
    )
    kind: HousingKind = Field(
        description=(
            "What kind of place it is; the floor-area norm a person follows from it (a dwelling 12 m², a woonwagen on"
            " a `caravan_site` 6 m², lodging 10 m², by default)."
        )
    )
    max_occupants: WholeNumber | None = Field(
        default=None,
        description=(
            "Maximum number of occupants, 1-10000; may be left out. From a registrar or an admin it is the"
            " permitted maximum (the municipality's). From an employer it is recorded as proposed and never"
            " counted: the municipality sets the limit (`…/occupancy-limits`), and until it does the limit is"
            " floor(floor area / 12 m² a person), or unknown without a floor area."
        ),
        examples=[4],
        json_schema_extra={"minimum": 1, "maximum": MAX_OCCUPANTS},
    )
    floor_area_m2: WholeNumber | None = Field(
        default=None,
        description=f"Usable floor area in m², 1-{MAX_FLOOR_AREA_M2}; without a limit set by the municipality it "
        "sets the limit.",
        examples=[80],
        json_schema_extra={"minimum": 1, "maximum": MAX_FLOOR_AREA_M2},
    )
    owner_kvk_number: str | None = Field(
        default=None,
        description=(
            "KvK number of the owner, 8 digits (white space around them is ignored). An employer may name only"
            " its own KvK number (or leave it out): another is 400; a registrar or an admin may name any owner."
        ),
        examples=["34781256"],
        json_schema_extra={"pattern": patterns.KVK_NUMBER},
    )

    def to_address(self) -> Address:
        """The location's postal address, as the domain takes it."""
        return Address(
            street=self.street,
            house_number=self.house_number,
            postcode=self.postcode,
            city=self.city,
            house_letter=self.house_letter,
            house_number_addition=self.house_number_addition,
        )


class OccupancyLimitChange(RequestModel):
    """A new permitted maximum set by the municipality, from a date on (a permit, a decision)."""

    max_occupants: WholeNumber = Field(
        description=f"Permitted maximum number of occupants, 1-{MAX_OCCUPANTS}.",
        examples=[6],
        json_schema_extra={"minimum": 1, "maximum": MAX_OCCUPANTS},
    )
    valid_from: IsoDate = Field(
        description="The date from which the maximum holds (at most a year ahead).", examples=["2026-07-01"]
    )
    reason: str | None = Field(
        default=None,
        description="Why the maximum changed (a permit number, a decision).",
        json_schema_extra={"maxLength": 2000},
    )
