"""Request bodies of the worker writes: registration, address changes, contract end, departure, holds, erasure.

The schemas check shape and types (required members, enumerations, dates
written `YYYY-MM-DD`); the ledger checks the rules (postcode, nationality,
BSN 11-test, date order) and names the offending member itself, so a rule
lives in one place; the OpenAPI document states the rules too (`pattern`,
`minLength`, `minimum`; `api.schemas.patterns`). `to_*()` methods turn a body
into the ledger's value objects, keeping the routes to a single call.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Field, StrictBool
from pydantic_core import PydanticCustomError

from api.schemas import patterns
from api.schemas.common import RequestModel, WholeNumber
from ledger.domain.erasure import MAX_NOTE_LENGTH, ErasureReason
from ledger.domain.population import BrpAddress, DeregistrationReason
from ledger.domain.values import (
    EARLIEST_DATE,
    LATEST_DATE,
    Address,
    DocumentType,
    Employment,
    IdentityDocument,
    Person,
    PopulationRegister,
    date_in_range,
)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_text(value: Any) -> Any:
    # Pydantic also takes Unix timestamps and datetimes for a date; the contract
    # says dates are written YYYY-MM-DD, and a number is more likely a mistake.
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise PydanticCustomError("date_format", "expected a date written YYYY-MM-DD")


def _date_in_range(value: date) -> date:
    # The domain's bounds, applied where a date is parsed: query parameters too, which reach no domain rule.
    if not date_in_range(value):
        raise PydanticCustomError(
            "date_out_of_range",
            "must be between {earliest} and {latest}",
            {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )
    return value


# A calendar date written `YYYY-MM-DD`, within the ledger's bounds (1900-01-01..2100-12-31).
IsoDate = Annotated[date, BeforeValidator(_iso_date_text), AfterValidator(_date_in_range)]

POSTCODE_DESCRIPTION = (
    "Dutch postcode: 4 digits not starting with 0 and 2 letters, `1671 AB`, stored as `1671AB`. Any case, spaces "
    "and hyphens anywhere and an `NL` in front are taken, as python-stdnum reads a postcode (so are the Unicode "
    "dashes and spaces it reads as those, full-width digits and white space at either end: the pattern says "
    "exactly what is taken). The letter pairs SA, SD and SS are not used."
)
BSN_DESCRIPTION = (
    "9 digits passing the 11-test (elfproef), with spaces, dots or hyphens anywhere; the pattern cannot state "
    "the 11-test."
)


class WorkAddressIn(RequestModel):
    """A Dutch postal address where the worker works."""

    street: str = Field(examples=["Handelsweg"], json_schema_extra={"minLength": 1, "maxLength": 200})
    house_number: WholeNumber = Field(examples=[3], json_schema_extra={"minimum": 1, "maximum": 99999})
    house_letter: str | None = Field(
        default=None,
        description="One letter (empty: none).",
        examples=["A"],
        json_schema_extra={"pattern": patterns.HOUSE_LETTER},
    )
    house_number_addition: str | None = Field(
        default=None,
        description="Up to 4 letters or digits (empty: none).",
        json_schema_extra={"pattern": patterns.HOUSE_NUMBER_ADDITION},
    )
    postcode: str = Field(
        description=POSTCODE_DESCRIPTION, examples=["1687 AA"], json_schema_extra={"pattern": patterns.POSTCODE}
    )
    city: str = Field(examples=["Wognum"], json_schema_extra={"minLength": 1, "maxLength": 80})

    def to_address(self) -> Address:
        """The ledger's address value."""
        return Address(
            street=self.street,
            house_number=self.house_number,
            postcode=self.postcode,
            city=self.city,
            house_letter=self.house_letter,
            house_number_addition=self.house_number_addition,
        )


class IdentityDocumentIn(RequestModel):
    """The identity document shown at registration."""

    type: DocumentType = Field(
        description="`id_card` only for EU, EEA and Swiss nationals (Wet op de identificatieplicht art. 1); "
        "others show a `passport` or a Dutch `residence_document`."
    )
    number: str = Field(
        description="5-20 letters or digits (spaces are ignored).",
        examples=["EA1234567"],
        json_schema_extra={"minLength": 1},
    )
    expires_on: IsoDate = Field(description="Must not have expired when the employment starts.")


