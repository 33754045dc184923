"""JSON transcodings for the value types that events carry.

Registered on the application's transcoder; each has a stable `name` that is
stored with the value, so renaming the Python class does not break old events.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Transcoding, UUIDAsHex

from ledger.domain.values import Address


class DateAsISO(Transcoding):
    """A calendar date as `YYYY-MM-DD`."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class AddressAsDict(Transcoding):
    """An `Address` as a JSON object."""

    type = Address
    name = "address"

    def encode(self, obj: Address) -> dict[str, Any]:
        return {
            "street": obj.street,
            "house_number": obj.house_number,
            "house_letter": obj.house_letter,
            "house_number_addition": obj.house_number_addition,
            "postcode": obj.postcode,
            "city": obj.city,
        }

    def decode(self, data: dict[str, Any]) -> Address:
        return Address(**data)


def register_ledger_transcodings(transcoder: JSONTranscoder) -> None:
    """Register every transcoding the ledger's events need."""
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO(), AddressAsDict()):
        transcoder.register(transcoding)
