"""The base models every schema derives from, and the answers every write gives.

Members are lowerCamelCase on the wire (`alias_generator`); request models
forbid unknown members, so a client learns at once that a field is not taken
(data minimisation, no mass assignment).
"""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


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
