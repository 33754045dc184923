"""The time-travel control of every page: `on` (a day) and `asKnownAt` (an instant), as the API takes them.

The values are checked by the API's own types (`api.parameters.KnownAt`,
`api.schemas.workers.IsoDate`), so a page and the API refuse the same input —
but a page shows the refusal at its field, by its code in the page's language,
instead of answering problem+json. The instant may also be given as the
browser's `datetime-local` field sends it, without an offset: that is the
municipality's wall-clock time (`LEDGER_TIMEZONE`). Without either, the page
shows today as known now. A page about what was recorded (the audit pages)
asks only the instant: a day does not apply there, the control shows no day
field and says so, and an `on` in the query is left unread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from pydantic import TypeAdapter, ValidationError

from api.parameters import KnownAt, Moment
from api.schemas.workers import IsoDate
from api.services import Services
from web.templating import local_input, query

_DAY = TypeAdapter(IsoDate)
_INSTANT = TypeAdapter(KnownAt)
_WALL_CLOCK = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?")


@dataclass(frozen=True)
class TimeTravel:
    """The moment a page answers for, what was typed, and the refusals by field (their codes)."""

    moment: Moment
    on: str = ""
    as_known_at: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    day_applies: bool = True  # False on a page about what was recorded: only `asKnownAt` is asked

    @property
    def active(self) -> bool:
        """Whether the page shows another day or another knowledge than today's as known now."""
        return bool(self.on or self.as_known_at) and not self.errors

    @property
    def query(self) -> str:
        """The query string that asks for the same moment (for the page's links and images)."""
        return query(on=self.on, asKnownAt=self.as_known_at)

    def field_value(self, name: str, zone: str) -> str:
        """What the field shows: the day as typed; the instant in the municipality's wall-clock time."""
        if name == "on":
            return self.on
        if not self.as_known_at or "asKnownAt" in self.errors:
            return ""  # a datetime-local field cannot show what it could not read
        return local_input(self.moment.as_known_at, zone)


def time_travel(request: Request, services: Services, *, day_applies: bool = True) -> TimeTravel:
    """The moment asked for in the request's query (`on`, `asKnownAt`), checked as the API checks it.

    Without `day_applies`, `on` is not read: the page answers for the instant only.
    """
    on_text = request.query_params.get("on", "").strip() if day_applies else ""
    known_text = request.query_params.get("asKnownAt", "").strip()
    errors: dict[str, str] = {}
    on = services.ledger.today()
    as_known_at = datetime.now(UTC)
    if on_text:
        try:
            on = _DAY.validate_python(on_text)
        except ValidationError as e:
            errors["on"] = _code(e)
    if known_text:
        try:
            as_known_at = _INSTANT.validate_python(_with_offset(known_text, services.settings.timezone))
        except ValidationError as e:
            errors["asKnownAt"] = _code(e)
    return TimeTravel(Moment(on=on, as_known_at=as_known_at), on_text, known_text, errors, day_applies)


def _with_offset(text: str, zone: str) -> str:
    """A wall-clock time without an offset is the municipality's; anything else is left to the type to judge."""
    if not _WALL_CLOCK.fullmatch(text):
        return text
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).isoformat()
    except ValueError:
        return text


def _code(error: ValidationError) -> str:
    first: dict[str, Any] = dict(error.errors()[0])
    return str(first.get("type", "invalid"))
