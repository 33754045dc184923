"""The register's handling of personal data: sealed columns and the blind index of the family name.

A personal field is sealed into a register column under the subject's data
key, with associated data binding the view, the worker and the field, so a
ciphertext copied to another worker or column does not open; the keyed blind
index of the normalised family name lets a search find a worker without
opening anyone's name.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import date
from typing import Any

from ledger.crypto.sealing import open_bytes, seal_bytes
from ledger.domain.values import SHREDDED
from projections.register_records import SHREDDED_DETAILS, LegalHold, PersonalDetails
from projections.register_tables import PERSONAL_FIELDS
from projections.storable import storable

# Letters without a Unicode decomposition that people often type without their
# mark ("Michal" for "Michał"); everything else loses its marks by NFKD.
_UNMARKED = str.maketrans(
    {
        "\N{LATIN SMALL LETTER L WITH STROKE}": "l",
        "\N{LATIN SMALL LETTER O WITH STROKE}": "o",
        "\N{LATIN SMALL LETTER D WITH STROKE}": "d",
        "\N{LATIN SMALL LETTER H WITH STROKE}": "h",
        "\N{LATIN SMALL LETTER DOTLESS I}": "i",
        "\N{LATIN SMALL LETTER L WITH MIDDLE DOT}": "l",
        "\N{LATIN SMALL LETTER AE}": "ae",
        "\N{LATIN SMALL LIGATURE OE}": "oe",
    }
)


def normalise_family_name(name: str) -> str:
    """The form names are matched in: NFKC, case folded, marks stripped, whitespace collapsed.

    "  WIŚNIEWSKA ", "Wisniewska" and "wiśniewska" are the same name; so are
    "van  der Berg" and "Van der Berg". Hyphens and apostrophes are kept: they
    tell names apart ("Kowalska-Nowak" is not "Kowalska Nowak").
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    unmarked = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFKC", unmarked).casefold().translate(_UNMARKED)
    return " ".join(folded.split())


def blind_index(index_key: bytes, family_name: str) -> str | None:
    """HMAC-SHA256 of the normalised family name under the index key; None for an empty name."""
    normalised = normalise_family_name(storable(family_name))
    if not normalised:
        return None
    message = b"register:family_name|" + normalised.encode()
    return hmac.new(index_key, message, hashlib.sha256).hexdigest()


def associated_data(worker_hex: str, field: str) -> bytes:
    """What a register ciphertext is bound to: this view, this worker, this field."""
    return f"view:register|{worker_hex}|{field}".encode()


def seal_value(data_key: bytes, worker_hex: str, field: str, value: str | date) -> str:
    """Seal one personal value for a register column (text made storable first, as every view's text is)."""
    plaintext = value.isoformat() if isinstance(value, date) else storable(value)
    return seal_bytes(data_key, plaintext.encode(), associated_data(worker_hex, field))


def open_text(data_key: bytes, worker_hex: str, field: str, token: str | None) -> str | None:
    """A sealed register column's text opened (None for an empty column); a broken seal is refused."""
    if token is None:
        return None
    what = f"register field {field!r} of worker {worker_hex}"
    return open_bytes(data_key, token, associated_data(worker_hex, field), what=what).decode()


def open_person(row: Any, data_key: bytes | None) -> PersonalDetails:
    """The personal fields of a register row, opened; all `SHREDDED` without a key."""
    if data_key is None or row.shredded:
        return SHREDDED_DETAILS
    values: dict[str, Any] = {}
    for field, kind in PERSONAL_FIELDS.items():
        text = open_text(data_key, row.worker_id, field, getattr(row, f"sealed_{field}"))
        values[field] = date.fromisoformat(text) if kind is date and text is not None else text
    return PersonalDetails(**values)


def open_legal_hold(row: Any, data_key: bytes | None) -> LegalHold:
    """A legal-hold row with its reason opened (`SHREDDED` without a key)."""
    field = f"legal_hold:{row.case_reference}"
    reason = SHREDDED if data_key is None else open_text(data_key, row.worker_id, field, row.sealed_reason)
    return LegalHold(
        case_reference=row.case_reference, placed_at=row.placed_at, reason=SHREDDED if reason is None else reason
    )
