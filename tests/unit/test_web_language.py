"""Every text of the staff pages is in the message catalogues, Dutch and English, and the domain's refusals are
translated by their code (docs/web.md § Language)."""

from __future__ import annotations

import pytest

from web.i18n import LANGUAGES, catalogue, extracted_messages, refusal, translations
from web.refusals import FORM_CODES


def test_dutch_comes_first_and_english_second() -> None:
    assert list(LANGUAGES) == ["nl", "en"]


def test_the_catalogues_hold_exactly_the_texts_of_the_pages() -> None:
    extracted = extracted_messages()
    assert len(extracted) > 20, "the extraction must find the pages' texts"

    for language in LANGUAGES:
        held = {(message.context, message.id) for message in catalogue(language) if message.id}
        assert sorted(extracted - held) == [], f"not in the {language} catalogue: run `make messages`"
        assert sorted(held - extracted) == [], f"in the {language} catalogue but on no page: run `make messages`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated(language: str) -> None:
    untranslated = [
        message.id for message in catalogue(language) if message.id and (not message.string or message.fuzzy)
    ]
    assert untranslated == []


def test_a_dutch_page_says_it_in_dutch() -> None:
    assert translations("nl").gettext("Overview") == "Overzicht"
    assert translations("en").gettext("Overview") == "Overview"


@pytest.mark.parametrize("code", sorted(FORM_CODES))
def test_each_refusal_a_form_can_show_is_translated_by_its_code(code: str) -> None:
    dutch, english = refusal("nl", code), refusal("en", code)

    assert dutch and english
    assert dutch != english, code


def test_a_refusal_without_a_translation_still_speaks_the_pages_language() -> None:
    assert refusal("nl", "a_code_nobody_made") == refusal("nl", "invalid")
    assert refusal("nl", "invalid") != refusal("en", "invalid")
