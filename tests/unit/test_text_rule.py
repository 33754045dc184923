"""Properties of the text rule itself (`ledger.domain.text`), over arbitrary text.

Normalising is idempotent; what the rule accepts it accepts again unchanged (so
nothing it refuses is ever handed on); and nothing it accepts holds a control
character (bar tab and newline in free text), a lone surrogate, a private-use
or unassigned code point, or — in names and addresses — a format character
(bidi controls, zero-width characters). Person names hold Latin letters,
their combining marks, spaces, hyphens, apostrophes and full stops only.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.errors import Violations
from ledger.domain.text import TextKind, checked, normalised

# Characters the rule treats specially, so that the draws meet them often.
_SPECIAL = [
    *"\x00\x01\t\n\r\x0b\x1b\x7f\x85\x9b",
    *"\ud800\udbff\udc00\udfff",
    *"\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2064\u2066\u2067\u2068\u2069\ufeff\u00ad",
    *"\u00a0\u2003\u2028\u2029 -'\u2019.",
    *"\u0301\u0308\u0328\u0327",
    *"eEsSaAnN\u015b\u0119\u00e9\u0141\u00df",
    *"\u0430\u03b1\u05d0\uff41\ufb01\ue000\ufdd0\uffff",
]
_ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates included
TEXT = st.text(st.one_of(st.sampled_from(_SPECIAL), _ANY_CHARACTER), max_size=40)
KINDS = list(TextKind)

EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True)


def _check(value: str, kind: TextKind) -> tuple[str, Violations]:
    v = Violations()
    return checked(value, kind, "field", v, max_length=10_000), v


def _accepted(value: str, kind: TextKind) -> str | None:
    text, v = _check(value, kind)
    return None if v.has("field") else text


@pytest.mark.parametrize("kind", KINDS)
@EXAMPLES
@given(value=TEXT)
def test_normalising_is_idempotent(kind: TextKind, value: str) -> None:
    once = normalised(value, kind)
    assert normalised(once, kind) == once


@pytest.mark.parametrize("kind", KINDS)
@EXAMPLES
@given(value=TEXT)
def test_what_is_accepted_is_accepted_again_unchanged(kind: TextKind, value: str) -> None:
    accepted = _accepted(value, kind)
    if accepted is not None:
        assert _accepted(accepted, kind) == accepted
        assert accepted == normalised(value, kind)
        assert unicodedata.is_normalized("NFC", accepted)


@pytest.mark.parametrize("kind", KINDS)
@EXAMPLES
@given(value=TEXT)
def test_nothing_unwanted_is_ever_accepted(kind: TextKind, value: str) -> None:
    accepted = _accepted(value, kind)
    if accepted is None:
        return
    allowed_controls = "\t\n" if kind is TextKind.FREE_TEXT else ""
    for character in accepted:
        category = unicodedata.category(character)
        assert category not in ("Cs", "Co", "Cn"), f"U+{ord(character):04X}"
        assert category != "Cc" or character in allowed_controls, f"U+{ord(character):04X}"
        if kind is not TextKind.FREE_TEXT:
            assert category not in ("Cf", "Zl", "Zp"), f"U+{ord(character):04X}"
    if kind is not TextKind.FREE_TEXT:
        assert accepted == " ".join(accepted.split())  # one line, single spaces, trimmed


@EXAMPLES
@given(value=TEXT)
def test_an_accepted_person_name_holds_latin_letters_marks_and_name_punctuation_only(value: str) -> None:
    accepted = _accepted(value, TextKind.PERSON_NAME)
    if accepted is None:
        return
    assert any(c.isalpha() for c in accepted)
    for character in accepted:
        if unicodedata.category(character).startswith("L"):
            assert unicodedata.name(character).startswith("LATIN "), f"U+{ord(character):04X}"
        else:
            assert unicodedata.category(character) in ("Mn", "Mc", "Me") or character in " -'\u2019.", (
                f"U+{ord(character):04X}"
            )


@pytest.mark.parametrize("kind", KINDS)
@EXAMPLES
@given(value=TEXT)
def test_a_refusal_is_recorded_against_the_field_it_was_given(kind: TextKind, value: str) -> None:
    _, v = _check(value, kind)
    v2 = Violations()
    checked(value, kind, "other.field", v2, max_length=10_000)
    assert v.has("field") == v2.has("other.field")
    assert not v2.has("field")
