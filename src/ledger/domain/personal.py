"""How events declare which of their fields are personal data.

An event class lists its personal fields in `personal_fields`; the sealing
mapper encrypts exactly those under the key of the event's subject (the
aggregate the event belongs to) and reads them back as `SHREDDED` once that key
is gone. Declaring it here, beside the events, keeps the data classification
next to the data.
"""

from __future__ import annotations

from typing import Any


def personal_fields_of(event_or_class: Any) -> tuple[str, ...]:
    """The personal fields an event (or event class) declares; none if it declares none."""
    cls = event_or_class if isinstance(event_or_class, type) else type(event_or_class)
    return tuple(getattr(cls, "personal_fields", ()))