class PersonIn(RequestModel):
    """Who the worker is."""

    family_name: str = Field(
        description="As on the identity document: Latin letters with diacritics, spaces, `-`, apostrophes and `.`.",
        examples=["Kowalska"],
        json_schema_extra={"minLength": 1, "maxLength": 200},
    )
    given_names: str = Field(
        description="As on the identity document, like `familyName`.",
        examples=["Anna Maria"],
        json_schema_extra={"minLength": 1, "maxLength": 200},
    )
    birth_date: IsoDate = Field(
        description="The worker is at least 16 when the employment starts (Arbeidstijdenwet art. 1:3, 3:1)."
    )
    nationality: str = Field(description="ISO 3166-1 alpha-3.", examples=["POL"], json_schema_extra={"minLength": 1})
    id_document: IdentityDocumentIn
    bsn: str | None = Field(
        default=None,
        description=f"Burgerservicenummer, when the worker has one; recorded by the municipality only (an employer "
        f"sending one gets 400: Wabb art. 1, 10; UAVG art. 46): {BSN_DESCRIPTION}",
        json_schema_extra={"pattern": patterns.BSN},
    )

    def to_person(self) -> Person:
        """The ledger's person value."""
        document = self.id_document
        return Person(
            family_name=self.family_name,
            given_names=self.given_names,
            birth_date=self.birth_date,
            nationality=self.nationality,
            id_document=IdentityDocument(
                type=document.type.value, number=document.number, expires_on=document.expires_on
            ),
            bsn=self.bsn,
        )


class EmploymentIn(RequestModel):
    """The employment the worker is registered for."""

    start_date: IsoDate
    expected_end_date: IsoDate | None = None
    work_address: WorkAddressIn

    def to_employment(self) -> Employment:
        """The ledger's employment value."""
        return Employment(
            start_date=self.start_date,
            expected_end_date=self.expected_end_date,
            work_address=self.work_address.to_address(),
        )


OUTSIDE_DESCRIPTION = (
    "The worker lives outside the municipality (a commuter): its housing is known, so no `no_housing` alert, and it"
    " is counted in no headcount or occupancy here. The other municipality's address is not recorded."
)


class HousingIn(RequestModel):
    """Where the worker lives from the start: a housing location here, or outside the municipality."""

    housing_location_id: UUID | None = Field(
        default=None,
        description="A registered housing location; required unless `outsideMunicipality` is true, then left out.",
    )
    outside_municipality: StrictBool = Field(default=False, description=OUTSIDE_DESCRIPTION)
    valid_from: IsoDate


class WorkerCreate(RequestModel):
    """A worker to register (an employer registers its own workers only)."""

    employer_id: UUID
    person: PersonIn
    employment: EmploymentIn
    housing: HousingIn | None = Field(default=None, description="Left out when the worker is not housed here yet.")


class HousingChange(RequestModel):
    """The worker lives at another housing location (or, with null, nowhere in the municipality; or outside it)."""

    type: Literal["housing"]
    housing_location_id: UUID | None = Field(
        description="A registered housing location, or null: not housed here (null with `outsideMunicipality`)."
    )
    outside_municipality: StrictBool = Field(default=False, description=OUTSIDE_DESCRIPTION)
    valid_from: IsoDate


class WorkAddressChange(RequestModel):
    """The worker works at another address."""

    type: Literal["work"]
    work_address: WorkAddressIn
    valid_from: IsoDate


AddressChange = Annotated[HousingChange | WorkAddressChange, Field(discriminator="type")]


class Transfer(RequestModel):
    """The worker works for another employer from a date on: still one worker (its history kept)."""

    employer_id: UUID = Field(description="A registered employer: the worker's employer from `validFrom` on.")
    valid_from: IsoDate = Field(
        description="Not before the employment started, not after today (a transfer is recorded once it happened)."
    )


class ContractEnd(RequestModel):
    """The employment ends (or ended) on a date; a later one corrects an earlier one."""

    end_date: IsoDate
    reason: str | None = Field(default=None, json_schema_extra={"maxLength": 2000})


class Departure(RequestModel):
    """The worker left the municipality; housing ends from that date."""

    departed_on: IsoDate


