r"""JSON Schema patterns of the rules the ledger holds its input to, so that the OpenAPI document states them.

The rules themselves live in the domain (`ledger.domain.values` and the
aggregates); a pattern here says the same as a regular expression, for clients
and their tools, and tests/contract/test_document.py holds each pattern to its
rule: what the one admits, the other admits. The API does not match them
itself, so that one refusal still names every broken rule.

The patterns are ECMA-262 (as JSON Schema reads them) and mean the same to
Python's `re`: no `\s`, `\d` or `\w` (whose meaning differs between the two),
character classes written out instead, and the few characters beyond the
Basic Multilingual Plane only as literals outside a class (ECMA-262 without
the `u` flag reads such a character as two code units).
"""

from __future__ import annotations

import unicodedata


def _char(point: int) -> str:
    r"""One code point in a character class: itself if it is visible, else escaped (`\u00a0`)."""
    character = chr(point)
    if character in "\\]-^[":
        return f"\\{character}"
    if unicodedata.category(character)[0] in "LNPS":
        return character
    return f"\\u{point:04x}"


def _chars(*points: int | tuple[int, int]) -> str:
    """The body of a character class: code points and (first, last) ranges."""
    parts = []
    for point in points:
        first, last = point if isinstance(point, tuple) else (point, point)
        parts.append(_char(first) if first == last else f"{_char(first)}-{_char(last)}")
    return "".join(parts)


# What Python's `str.strip()` removes: the code points `str.isspace()` calls white space.
WHITE_SPACE = _chars(
    (0x09, 0x0D), (0x1C, 0x20), 0x85, 0xA0, 0x1680, (0x2000, 0x200A), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000
)

# A KvK number: 8 digits; the ledger trims white space around it (`Employer.register`).
KVK_NUMBER = f"^[{WHITE_SPACE}]*[0-9]{{8}}[{WHITE_SPACE}]*$"
# A BAG object id: 16 digits, trimmed likewise (`HousingLocation.register`).
# The object type in digits 5-6: 01 verblijfsobject, 02 ligplaats, 03 standplaats (`checked_bag_id`).
BAG_ID = f"^[{WHITE_SPACE}]*[0-9]{{4}}0[1-3][0-9]{{10}}[{WHITE_SPACE}]*$"
# A CBS gemeentecode: 4 digits, trimmed likewise (`checked_brp_address`).
MUNICIPALITY_CODE = f"^[{WHITE_SPACE}]*[0-9]{{4}}[{WHITE_SPACE}]*$"
# A BSN: 9 digits, with spaces, dots or hyphens anywhere (`checked_bsn`); the 11-test is beyond a pattern.
BSN = "^[ .-]*(?:[0-9][ .-]*){9}$"
# One letter, or empty (read as none); up to 4 letters or digits, or empty (`checked_address`).
HOUSE_LETTER = "^[A-Za-z]?$"
HOUSE_NUMBER_ADDITION = "^[A-Za-z0-9]{0,4}$"
# An enforcement case reference, which appears in URLs (`checked_case_reference`).
CASE_REFERENCE = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

# -- the postcode: python-stdnum's rule (`stdnum.nl.postcode`, in `checked_postcode`) ----------------------
#
# python-stdnum reads the Unicode dashes and spaces it knows as a hyphen and drops every space and
# hyphen, wherever it is; it upper-cases (so the dotless i is I, the long s is S, and the ligatures
# U+FB00-FB02, FB05 and FB06 are two letters each: FF, FI, FL, ST, ST), strips white space at either
# end and drops an `NL` in front. What remains must be four digits not starting with 0 (it reads
# full-width and mathematical digits as digits) and two letters other than SA, SD and SS.
_DROPPED = _chars(
    0x20, 0x2D, 0xA0, 0xAF, 0x2D7, 0x58A, 0x5BE, 0x1680, 0x180A, (0x2000, 0x200A), (0x2010, 0x2015), 0x202F,
    0x203E, 0x2043, 0x205F, 0x207B, 0x208B, 0x2212, 0x23AF, (0x23BA, 0x23BD), 0x23E4, 0x3000, 0xFE63, 0xFF0D, 0xFFE3,
)  # fmt: skip
_SEPARATORS = f"[{_DROPPED}]*"
# Stripped at either end: white space, besides what is dropped anywhere.
_ENDS = f"[{_chars((0x09, 0x0D), (0x1C, 0x1F), 0x85, 0x2028, 0x2029)}{_DROPPED}]*"
# The mathematical digits (bold, double-struck, sans-serif, sans-serif bold, monospace): five runs of 0-9.
_MATHEMATICAL_DIGITS = range(0x1D7CE, 0x1D800)
_DOTLESS_I, _LONG_S = "\\u0131", "\\u017f"
_LIGATURES = _chars((0xFB00, 0xFB02), 0xFB05, 0xFB06)


def _digit(*, zero: bool) -> str:
    """Any digit python-stdnum reads as 0-9 (or 1-9)."""
    beyond = [chr(point) for point in _MATHEMATICAL_DIGITS if zero or (point - _MATHEMATICAL_DIGITS[0]) % 10]
    ascii_and_full_width = "0-9\\uff10-\\uff19" if zero else "1-9\\uff11-\\uff19"
    return f"(?:[{ascii_and_full_width}]|{'|'.join(beyond)})"


_LETTERS = (
    f"(?:[A-RT-Za-rt-z{_DOTLESS_I}]{_SEPARATORS}[A-Za-z{_DOTLESS_I}{_LONG_S}]"  # not S first: any second letter
    f"|[Ss{_LONG_S}]{_SEPARATORS}[B-CE-RT-Zb-ce-rt-z{_DOTLESS_I}]"  # S first: not A, D or S second
    f"|[{_LIGATURES}])"  # a pair in one character
)
POSTCODE = (
    f"^{_ENDS}(?:[Nn]{_SEPARATORS}[Ll]{_SEPARATORS})?"
    f"{_digit(zero=False)}{_SEPARATORS}"
    f"{_digit(zero=True)}{_SEPARATORS}{_digit(zero=True)}{_SEPARATORS}{_digit(zero=True)}{_SEPARATORS}"
    f"{_LETTERS}{_ENDS}$"
)
