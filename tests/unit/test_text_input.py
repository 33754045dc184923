"""The text rule at every place text enters the domain: names, addresses, notes and reasons.

Each free-text field is written through the command that takes it, so a field
whose command forgot the rule fails here. Person names are as on an identity
document (Latin letters with their diacritics); an organisation's name and an
address are one line of printable text; notes and reasons may have several
lines and tabs. Nothing anywhere may hold a control character (but tab and
newline in notes and reasons), a lone surrogate, a private-use or unassigned
code point; names and addresses no bidirectional control or zero-width character.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from ledger.domain.employer import Employer
from ledger.domain.errors import RuleViolated
from ledger.domain.worker import Worker
from tests.factories import (
    REVIEW_ON,
    TODAY,
    a_housing_location,
    a_person,
    a_worker,
    an_address,
    an_employment,
    an_inspection,
    broken_rules,
)


def _registered() -> Worker:
    worker = a_worker()
    worker.collect_events()
    return worker


def _last_event_field(aggregate: Employer | Worker, name: str) -> object:
    *_, event = aggregate.collect_events()
    return getattr(event, name)


def _family_name(value: str) -> object:
    return _last_event_field(a_worker(person=a_person(family_name=value)), "family_name")


def _given_names(value: str) -> object:
    return _last_event_field(a_worker(person=a_person(given_names=value)), "given_names")


def _work_address_on_registration(leaf: str) -> Callable[[str], object]:
    def write(value: str) -> object:
        employment = an_employment(work_address=an_address(**{leaf: value}))
        return getattr(_last_event_field(a_worker(employment=employment), "work_address"), leaf)

    return write


def _work_address_change(leaf: str) -> Callable[[str], object]:
    def write(value: str) -> object:
        worker = _registered()
        worker.change_work_address(an_address(**{leaf: value}), date(2026, 6, 1), TODAY)
        return getattr(_last_event_field(worker, "work_address"), leaf)

    return write


def _location_address(leaf: str) -> Callable[[str], object]:
    def write(value: str) -> object:
        location = a_housing_location(address=an_address(**{leaf: value}))
        return getattr(location.collect_events()[-1].address, leaf)

    return write


def _employer_name(value: str) -> object:
    return _last_event_field(Employer.register(kvk_number="12345678", name=value), "name")


def _occupancy_limit_reason(value: str) -> object:
    location = a_housing_location()
    location.change_occupancy_limit(5, date(2026, 7, 1), value, TODAY)
    return location.collect_events()[-1].reason


def _contract_end_reason(value: str) -> object:
    worker = _registered()
    worker.end_contract(date(2026, 7, 31), value, TODAY)
    return _last_event_field(worker, "reason")


def _legal_hold_reason(value: str) -> object:
    worker = _registered()
    worker.place_legal_hold("HH-2026-0042", value, review_on=REVIEW_ON, today=TODAY)
    return _last_event_field(worker, "reason")


def _inspection_notes(value: str) -> object:
    return an_inspection(notes=value).collect_events()[-1].notes


@dataclass(frozen=True)
class TextField:
    """A free-text field of a command: the name a refusal gives it, its kind, and how to write it."""

    field: str
    kind: str  # "person_name", "line" (an organisation's name, an address) or "free_text" (notes, reasons)
    write: Callable[[str], object]

    def refusal(self, value: str) -> set[tuple[str, str]]:
        with pytest.raises(RuleViolated) as refused:
            self.write(value)
        return broken_rules(refused.value)


FIELDS = [
    TextField("person.family_name", "person_name", _family_name),
    TextField("person.given_names", "person_name", _given_names),
    TextField("employment.work_address.street", "line", _work_address_on_registration("street")),
    TextField("employment.work_address.city", "line", _work_address_on_registration("city")),
    TextField("work_address.street", "line", _work_address_change("street")),
    TextField("work_address.city", "line", _work_address_change("city")),
    TextField("street", "line", _location_address("street")),
    TextField("city", "line", _location_address("city")),
    TextField("name", "line", _employer_name),
    TextField("reason", "free_text", _occupancy_limit_reason),
    TextField("reason", "free_text", _contract_end_reason),
    TextField("reason", "free_text", _legal_hold_reason),
    TextField("notes", "free_text", _inspection_notes),
]
FIELD_IDS = [f"{f.write.__qualname__.split('.')[0].strip('_')}:{f.field}" for f in FIELDS]
NAMES_AND_ADDRESSES = [f for f in FIELDS if f.kind != "free_text"]
NAME_AND_ADDRESS_IDS = [i for i, f in zip(FIELD_IDS, FIELDS, strict=True) if f.kind != "free_text"]
FREE_TEXT = [f for f in FIELDS if f.kind == "free_text"]
FREE_TEXT_IDS = [i for i, f in zip(FIELD_IDS, FIELDS, strict=True) if f.kind == "free_text"]

# C0 controls, DEL and C1 controls (NEL and CSI among them).
CONTROLS = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9b", "\x9f"]
LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
# Bidirectional controls and zero-width characters (Unicode TR#36 / UTS#39).
BIDI_AND_ZERO_WIDTH = [
    *(chr(c) for c in range(0x200B, 0x2010)),  # ZWSP, ZWNJ, ZWJ, LRM, RLM
    *(chr(c) for c in range(0x202A, 0x202F)),  # LRE, RLE, PDF, LRO, RLO
    *(chr(c) for c in range(0x2060, 0x2065)),  # word joiner, invisible operators
    *(chr(c) for c in range(0x2066, 0x206A)),  # LRI, RLI, FSI, PDI
    "\ufeff",  # zero-width no-break space (byte order mark)
]
# Private use, and noncharacters (permanently unassigned).
NOT_CHARACTERS_TO_KEEP = ["\ue000", "\uf8ff", "\U000f0000", "\ufdd0", "\ufffe", "\uffff"]


@pytest.mark.parametrize("control", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
@pytest.mark.parametrize("text_field", FIELDS, ids=FIELD_IDS)
def test_a_control_character_is_refused_in_every_text_field(text_field: TextField, control: str) -> None:
    assert text_field.refusal(f"Kowal{control}ska") == {(text_field.field, "control_character")}


@pytest.mark.parametrize("control", ["\t", "\n", "\r", "\r\n"], ids=["tab", "newline", "cr", "crlf"])
@pytest.mark.parametrize("text_field", NAMES_AND_ADDRESSES, ids=NAME_AND_ADDRESS_IDS)
def test_tab_and_newline_are_refused_in_names_and_addresses(text_field: TextField, control: str) -> None:
    assert text_field.refusal(f"Kowal{control}ska") == {(text_field.field, "control_character")}


@pytest.mark.parametrize("text_field", FREE_TEXT, ids=FREE_TEXT_IDS)
def test_tab_and_newline_are_kept_in_notes_and_reasons(text_field: TextField) -> None:
    assert text_field.write("  found:\n\t9 people\n\tin 3 rooms \n") == "found:\n\t9 people\n\tin 3 rooms"


@pytest.mark.parametrize("text_field", FREE_TEXT, ids=FREE_TEXT_IDS)
def test_line_ends_of_notes_and_reasons_become_newlines(text_field: TextField) -> None:
    assert text_field.write("one\r\ntwo\rthree\nfour") == "one\ntwo\nthree\nfour"


@pytest.mark.parametrize("surrogate", LONE_SURROGATES, ids=[f"U+{ord(c):04X}" for c in LONE_SURROGATES])
@pytest.mark.parametrize("text_field", FIELDS, ids=FIELD_IDS)
def test_a_lone_surrogate_is_refused_in_every_text_field(text_field: TextField, surrogate: str) -> None:
    assert text_field.refusal(f"Kowal{surrogate}ska") == {(text_field.field, "invalid_character")}


@pytest.mark.parametrize("text_field", FIELDS, ids=FIELD_IDS)
def test_a_value_that_is_only_a_lone_surrogate_is_refused(text_field: TextField) -> None:
    assert text_field.refusal("\ud800") == {(text_field.field, "invalid_character")}


@pytest.mark.parametrize("code_point", NOT_CHARACTERS_TO_KEEP, ids=[f"U+{ord(c):04X}" for c in NOT_CHARACTERS_TO_KEEP])
@pytest.mark.parametrize("text_field", FIELDS, ids=FIELD_IDS)
def test_private_use_and_noncharacters_are_refused_in_every_text_field(text_field: TextField, code_point: str) -> None:
    assert text_field.refusal(f"Kowal{code_point}ska") == {(text_field.field, "invalid_character")}


@pytest.mark.parametrize("invisible", BIDI_AND_ZERO_WIDTH, ids=[f"U+{ord(c):04X}" for c in BIDI_AND_ZERO_WIDTH])
@pytest.mark.parametrize("text_field", NAMES_AND_ADDRESSES, ids=NAME_AND_ADDRESS_IDS)
def test_bidi_controls_and_zero_width_characters_are_refused_in_names_and_addresses(
    text_field: TextField, invisible: str
) -> None:
    assert text_field.refusal(f"Kowal{invisible}ska") == {(text_field.field, "format_character")}


@pytest.mark.parametrize("text_field", NAMES_AND_ADDRESSES, ids=NAME_AND_ADDRESS_IDS)
def test_other_invisible_format_characters_are_refused_in_names_and_addresses(text_field: TextField) -> None:
    for invisible in ("\u00ad", "\u061c", "\U000e0041"):  # soft hyphen, Arabic letter mark, tag letter A
        assert text_field.refusal(f"Kowal{invisible}ska") == {(text_field.field, "format_character")}


@pytest.mark.parametrize("text_field", FREE_TEXT, ids=FREE_TEXT_IDS)
def test_notes_and_reasons_may_quote_right_to_left_text_with_its_marks(text_field: TextField) -> None:
    # Hebrew, once in isolates and once between right-to-left marks.
    quoted = "bewoner zei: \u2067\u05e9\u05dc\u05d5\u05dd\u2069 (\u200f\u05e2\u05d1\u05e8\u05d9\u05ea\u200f)"
    assert text_field.write(quoted) == quoted


@pytest.mark.parametrize("text_field", FIELDS, ids=FIELD_IDS)
def test_text_is_normalised_to_nfc(text_field: TextField) -> None:
    # "Wiśniewska" with the acute as a combining mark after the s.
    assert text_field.write("Wis\u0301niewska") == "Wi\u015bniewska"


@pytest.mark.parametrize("text_field", NAMES_AND_ADDRESSES, ids=NAME_AND_ADDRESS_IDS)
def test_names_and_addresses_are_one_line_with_spaces_collapsed(text_field: TextField) -> None:
    assert text_field.write("\u00a0 van\u2003 der\u00a0\u00a0Berg  ") == "van der Berg"


# Person names: as on an identity document.


PERSON_NAMES = [f for f in FIELDS if f.kind == "person_name"]
PERSON_NAME_IDS = [f.field for f in PERSON_NAMES]


@pytest.mark.parametrize(
    "name",
    [
        "Kowalska",
        "Wi\u015bniewska",  # Wiśniewska
        "Nguy\u1ec5n",  # Nguyễn
        "O'Brien",
        "O\u2019Brien",  # with a right single quotation mark
        "Jean-Luc",
        "St. John",
        "\u0141ukasz",  # Łukasz
        "M\u00fcller-L\u00fcdenscheidt",  # Müller-Lüdenscheidt
        "\u015eahin",  # Şahin
        "\u00c6r\u00f8e",  # Ærøe
        "\u0110or\u0111evi\u0107",  # Đorđević
        "Gro\u00df",  # Groß
        "van der Berg",
        "d'Artagnan",
        "\u0218tef\u0103nescu",  # Ștefănescu
        "\u0104\u0301\u017euolas",  # an a with ogonek and acute: no precomposed letter, a combining mark stays
    ],
)
@pytest.mark.parametrize("text_field", PERSON_NAMES, ids=PERSON_NAME_IDS)
def test_a_name_in_latin_letters_with_diacritics_is_accepted(text_field: TextField, name: str) -> None:
    assert text_field.write(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "\u041a\u043e\u0432\u0430\u043b\u044c\u0441\u044c\u043a\u0430",  # Cyrillic
        "\u03a0\u03b1\u03c0\u03b1\u03b4\u03cc\u03c0\u03bf\u03c5\u03bb\u03bf\u03c2",  # Greek
        "\u738b",  # Han
        "\u0645\u062d\u0645\u062f",  # Arabic
        "Kowal\u0441ka",  # a Cyrillic es among Latin letters, looking like a c
    ],
)
@pytest.mark.parametrize("text_field", PERSON_NAMES, ids=PERSON_NAME_IDS)
def test_a_name_in_another_script_is_refused(text_field: TextField, name: str) -> None:
    assert text_field.refusal(name) == {(text_field.field, "not_latin_script")}


@pytest.mark.parametrize(
    "name",
    [
        "Kowalska1",
        "K@walska",
        "Kowalska!",
        "Anna,Maria",
        "Jean_Luc",
        "Jean\u2010Luc",  # HYPHEN, not the hyphen-minus of an identity document
        "Kowalska\u02bc",  # MODIFIER LETTER APOSTROPHE
        "\u0301Anna",  # a combining mark with no letter to sit on
        "Anna \u0301",  # a combining mark after a space
        "Ann\u0301\u0302\u0303\u0304\u0306a",  # five marks on one letter (UTS#39 §5.4 allows four)
        "Anna\u0301\u0301",  # the same mark twice on one letter (UTS#39 §5.4), here on a precomposed a-acute
        "Kowalska\u2122",  # a trade mark sign
        # Compatibility forms of Latin letters: write the letters themselves.
        "\uff2b\uff4f\uff57\uff41\uff4c\uff53\uff4b\uff41",  # fullwidth
        "\U0001d40a\U0001d428\U0001d430\U0001d41a",  # mathematical bold
        "Gri\ufb03ths",  # the ffi ligature
    ],
)
@pytest.mark.parametrize("text_field", PERSON_NAMES, ids=PERSON_NAME_IDS)
def test_a_name_with_other_characters_is_refused(text_field: TextField, name: str) -> None:
    assert text_field.refusal(name) == {(text_field.field, "invalid_character")}


@pytest.mark.parametrize("name", ["-", "'", ". -", "\u2019"])
@pytest.mark.parametrize("text_field", PERSON_NAMES, ids=PERSON_NAME_IDS)
def test_a_name_without_a_letter_is_refused(text_field: TextField, name: str) -> None:
    assert text_field.refusal(name) == {(text_field.field, "no_letter")}


# An organisation's name and an address: any printable text on one line.


@pytest.mark.parametrize(
    "text",
    [
        "\u00dcr\u00fcn G\u0131da Ltd. & Co. \u2014 \u682a\u5f0f\u4f1a\u793e (NL) #1",  # Turkish, a dash, Japanese
        "'s-Gravenzande",
        "Stra\u00dfe 1/2",  # Straße
        "\u0410\u0433\u0440\u043e \u0423\u043a\u0440\u0430\u0457\u043d\u0430 \u0422\u041e\u0412",  # Ukrainian
        "Kerkstraat (achterom) 12+",
    ],
)
@pytest.mark.parametrize(
    "text_field", [f for f in FIELDS if f.kind == "line"], ids=[f.field for f in FIELDS if f.kind == "line"]
)
def test_a_line_of_printable_text_in_any_script_is_accepted(text_field: TextField, text: str) -> None:
    assert text_field.write(text) == text


def test_a_refusal_names_the_code_point_not_the_text() -> None:
    with pytest.raises(RuleViolated) as refused:
        a_worker(person=a_person(family_name="Kowal\u202eska"))

    (violation,) = refused.value.violations
    assert "U+202E" in violation.reason
    assert "Kowal" not in violation.reason
