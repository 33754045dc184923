"""Dutch first, English second: the pages' message catalogues (gettext, through Babel) and the language cookie.

The texts of the pages are written in English in the templates and the code,
and every one is in both catalogues, `locale/nl` and `locale/en`
(`messages.po`). The catalogues are compiled when the process starts, from the
committed `.po` files (a few milliseconds): nothing generated is committed,
and a fresh clone serves them. `make messages` extracts the texts again
(`babel.cfg`) and updates both catalogues, keeping what was translated; a test
fails while a catalogue misses a text or holds one no page uses.

The language is the `taal` cookie's, else Dutch (the municipality's working
language); the switch on every page sets it.
"""

from __future__ import annotations

import sys
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

from web.refusals import message_of

HERE = Path(__file__).resolve().parent
LOCALE = HERE / "locale"
# The first is the default.
LANGUAGES = {"nl": "Nederlands", "en": "English"}
DEFAULT_LANGUAGE = "nl"
LANGUAGE_COOKIE = "taal"
_KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}


def language_of(cookie: str | None) -> str:
    """The page's language: the cookie's if it names one of ours, else Dutch."""
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


def _po(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "messages.po"


def catalogue(language: str) -> Catalog:
    """The committed catalogue of `language`."""
    with _po(language).open("rb") as f:
        return read_po(f, locale=language)


@cache
def translations(language: str) -> Translations:
    """The compiled catalogue of `language` (compiled once per process)."""
    compiled = BytesIO()
    write_mo(compiled, catalogue(language))
    compiled.seek(0)
    return Translations(fp=compiled, domain="messages")


def refusal(language: str, code: str) -> str:
    """The message of a refusal's code in `language`."""
    return translations(language).gettext(message_of(code))


def _extracted() -> Catalog:
    with (HERE / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]  # Babel is untyped here
    extracted = Catalog(project="westland-ledger", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(HERE), method_map, options_map, keywords=_KEYWORDS, strip_comment_tags=True
    ):
        extracted.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return extracted


def extracted_messages() -> set[tuple[str | None, str]]:
    """The texts the pages use, as (context, text), found in the code and templates by `babel.cfg`."""
    return {(message.context, str(message.id)) for message in _extracted() if message.id}


def update_catalogues() -> None:
    """Bring both catalogues up to what the pages use: new texts added, gone ones dropped, translations kept.

    A new text gets its English as the English translation and stays
    untranslated in Dutch until someone writes it (the test says which).
    """
    template = _extracted()
    for language, name in LANGUAGES.items():
        current = catalogue(language)
        created = current.creation_date
        current.update(template, no_fuzzy_matching=True)
        current.obsolete.clear()
        # The header stays as it was, so that a run that finds nothing new changes nothing.
        current.creation_date = created
        current.project, current.version = "westland-ledger", "1"
        current.msgid_bugs_address = "info@medemblik.nl"
        current.last_translator = "Gemeente Medemblik"
        current.language_team = f"{name} <info@medemblik.nl>"
        if language == "en":
            for message in current:
                if message.id and not message.string:
                    message.string = message.id
        with _po(language).open("wb") as f:
            write_po(f, current, width=120, omit_header=False, sort_output=True, include_lineno=False)


if __name__ == "__main__":  # `make messages`
    update_catalogues()
    sys.stdout.write(
        f"updated {', '.join(str(_po(language).relative_to(HERE.parent.parent)) for language in LANGUAGES)}\n"
    )
