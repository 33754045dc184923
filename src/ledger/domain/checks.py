"""The named checks that validate and normalise the values of a command.

Every check records a `Violation` naming the field by its dotted path (in the
domain's snake_case; the HTTP layer renders camelCase) instead of raising at
the first problem, so one refusal lists everything that is wrong.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Context, Decimal
from enum import StrEnum

import pycountry
from stdnum.exceptions import InvalidComponent
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

from ledger.domain import text as text_rule
from ledger.domain.errors import Violations
from ledger.domain.text import TextKind
from ledger.domain.values import (
    BAG_ADDRESSABLE_OBJECT_TYPES,
    CENT,
    EARLIEST_BIRTH_DATE,
    EARLIEST_DATE,
    EU_EEA_CH_NATIONALITIES,
    LATEST_DATE,
    MAX_YEARS_AHEAD,
    MINIMUM_WORKER_AGE,
    Address,
    DocumentType,
    Employment,
    IdentityDocument,
    Person,
    Sealable,
    years_after,
)

_BAG_ID = re.compile(r"[0-9]{16}")
_KVK = re.compile(r"[0-9]{8}")
_HOUSE_LETTER = re.compile(r"[A-Za-z]")
_ADDITION = re.compile(r"[A-Za-z0-9]{1,4}")
_DOCUMENT_NUMBER = re.compile(r"[A-Z0-9]{5,20}")
_BSN = re.compile(r"[0-9]{9}")
_CASE_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Enough digits to quantise any amount the settings allow to cents without an InvalidOperation.
_AMOUNT_CONTEXT = Context(prec=40)


def checked_text(value: str, field: str, v: Violations, *, max_length: int = 200) -> str:
    """A required line of printable text (an organisation's name, a street, a city), by the text rule."""
    return text_rule.checked(value, TextKind.LINE, field, v, max_length=max_length)


def checked_person_name(value: str, field: str, v: Violations, *, max_length: int = 200) -> str:
    """A required family or given name, as on an identity document (Latin letters), by the text rule."""
    return text_rule.checked(value, TextKind.PERSON_NAME, field, v, max_length=max_length)


def checked_free_text(value: str, field: str, v: Violations, *, max_length: int = 2000) -> str:
    """Required free text (a reason), by the text rule: several lines and tabs allowed."""
    return text_rule.checked(value, TextKind.FREE_TEXT, field, v, max_length=max_length)


def checked_optional_text(value: str | None, field: str, v: Violations, *, max_length: int = 2000) -> str | None:
    """Optional free text (notes, a reason), by the text rule; empty becomes None."""
    if value is None:
        return None
    return text_rule.checked(value, TextKind.FREE_TEXT, field, v, max_length=max_length, required=False) or None


def checked_postcode(value: str, field: str, v: Violations) -> str:
    """Normalise a Dutch postcode to `1234AB`, by python-stdnum's rule (`stdnum.nl.postcode`).

    Four digits not starting with 0 and two letters, in any case, with spaces
    or dashes anywhere and an optional `NL` prefix; the letter pairs SA, SD and
    SS are not used by PostNL and are refused (docs/domain-rules.md).
    """
    try:
        return str(stdnum_postcode.compact(stdnum_postcode.validate(value)))
    except InvalidComponent:
        v.add(field, "invalid_postcode", "SA, SD and SS are not used in Dutch postcodes")
    except StdnumValidationError:
        v.add(field, "invalid_postcode", "expected 4 digits (not starting with 0) and 2 letters, like 1671 AB")
    return value


def checked_bag_id(value: str, field: str, v: Violations) -> str:
    """A BAG id of an addressable object: 16 digits, the object type a verblijfsobject, ligplaats or standplaats."""
    if v.check(bool(_BAG_ID.fullmatch(value)), field, "invalid_bag_id", "a BAG id has exactly 16 digits"):
        # BAG Catalogus 2018, "identificatiecode": 4 digits of the municipality, then
        # 2 of the object type, then a 10-digit serial number (docs/domain-rules.md).
        v.check(
            value[4:6] in BAG_ADDRESSABLE_OBJECT_TYPES,
            field,
            "bag_object_type_not_addressable",
            "the BAG id of a verblijfsobject (object type 01), ligplaats (02) or standplaats (03); "
            "not of a nummeraanduiding (20), a pand (10) or another object",
        )
    return value


def checked_kvk_number(value: str, field: str, v: Violations) -> str:
    """A KvK (Chamber of Commerce) number: 8 digits."""
    v.check(bool(_KVK.fullmatch(value)), field, "invalid_kvk_number", "a KvK number has exactly 8 digits")
    return value


def checked_nationality(value: str, field: str, v: Violations) -> str:
    """An ISO 3166-1 alpha-3 country code, upper case."""
    code = value.strip().upper()
    known = len(code) == 3 and pycountry.countries.get(alpha_3=code) is not None
    v.check(known, field, "invalid_nationality", "expected an ISO 3166-1 alpha-3 country code, like POL")
    return code


def checked_bsn(value: str | None, field: str, v: Violations) -> str | None:
    """A BSN passing the 11-test, compacted to 9 digits."""
    if value is None:
        return None
    digits = re.sub(r"[ .-]", "", value)
    try:
        # python-stdnum zero-pads 8-digit numbers (old BSNs); the ledger wants all 9 written out.
        if not _BSN.fullmatch(digits):
            raise StdnumValidationError
        return str(stdnum_bsn.validate(digits))
    except StdnumValidationError:
        v.add(field, "invalid_bsn", "not a valid BSN (9 digits passing the 11-test)")
        return value


def checked_enum(value: str, enum: type[StrEnum], field: str, v: Violations) -> str:
    """A value that must be one of an enumeration's members."""
    allowed = [m.value for m in enum]
    v.check(value in allowed, field, "invalid_choice", f"expected one of {', '.join(allowed)}")
    return value


def checked_not_too_far_ahead(day: date, today: date, field: str, v: Violations) -> None:
    """Dates more than a year ahead are refused as typos."""
    limit = years_after(today, MAX_YEARS_AHEAD)
    v.check(day <= limit, field, "too_far_ahead", f"must not be after {limit.isoformat()}")


def checked_not_in_future(day: date, today: date, field: str, v: Violations) -> None:
    """Facts that already happened cannot be dated after today."""
    v.check(day <= today, field, "in_future", "must not be in the future")


def date_in_range(day: date) -> bool:
    """Whether `day` lies within the ledger's bounds, 1900-01-01 to 2100-12-31."""
    return EARLIEST_DATE <= day <= LATEST_DATE


def checked_date_in_range(day: date | None, field: str, v: Violations) -> bool:
    """Dates outside 1900-01-01..2100-12-31 are refused as typos; None (absent) passes."""
    return day is None or v.check(
        date_in_range(day),
        field,
        "out_of_range",
        f"must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}",
    )


def checked_not_before_birth(day: date, born: Sealable[date], field: str, v: Violations) -> None:
    """Nothing about a person happens before they were born (unknowable once the birth date is shredded)."""
    if isinstance(born, date):
        v.check(day >= born, field, "before_birth", "must not be before the worker's birth date")


def checked_amount_eur(amount: Decimal, maximum: Decimal, field: str, v: Violations) -> Decimal:
    """An amount in euros: more than 0, at most `maximum`, at most 2 decimals; kept in cents (`12.50`)."""
    if not amount.is_finite() or not Decimal(0) < amount <= maximum:
        v.add(field, "out_of_range", f"more than 0 and at most {maximum}")
        return amount
    cents = amount.quantize(CENT, context=_AMOUNT_CONTEXT)
    if not v.check(cents == amount, field, "too_many_decimals", "at most 2 decimals (euro cents)"):
        return amount
    return cents


def checked_address(address: Address, field: str, v: Violations) -> Address:
    """Check and normalise an address; fields are named under `field` ("" for top-level names)."""

    def name(leaf: str) -> str:
        return f"{field}.{leaf}" if field else leaf

    letter = address.house_letter or None
    addition = address.house_number_addition or None
    if letter is not None:
        v.check(bool(_HOUSE_LETTER.fullmatch(letter)), name("house_letter"), "invalid_house_letter", "one letter")
    if addition is not None:
        v.check(
            bool(_ADDITION.fullmatch(addition)),
            name("house_number_addition"),
            "invalid_addition",
            "up to 4 letters or digits",
        )
    v.check(1 <= address.house_number <= 99999, name("house_number"), "out_of_range", "between 1 and 99999")
    return replace(
        address,
        street=checked_text(address.street, name("street"), v),
        city=checked_text(address.city, name("city"), v, max_length=80),
        postcode=checked_postcode(address.postcode, name("postcode"), v),
        house_letter=letter.upper() if letter else None,
        house_number_addition=addition.upper() if addition else None,
    )


def checked_case_reference(value: str, field: str, v: Violations) -> str:
    """An enforcement case reference; it appears in URLs, so a restricted alphabet."""
    v.check(
        bool(_CASE_REFERENCE.fullmatch(value)),
        field,
        "invalid_case_reference",
        "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
    )
    return value


def checked_person(person: Person, start_date: date, today: date, v: Violations) -> Person:
    """Check and normalise a worker's personal details (fields under `person`)."""
    born = person.birth_date
    v.check(born <= today, "person.birth_date", "in_future", "must not be in the future")
    v.check(born >= EARLIEST_BIRTH_DATE, "person.birth_date", "too_early", "must not be before 1900-01-01")
    if not v.has("person.birth_date"):
        v.check(
            years_after(born, MINIMUM_WORKER_AGE) <= start_date,
            "person.birth_date",
            "too_young",
            f"the worker must be at least {MINIMUM_WORKER_AGE} when the employment starts",
        )
    doc = person.id_document
    number = doc.number.replace(" ", "").upper()
    v.check(
        bool(_DOCUMENT_NUMBER.fullmatch(number)),
        "person.id_document.number",
        "invalid_document_number",
        "5-20 letters or digits",
    )
    # An expiry before the birth date cannot pass: it is before the start, which
    # is at least 16 years after the birth (or the birth date is refused).
    if checked_date_in_range(doc.expires_on, "person.id_document.expires_on", v):
        v.check(
            doc.expires_on >= start_date,
            "person.id_document.expires_on",
            "expired",
            "the identity document had expired when the employment started",
        )
    nationality = checked_nationality(person.nationality, "person.nationality", v)
    document_type = checked_enum(doc.type, DocumentType, "person.id_document.type", v)
    if document_type == DocumentType.ID_CARD and not v.has("person.nationality"):
        # Wet op de identificatieplicht art. 1: an identity card identifies only an
        # EU/EEA/Swiss national; others show a passport or a Dutch residence document.
        v.check(
            nationality in EU_EEA_CH_NATIONALITIES,
            "person.id_document.type",
            "id_card_not_valid_for_nationality",
            "an identity card is a valid document only for EU, EEA and Swiss nationals; "
            "others show a passport or a Dutch residence document",
        )
    return Person(
        family_name=checked_person_name(person.family_name, "person.family_name", v),
        given_names=checked_person_name(person.given_names, "person.given_names", v),
        birth_date=born,
        nationality=nationality,
        id_document=IdentityDocument(
            type=document_type,
            number=number,
            expires_on=doc.expires_on,
        ),
        bsn=checked_bsn(person.bsn, "person.bsn", v),
    )


def checked_employment(employment: Employment, today: date, v: Violations) -> Employment:
    """Check an employment (fields under `employment`)."""
    checked_not_too_far_ahead(employment.start_date, today, "employment.start_date", v)
    checked_date_in_range(employment.start_date, "employment.start_date", v)
    end = employment.expected_end_date
    if end is not None and checked_date_in_range(end, "employment.expected_end_date", v):
        v.check(
            end >= employment.start_date,
            "employment.expected_end_date",
            "before_start",
            "must not be before the start date",
        )
    return replace(employment, work_address=checked_address(employment.work_address, "employment.work_address", v))
