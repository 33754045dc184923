"""The base models every schema derives from, and the answers every write gives.

Members are lowerCamelCase on the wire (`alias_generator`); request models
forbid unknown members, so a client learns at once that a field is not taken
(data minimisation, no mass assignment).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from ledger.domain.values import SHREDDED, Sealable

T = TypeVar("T")


def _integral(value: Any) -> Any:
    # JSON Schema counts a number with a zero fraction as an integer (`59884.0`), and so does the
    # document; a boolean, a string or a fraction stays refused (strict mode, `int_type`).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An integer in a request body: a JSON integer, or a number with a zero fraction (`12.0`, `1e2`).
WholeNumber = Annotated[StrictInt, BeforeValidator(_integral)]


class ApiModel(BaseModel):
    """A response model: camelCase on the wire."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class RequestModel(ApiModel):
    """A request body: camelCase, unknown members refused."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=False, extra="forbid", str_strip_whitespace=False
    )


class Created(ApiModel):
    """The answer to a registration."""

    id: UUID
    position: int = Field(description="Notification id of the last event written; pass it as `minPosition`.")


class Written(ApiModel):
    """The answer to a change of an existing aggregate."""

    position: int = Field(description="Notification id of the last event written; pass it as `minPosition`.")
    version: int = Field(description="The aggregate's new version, for `If-Match`.")


def in_utc(instant: datetime) -> datetime:
    """The instant in UTC; one past the ledger's year 9999 there is refused."""
    try:
        return instant.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is in the year 10000 in UTC
        raise PydanticCustomError("datetime_range", "the instant is out of range in UTC") from None


# An instant answered in UTC (serialised with `Z`), whatever offset it came with.
Instant = Annotated[AwareDatetime, AfterValidator(in_utc)]


def plain(value: Sealable[T]) -> T | None:
    """A personal value, or None once its subject's key is gone."""
    return None if value is SHREDDED else value


# Beside every location id: what a person reads (issue 18; `projections.labels`).
LOCATION_LABEL = "The location's address on one line (`Kerkstraat 12A-2, 1671 AB Medemblik`)."
