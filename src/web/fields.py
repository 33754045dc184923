"""Reading what a person typed into a page's fields: each refusal is a code at its field, never an exception.

The pages check their fields with the API's own types and the domain's own
rules (`api.schemas.workers.IsoDate`, `ledger.domain.checks`), so a page and
the API refuse the same input; the page then shows the refusal's code,
translated (`web.refusals`), at the field. `Fields` collects the codes by the
field's name on the page (the API's camelCase name), like the domain's
`Violations`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import TypeAdapter, ValidationError

from api.schemas.workers import IsoDate
from ledger.domain.checks import checked_postcode
from ledger.domain.errors import RuleViolated, Violations

_DAY = TypeAdapter(IsoDate)
# The API's bound on its free-text query parameters (`street`, `city`, `name`).
MAX_QUERY_TEXT = 200


class Fields:
    """The values typed (as typed, to show again) and the refusals by field (their codes)."""

    def __init__(self, typed: Mapping[str, Any]) -> None:
        self.typed = {name: str(value).strip() for name, value in typed.items() if isinstance(value, str)}
        self.errors: dict[str, str] = {}

    def text(self, name: str, *, max_length: int = MAX_QUERY_TEXT) -> str | None:
        """The text of `name` (None when empty); `too_long` beyond `max_length` characters."""
        value = self.typed.get(name) or None
        if value is not None and len(value) > max_length:
            self.errors[name] = "too_long"
        return value

    def whole_number(self, name: str, *, low: int, high: int, out_of_range: str, required: bool = False) -> int | None:
        """A whole number in [low, high] (None when empty and not required)."""
        value = self.typed.get(name, "")
        if not value:
            if required:
                self.errors[name] = "required"
            return None
        if not value.isascii() or not value.isdigit():
            self.errors[name] = "whole_number"
            return None
        number = int(value)
        if not low <= number <= high:
            self.errors[name] = out_of_range
        return number

    def day(self, name: str, *, required: bool = False, default: date | None = None) -> date | None:
        """A day `YYYY-MM-DD`, checked as the API checks one; `default` when empty and not required."""
        value = self.typed.get(name, "")
        if not value:
            if required:
                self.errors[name] = "required"
            return default
        try:
            return _DAY.validate_python(value)
        except ValidationError as e:
            self.errors[name] = str(e.errors()[0].get("type", "invalid"))
            return default

    def postcode(self, name: str) -> str | None:
        """A Dutch postcode by the domain's rule (any case, with or without the space), normalised."""
        value = self.typed.get(name) or None
        if value is None:
            return None
        v = Violations()
        normal = checked_postcode(value, name, v)
        self.refused_by(v)
        return normal

    def refused_by(self, violations: Violations | RuleViolated, names: Mapping[str, str] | None = None) -> None:
        """Take the domain's refusals, each at its page field (`names`: the domain's field name → the page's)."""
        try:
            if isinstance(violations, Violations):
                violations.raise_if_any()
                return
            raise violations
        except RuleViolated as e:
            for violation in e.violations:
                field = (names or {}).get(violation.field, violation.field)
                self.errors.setdefault(field, f"{field}:{violation.code}")

    def value(self, name: str) -> str:
        """What the field shows again: the value as typed."""
        return self.typed.get(name, "")
