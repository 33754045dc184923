"""The text rule: what text the ledger takes into its events, and in what form.

Every free-text value enters the domain through `checked`, with one of three kinds:

- `PERSON_NAME`: a family or given name, as on an identity document. ICAO Doc
  9303 (Machine Readable Travel Documents, part 3) writes names in Latin
  characters; the ledger takes Latin letters with their diacritics — letters
  of the Latin script, precomposed or followed by combining marks — spaces,
  hyphens, apostrophes (' and U+2019) and full stops. Other scripts are
  `not_latin_script` (the document's Latin transcription is the name to give);
  compatibility forms of Latin letters (fullwidth, mathematical, ligatures) and
  anything else are `invalid_character`; a name needs a letter (`no_letter`).
- `LINE`: one line of printable text in any script: an organisation's name, a
  street, a city.
- `FREE_TEXT`: notes and reasons, which may have several lines and tabs.

All kinds are normalised to NFC (Unicode Standard Annex #15), so one name is
stored, searched and shown one way. Nowhere may text hold a control character
(C0, DEL, C1; `control_character`) but tab and newline in free text, a lone
surrogate, a private-use code point or an unassigned one or noncharacter
(`invalid_character`: none of these is text that can be stored and shown as
sent). Names and lines may not hold format characters either
(`format_character`): the bidirectional controls and zero-width characters that
Unicode Technical Report #36 and Technical Standard #39 name as means of
spoofing (they reorder or hide what a reader sees), and every other invisible
format character (general category Cf). Free text keeps them, because a note
may quote right-to-left text, which needs them. A name and a line are trimmed
and their whitespace collapsed to single spaces; free text is trimmed, and
its line ends (CR LF, CR) become LF. The rules and their sources: docs/text-input.md.

A refusal names the field and the first offending code point of each kind
(`U+202E`), never the text itself: the text may be personal data.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from enum import StrEnum

from ledger.domain.errors import Violations


class TextKind(StrEnum):
    """What a free-text field holds, which decides what it may contain."""

    PERSON_NAME = "person_name"
    LINE = "line"
    FREE_TEXT = "free_text"


# Besides letters, marks and spaces, a name on an identity document holds these.
NAME_PUNCTUATION = frozenset("-'\u2019.")
# The blocks of combining marks that Latin letters take (Combining Diacritical
# Marks, its Extended and Supplement blocks, and the half marks).
_LATIN_MARK_BLOCKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0xFE20, 0xFE2F))
# The combining grapheme joiner is a mark that shows nothing (a default-ignorable code point).
_GRAPHEME_JOINER = "\u034f"
# UTS #39 §5.4 (optional detection): more than four marks on a letter, or one mark twice, hide or stack glyphs.
MAX_MARKS_IN_A_ROW = 4
# The format characters that TR #36 / UTS #39 name as bidi controls and zero-width characters.
BIDI_CONTROLS = frozenset(
    [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), "\u200e", "\u200f", "\u061c"]
)
ZERO_WIDTH = frozenset([*map(chr, range(0x200B, 0x200E)), *map(chr, range(0x2060, 0x2065)), "\ufeff"])
# Free text may have several lines and tabs; CR (alone or before LF) becomes LF.
_FREE_TEXT_CONTROLS = frozenset("\t\n\r")


def normalised(value: str, kind: TextKind) -> str:
    """`value` in the form the ledger keeps text of `kind` in (whether or not it passes the rule)."""
    return _tidied(unicodedata.normalize("NFC", value), kind)


def checked(value: str, kind: TextKind, field: str, v: Violations, *, max_length: int, required: bool = True) -> str:
    """Normalise `value` as text of `kind`; record under `field` every rule it breaks. Answers the normalised text.

    The characters are checked before whitespace is collapsed or trimmed, so a
    control character that Python counts as whitespace (FS, NEL, a trailing
    form feed) is refused, not silently dropped. Empty is `required` unless
    `required` is False (the caller then reads "" as absent).
    """
    text = unicodedata.normalize("NFC", value)
    for code, reason in _broken_rules(text, kind):
        v.add(field, code, reason)
    tidied = _tidied(text, kind)
    if required:
        v.check(bool(tidied), field, "required", "must not be empty")
    v.check(len(tidied) <= max_length, field, "too_long", f"at most {max_length} characters")
    return tidied


def _tidied(text: str, kind: TextKind) -> str:
    if kind is TextKind.FREE_TEXT:
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return " ".join(text.split())


def _broken_rules(text: str, kind: TextKind) -> Iterator[tuple[str, str]]:
    """(code, reason) for each kind of broken rule, naming its first offending code point."""
    seen: set[str] = set()
    letters = 0
    marks = _MarkRun()
    for position, character in enumerate(text, start=1):
        broken = _broken_by(character, kind)
        if kind is TextKind.PERSON_NAME:
            broken = broken or _broken_in_a_name(character, marks)
            marks.add(character)
        letters += unicodedata.category(character).startswith("L")
        if broken is not None and broken[0] not in seen:
            seen.add(broken[0])
            code, what = broken
            yield code, f"{what} (found {_describe(character)} at position {position})"
    if kind is TextKind.PERSON_NAME and not seen and text.strip() and not letters:
        yield "no_letter", "a name must contain a letter"


class _MarkRun:
    """The combining marks on the current letter, counted decomposed (NFD), as UTS #39 §5.4 counts them.

    A precomposed letter brings its own marks ("ń" is n and an acute), so the
    same stack of marks counts the same whether or not NFC composed part of it.
    """

    def __init__(self) -> None:
        self.after_letter = False  # whether the run sits on a letter
        self.count = 0
        self.last = ""

    def add(self, character: str) -> None:
        if character.isascii():
            self.after_letter, self.count, self.last = character.isalpha(), 0, ""
            return
        decomposed = unicodedata.normalize("NFD", character)
        marks = [c for c in decomposed if unicodedata.category(c).startswith("M")]
        if unicodedata.category(character).startswith("M"):
            self.count += len(marks)
        else:
            self.after_letter = unicodedata.category(character).startswith("L")
            self.count = len(marks)
        self.last = marks[-1] if marks else ""


# Refused in text of every kind, by general category.
_NOT_TEXT = {
    "Cs": ("invalid_character", "must not contain a lone surrogate: it is half of a character, not text"),
    "Co": ("invalid_character", "must not contain private-use characters"),
    "Cn": ("invalid_character", "must not contain unassigned code points or noncharacters"),
}


def _broken_by(character: str, kind: TextKind) -> tuple[str, str] | None:
    """The rule `character` breaks in text of any kind, if any."""
    category = unicodedata.category(character)
    if category in _NOT_TEXT:
        return _NOT_TEXT[category]
    if category == "Cc":
        return _broken_by_a_control(character, kind)
    if category == "Cf" and kind is not TextKind.FREE_TEXT:
        return _broken_by_a_format_character(character)
    return None


def _broken_by_a_control(control: str, kind: TextKind) -> tuple[str, str] | None:
    if kind is not TextKind.FREE_TEXT:
        return "control_character", "must be one line without control characters (no tab or line break)"
    if control in _FREE_TEXT_CONTROLS:
        return None
    return "control_character", "must not contain control characters other than tab and newline"


def _broken_by_a_format_character(character: str) -> tuple[str, str]:
    if character in BIDI_CONTROLS:
        return "format_character", "must not contain bidirectional controls"
    if character in ZERO_WIDTH:
        return "format_character", "must not contain zero-width characters"
    return "format_character", "must not contain invisible formatting characters"


def _broken_in_a_name(character: str, marks: _MarkRun) -> tuple[str, str] | None:
    """The rule `character` breaks in a person's name (after the marks run so far), if any."""
    category = unicodedata.category(character)
    if category.startswith("L"):
        return _broken_by_a_letter(character)
    if category.startswith("M"):
        return _broken_by_a_mark(character, marks)
    if character.isspace() or character in NAME_PUNCTUATION:
        return None
    return "invalid_character", "a name holds letters, spaces, hyphens, apostrophes and full stops only"


