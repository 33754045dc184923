"""The query parameters several routes share, and the dependencies that resolve them.

`on` / `asKnownAt` (defaults: today in the municipality's zone, now; any
offset accepted, answered in UTC), resolved into a `Moment`; instants in a
query string (`QueryInstant`); the `employerId` filter within an employer-only
caller's scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query
from pydantic import AfterValidator, AwareDatetime, BeforeValidator
from pydantic_core import PydanticCustomError

from api.auth import Principal
from api.deps import ServicesDep
from api.schemas.common import in_utc
from api.schemas.workers import IsoDate
from api.scoping import employer_scope, require_employer_in_scope
from ledger.domain.checks import date_in_range
from ledger.domain.errors import RuleViolated, Violations
from ledger.domain.text import TextKind, checked
from ledger.domain.values import EARLIEST_DATE, LATEST_DATE

_ISO_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T.+")


def _iso_instant_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    # An unencoded "+01:00" in a query string arrives as " 01:00" (form encoding);
    # the offset is what the client meant, so it is read back rather than refused.
    if len(value) > 6 and value[-6] == " ":
        value = f"{value[:-6]}+{value[-5:]}"
    # Pydantic would also take a Unix timestamp; the contract writes instants in ISO 8601.
    if not _ISO_INSTANT.fullmatch(value):
        raise PydanticCustomError("datetime_format", "expected an ISO 8601 instant, like 2026-03-01T09:30:00Z")
    return value


def _instant_in_range(instant: datetime) -> datetime:
    # The ledger's date bounds hold for instants too: their day in UTC.
    if not date_in_range(instant.date()):
        raise PydanticCustomError(
            "datetime_out_of_range",
            "must be between {earliest} and {latest}",
            {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )
    return instant


def _a_line(value: str) -> str:
    # A search text is held to the rule of the line it is compared with (docs/text-input.md): a NUL
    # would otherwise reach PostgreSQL, which refuses it in a string with an error, not an answer.
    v = Violations()
    found = checked(value, TextKind.LINE, "", v, max_length=SEARCH_TEXT_MAX, required=False)
    try:
        v.raise_if_any()
    except RuleViolated as refused:
        first = refused.violations[0]
        raise PydanticCustomError(first.code, first.reason) from None
    return found


SEARCH_TEXT_MAX = 200
# A part of a name, street or city to search for: one line of printable text, 1-200 characters.
SearchText = Annotated[str, AfterValidator(_a_line)]


# How far ahead of the server's clock `asKnownAt` may be: clocks of clients differ a little,
# but nothing is known about a later moment yet, and an answer "as known then" would change.
AS_KNOWN_AT_LEEWAY = timedelta(minutes=1)


def _not_ahead_of_now(instant: datetime) -> datetime:
    if instant > datetime.now(UTC) + AS_KNOWN_AT_LEEWAY:
        raise PydanticCustomError("datetime_future", "must not be more than a minute ahead of the server's clock")
    return instant


# An instant in a query string: ISO 8601 with an offset (a naive time is refused: it names no
# instant), converted to UTC, within the ledger's date bounds.
QueryInstant = Annotated[
    AwareDatetime, BeforeValidator(_iso_instant_text), AfterValidator(in_utc), AfterValidator(_instant_in_range)
]
# The instant a bitemporal answer is as known at: not later than now (plus the leeway).
KnownAt = Annotated[QueryInstant, AfterValidator(_not_ahead_of_now)]

On = Annotated[IsoDate | None, Query(description="The day asked about, `YYYY-MM-DD` (default: today).")]
AsKnownAt = Annotated[
    KnownAt | None,
    Query(
        alias="asKnownAt",
        description="Answer from the events recorded at or before this instant (default: now; "
        "at most a minute ahead of the server's clock).",
    ),
]


@dataclass(frozen=True)
class Moment:
    """A bitemporal point: the day asked about, as known at an instant (UTC)."""

    on: date
    as_known_at: datetime


def moment(services: ServicesDep, on: On = None, as_known_at: AsKnownAt = None) -> Moment:
    """`on` (default today, in the municipality's zone) and `asKnownAt` (default now), resolved."""
    return Moment(
        on=on if on is not None else services.ledger.today(),
        as_known_at=as_known_at if as_known_at is not None else datetime.now(UTC),
    )


MomentDep = Annotated[Moment, Depends(moment)]


def scoped_employer(principal: Principal, asked: UUID | None) -> UUID | None:
    """The `employerId` filter to apply: the asked one within the caller's scope (another employer is 404)."""
    if asked is None:
        return employer_scope(principal)
    require_employer_in_scope(principal, asked)
    return asked
