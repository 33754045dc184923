"""Opaque keyset cursors for lists in id order, as `GET /workers` gives them out (docs/http.md, *Paging*).

A cursor is the last id of a page (for a list in (key, id) order, the key's
place among a fixed few, then the id, as `GET /alerts` orders by kind and
subject) behind a prefix naming the list, in
unpadded base64url: clients pass it back unchanged, and a cursor of another
list, or one the API never gave out, is 400 naming `cursor`. The OpenAPI
pattern admits exactly the cursors of that length and prefix (`IdCursor`:
exactly those `encode` gives out; `KeyedIdCursor` checks the key's place
when decoding).
"""

from __future__ import annotations

import base64
import re
import string
from collections.abc import Sequence
from typing import Any
from uuid import UUID

_BASE64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


DESCRIPTION = "`nextCursor` of the previous page, unchanged (an opaque string); omit for the first page."


class IdCursor:
    """The cursor of one list: `encode` an id, `decode` it (a `BeforeValidator`), `schema` for the document.

    A route declares its parameter as
    `Annotated[UUID | None, BeforeValidator(C.decode), WithJsonSchema(C.schema), Query(description=DESCRIPTION)]`.
    """

    def __init__(self, name: str, size: int = 16) -> None:
        self.prefix = f"{name}.v1:".encode()
        self.size = size  # the bytes after the prefix
        self.pattern = self._pattern()
        # An opaque string to clients, whatever it holds.
        self.schema: dict[str, Any] = {"type": "string", "pattern": self.pattern}

    def encode(self, after: UUID) -> str:
        """The opaque cursor of the page after `after`."""
        return self._encode(after.bytes)

    def _encode(self, payload: bytes) -> str:
        return base64.urlsafe_b64encode(self.prefix + payload).rstrip(b"=").decode()

    def _pattern(self) -> str:
        fixed, bits = divmod(len(self.prefix) * 8, 6)  # characters the prefix fills alone; its bits in the next
        lowest = self._encode(bytes(self.size))
        start = _BASE64URL.index(lowest[fixed])
        shared = _BASE64URL[start : start + 2 ** (6 - bits)]  # the next character: the prefix's bits, then any
        # A `-` last in the class, where it is itself and not a range.
        shared = shared.replace("-", "") + ("-" if "-" in shared else "")
        return f"^{lowest[:fixed]}[{shared}][A-Za-z0-9_-]{{{len(lowest) - fixed - 1}}}$"

    def decode(self, value: object) -> object:
        """The id a cursor holds; `ValueError` (400 naming `cursor`) for one this list did not give out."""
        if not isinstance(value, str):
            return value
        return UUID(bytes=self._payload(value))

    def _payload(self, value: str) -> bytes:
        # Only what the pattern admits: base64 decoding would skip characters outside the alphabet.
        padded = value + "=" * (-len(value) % 4)
        raw = base64.urlsafe_b64decode(padded) if re.fullmatch(self.pattern.strip("^$"), value) else b""
        if not raw.startswith(self.prefix) or len(raw) != len(self.prefix) + self.size:
            msg = "not a cursor this API gave out; pass `nextCursor` unchanged"
            raise ValueError(msg)
        return raw[len(self.prefix) :]


class KeyedIdCursor(IdCursor):
    """The cursor of a list in (key, id) order, the key one of a few names: the key's place, then the id.

    `decode` gives `"<key>:<id hex>"`, a plain string (a query parameter is one
    value); `split` reads it back.
    """

    def __init__(self, name: str, keys: Sequence[str]) -> None:
        self.keys = tuple(keys)
        super().__init__(name, size=17)

    def encode_key(self, key: str, after: UUID) -> str:
        """The opaque cursor of the page after (`key`, `after`)."""
        return self._encode(bytes([self.keys.index(key)]) + after.bytes)

    def decode(self, value: object) -> object:
        """`"<key>:<id hex>"`; `ValueError` (400 naming `cursor`) for a cursor this list did not give out."""
        if not isinstance(value, str):
            return value
        payload = self._payload(value)
        if payload[0] >= len(self.keys):
            msg = "not a cursor this API gave out; pass `nextCursor` unchanged"
            raise ValueError(msg)
        return f"{self.keys[payload[0]]}:{UUID(bytes=payload[1:]).hex}"

    @staticmethod
    def split(decoded: str) -> tuple[str, UUID]:
        """The key and the id of a decoded cursor."""
        key, _, hex_id = decoded.rpartition(":")
        return key, UUID(hex_id)