def _broken_by_a_mark(mark: str, marks: _MarkRun) -> tuple[str, str] | None:
    code_point = ord(mark)
    if not any(first <= code_point <= last for first, last in _LATIN_MARK_BLOCKS) or mark == _GRAPHEME_JOINER:
        return "invalid_character", "a name's combining marks are the diacritics of Latin letters"
    if not marks.after_letter:
        return "invalid_character", "a combining mark must follow a letter"
    decomposed = [c for c in unicodedata.normalize("NFD", mark) if unicodedata.category(c).startswith("M")]
    if marks.count + len(decomposed) > MAX_MARKS_IN_A_ROW:
        return "invalid_character", f"at most {MAX_MARKS_IN_A_ROW} combining marks on one letter"
    if decomposed[:1] == [marks.last]:
        return "invalid_character", "the same combining mark twice on one letter"
    return None


def _broken_by_a_letter(letter: str) -> tuple[str, str] | None:
    if unicodedata.category(letter) == "Lm":
        return "invalid_character", "a modifier letter (such as U+02BC, an apostrophe) is not a letter of a name"
    compatible = unicodedata.normalize("NFKC", letter)
    if not all(_is_latin_letter(c) for c in compatible if unicodedata.category(c).startswith("L")):
        return "not_latin_script", "write the name in Latin letters, as the identity document does"
    if compatible != letter:
        return "invalid_character", "a compatibility form of a Latin letter (fullwidth, a ligature): write the letter"
    return None


def _is_latin_letter(letter: str) -> bool:
    # The standard library has no Script property; Latin letters are the ones Unicode names LATIN.
    return unicodedata.name(letter, "").startswith("LATIN ")


def _describe(character: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`: the code point and, where Unicode gives one, its name."""
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X} {name}" if name else f"U+{ord(character):04X}"