class RegistrationConfirmation(RequestModel):
    """The employer vouches that the worker is still employed on a day; a registration not confirmed goes stale."""

    confirmed_on: IsoDate = Field(
        description="A day the worker was employed: not in the future, not after a contract end."
    )
    expected_end_date: IsoDate | None = Field(
        default=None,
        description="The expected end from now on, replacing the earlier one; left out or null: none known, and the "
        "registration must be confirmed again within `LEDGER_STALE_REGISTRATION_MONTHS` months.",
    )


class BrpAddressIn(RequestModel):
    """The address a BRP registration holds (Wet BRP art. 2.38, 2.39)."""

    bag_id: str = Field(
        description="The BAG id of the adresseerbaar object: 16 digits, object type verblijfsobject (01), "
        "ligplaats (02) or standplaats (03).",
        examples=["0420010000123456"],
        json_schema_extra={"pattern": patterns.BAG_ID},
    )
    municipality_code: str = Field(
        description="The CBS gemeentecode of the municipality where the address is: 4 digits (Medemblik `0420`).",
        examples=["0420"],
        json_schema_extra={"pattern": patterns.MUNICIPALITY_CODE},
    )
    since: IsoDate = Field(description="The first day of the address holding (not in the future).")

    def to_address(self) -> BrpAddress:
        """The ledger's BRP address value."""
        return BrpAddress(bag_id=self.bag_id, municipality_code=self.municipality_code, since=self.since)


class PopulationRegistration(RequestModel):
    """The municipality records the worker's registration in the BRP (ingezetene) or the RNI (niet-ingezetene)."""

    # Not `register`: that would shadow `BaseModel.register` (ABCMeta); the wire name is kept by the alias.
    population_register: PopulationRegister = Field(alias="register", description="BRP or RNI.")
    registered_on: IsoDate
    bsn: str | None = Field(
        default=None,
        description=f"The BSN the registration gave, when known: {BSN_DESCRIPTION}",
        json_schema_extra={"pattern": patterns.BSN},
    )
    address: BrpAddressIn | None = Field(
        default=None, description="Required for a BRP registration; an RNI registration has no Dutch address (400)."
    )


class PopulationDeregistration(RequestModel):
    """The BRP ended the worker's registration."""

    deregistered_on: IsoDate = Field(description="Not in the future.")
    reason: DeregistrationReason = Field(
        description="`emigrated` (vertrek naar het buitenland) or `unknown_whereabouts` (vertrokken onbekend waarheen)."
    )


class PopulationDeclaration(RequestModel):
    """The employer reports that the worker declared a registration: shown as declared; it clears no alert."""

    population_register: PopulationRegister = Field(alias="register", description="BRP or RNI.")
    declared_on: IsoDate = Field(description="When the worker declared it (not in the future).")


class TemporaryProtection(RequestModel):
    """The worker is under temporary protection (as those displaced from Ukraine): BRP, never RNI."""

    valid_from: IsoDate = Field(description="The first day of the protection; a later one corrects it.")


class LegalHoldCreate(RequestModel):
    """An open enforcement case: nothing of the worker (or the inspection's notes) may be erased until it is lifted."""

    case_reference: str = Field(
        description="1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
        examples=["HH-2026-0042"],
        json_schema_extra={"pattern": patterns.CASE_REFERENCE},
    )
    reason: str = Field(json_schema_extra={"minLength": 1, "maxLength": 2000})
    review_on: IsoDate | None = Field(
        default=None,
        description=(
            "When the hold is to be reviewed: from then on it is listed as due for review (`GET /retention/due`)"
            " until it is lifted. From today up to a year ahead; default: today plus"
            " `LEDGER_LEGAL_HOLD_REVIEW_MONTHS` (12)."
        ),
    )


class ErasureRequest(RequestModel):
    """Why the worker's personal data is to be erased: a code, kept for ever, and an optional explanation."""

    reason_code: ErasureReason = Field(
        description="Why: kept with the erasure event, shown in the access log and the exports after the data is gone."
    )
    reason: str | None = Field(
        default=None,
        description="An optional explanation for the municipality's own records (it may name the person or "
        "the case): sealed under a key of its own and erased when its retention period ends (5 years).",
        json_schema_extra={"maxLength": MAX_NOTE_LENGTH},
    )
