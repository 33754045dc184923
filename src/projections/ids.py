"""Ids as the views store them (32 hex digits) read back as UUIDs.

`UUID(int=int(text, 16))` is the same UUID as `UUID(text)` for the views'
form of an id, some four times faster: `UUID(text)` first strips the
`urn:uuid:`, braces and hyphens other spellings may carry. An answer that
names thousands of ids (the locations housing an employer's workers) spent
more on that than on reading them.
"""

from __future__ import annotations

from uuid import UUID


def uuid_of(stored: str) -> UUID:
    """The UUID of an id as a view stores it (`UUID.hex`: 32 hex digits)."""
    if len(stored) != 32:
        return UUID(stored)  # another spelling: the general parser, and its error for a bad one
    return UUID(int=int(stored, 16))
