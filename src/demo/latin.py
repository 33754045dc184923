"""Names as the identity document writes them: Bulgarian and Ukrainian names in Latin letters.

The demo draws names from the workers' own countries (Faker's locales), and
Bulgarian and Ukrainian ones come in Cyrillic. The ledger takes a name as the
identity document writes it, in Latin letters (ICAO Doc 9303, and the text rule
in `ledger.domain.text`), so the demo transliterates them as those countries'
passports do: Bulgaria by its Transliteration Act (Закон за транслитерацията,
State Gazette 19/2009), Ukraine by Resolution No. 55 of its Cabinet of
Ministers (27 January 2010).
"""

from __future__ import annotations

import re

_BULGARIAN = {
    **dict(zip("абвгдезийклмнопрстуфхъь", "abvgdeziyklmnoprstufhay", strict=True)),
    **{"ж": "zh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht", "ю": "yu", "я": "ya"},
}
_UKRAINIAN = {
    **dict(zip("абвгґдезиіклмнопрстуф", "abvhgdezyiklmnoprstuf", strict=True)),
    **{"ж": "zh", "\u0445": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},  # \u0445: kha, like a Latin x
}
# Ukrainian є, ї, й, ю and я are written one way at the start of a word, another inside it.
_UKRAINIAN_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_UKRAINIAN_INSIDE = {"є": "ie", "ї": "i", "й": "i", "ю": "iu", "я": "ia"}
_UKRAINIAN_SILENT = frozenset("ь'\u2019\u02bc")  # the soft sign and the apostrophe are not written
# Cyrillic ghe and ze, escaped: they look like Latin letters.
_GHE, _ZE = "\u0433", "\u0437"
_WORD = re.compile(r"[^\s-]+")


def latin_name(name: str, nationality: str) -> str:
    """`name` in Latin letters as a passport of `nationality` writes it (unchanged for other nationalities)."""
    if nationality == "BGR":
        return _WORD.sub(lambda word: _bulgarian(word.group()), name)
    if nationality == "UKR":
        return _WORD.sub(lambda word: _ukrainian(word.group()), name)
    return name


def _bulgarian(word: str) -> str:
    lower = word.lower()
    # "ия" at the end of a word is "ia" (България: Bulgaria).
    ending = "ia" if lower.endswith("ия") else ""
    body = word[:-2] if ending else word
    return "".join(_cased(c, _BULGARIAN.get(c.lower(), c)) for c in body) + ending


def _ukrainian(word: str) -> str:
    letters: list[str] = []
    previous = ""
    for index, c in enumerate(word):
        lower = c.lower()
        if lower in _UKRAINIAN_SILENT:
            continue
        if lower in _UKRAINIAN_INITIAL:
            written = (_UKRAINIAN_INITIAL if index == 0 else _UKRAINIAN_INSIDE)[lower]
        elif lower == _GHE and previous == _ZE:
            written = "gh"  # зг is zgh, so that it is not read as zh
        else:
            written = _UKRAINIAN.get(lower, c)
        letters.append(_cased(c, written))
        previous = lower
    return "".join(letters)


def _cased(original: str, written: str) -> str:
    return written.capitalize() if original.isupper() else written
