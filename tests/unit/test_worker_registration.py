"""Unit tests of registering a worker: the Registered event and every registration rule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest

from ledger.domain.employer import employer_id_for
from ledger.domain.errors import RuleViolated
from ledger.domain.housing_location import MUNICIPALITY, Registrant, housing_location_id_for
from ledger.domain.values import years_after
from ledger.domain.worker import Worker
from tests.factories import (
    TODAY,
    a_person,
    a_worker,
    an_address,
    an_employment,
    an_identity_document,
    broken_rules,
    letters,
    valid_bsn,
)

START = date(2026, 4, 1)  # an_employment()'s start date
LOCATION = housing_location_id_for("0420010000000001")


def refusal_of(**overrides: Any) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolated) as refused:
        a_worker(**overrides)
    return broken_rules(refused.value)


def test_registering_a_worker_emits_registered_with_person_employment_and_housing() -> None:
    bsn = valid_bsn()
    person = a_person(bsn=bsn, id_document=an_identity_document(number="EA1234567"))
    worker = a_worker(person=person, housing_location_id=LOCATION, housing_valid_from=START)

    (event,) = worker.collect_events()

    assert isinstance(event, Worker.Registered)
    assert event.originator_id == worker.id
    assert event.employer_id == employer_id_for("60000001")
    assert (event.family_name, event.given_names, event.birth_date) == ("Kowalska", "Anna Maria", date(1994, 3, 14))
    assert (event.nationality, event.bsn) == ("POL", bsn)
    assert (event.id_document_type, event.id_document_number) == ("passport", "EA1234567")
    assert event.id_document_expires_on == date(2030, 5, 1)
    assert (event.employment_start, event.expected_end_date) == (START, date(2026, 10, 31))
    assert event.work_address == an_address(street="Handelsweg", house_number=3, postcode="1687AA", city="Wognum")
    assert (event.housing_location_id, event.housing_valid_from) == (LOCATION, START)


def test_worker_ids_are_random_not_derived_from_personal_data() -> None:
    assert a_worker().id != a_worker().id


def test_registering_many_workers_at_one_location_is_never_refused() -> None:
    # Capacity is the projections' concern: an over-full location must be recorded, not hidden.
    workers = [a_worker(person=a_person(family_name=f"Nowak {letters(i)}")) for i in range(40)]

    assert {w.housing_on(TODAY) for w in workers} == {LOCATION}


def test_worker_registered_without_housing_lives_nowhere_here() -> None:
    worker = a_worker(housing_location_id=None, housing_valid_from=None)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.Registered)
    assert (event.housing_location_id, event.housing_valid_from) == (None, None)
    assert worker.housing_on(TODAY) is None


def test_housing_location_without_valid_from_is_refused() -> None:
    assert refusal_of(housing_location_id=uuid4(), housing_valid_from=None) == {("housing.valid_from", "required")}


def test_housing_valid_from_more_than_a_year_ahead_is_refused() -> None:
    too_late = years_after(TODAY, 1) + timedelta(days=1)

    assert refusal_of(housing_valid_from=too_late) == {("housing.valid_from", "too_far_ahead")}


def test_housing_valid_from_exactly_a_year_ahead_is_accepted() -> None:
    worker = a_worker(housing_valid_from=years_after(TODAY, 1))

    assert worker.housing_on(date(2027, 6, 15)) == LOCATION


# The person.


def test_names_are_trimmed_and_whitespace_collapsed() -> None:
    worker = a_worker(person=a_person(family_name=" van  der Berg ", given_names="Jan\u00a0 Piet"))

    assert (worker.family_name, worker.given_names) == ("van der Berg", "Jan Piet")


@pytest.mark.parametrize("field", ["family_name", "given_names"])
def test_empty_name_is_refused(field: str) -> None:
    assert refusal_of(person=a_person(**{field: "  "})) == {(f"person.{field}", "required")}


def test_name_longer_than_200_characters_is_refused() -> None:
    assert refusal_of(person=a_person(family_name="k" * 201)) == {("person.family_name", "too_long")}


def test_birth_date_in_the_future_is_refused() -> None:
    assert refusal_of(person=a_person(birth_date=TODAY + timedelta(days=1))) == {("person.birth_date", "in_future")}


def test_birth_date_before_1900_is_refused() -> None:
    assert refusal_of(person=a_person(birth_date=date(1899, 12, 31))) == {("person.birth_date", "too_early")}


def test_worker_younger_than_16_at_start_is_refused() -> None:
    born = date(2010, 4, 2)  # turns 16 the day after the employment starts

    assert refusal_of(person=a_person(birth_date=born)) == {("person.birth_date", "too_young")}


def test_a_15_year_old_is_refused() -> None:
    born = date(2011, 4, 1)  # turns 15 on the start date: a child under the Arbeidstijdenwet

    assert refusal_of(person=a_person(birth_date=born)) == {("person.birth_date", "too_young")}


def test_worker_turning_16_on_the_start_date_is_accepted() -> None:
    assert a_worker(person=a_person(birth_date=date(2010, 4, 1))).birth_date == date(2010, 4, 1)


def test_nationality_is_normalised_to_upper_case_alpha_3() -> None:
    (event,) = a_worker(person=a_person(nationality=" pol ")).collect_events()

    assert isinstance(event, Worker.Registered)
    assert event.nationality == "POL"


@pytest.mark.parametrize("nationality", ["XYZ", "PL", "POLAND", ""])
def test_nationality_that_is_not_an_iso_alpha_3_code_is_refused(nationality: str) -> None:
    assert refusal_of(person=a_person(nationality=nationality)) == {("person.nationality", "invalid_nationality")}


def test_bsn_passing_the_11_test_is_accepted() -> None:
    assert a_worker(person=a_person(bsn="123456782")).bsn == "123456782"


def test_bsn_with_separators_is_compacted() -> None:
    assert a_worker(person=a_person(bsn="1234.56.782")).bsn == "123456782"


def test_bsn_with_a_wrong_check_digit_is_refused() -> None:
    good = valid_bsn()
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)

    assert refusal_of(person=a_person(bsn=wrong)) == {("person.bsn", "invalid_bsn")}


@pytest.mark.parametrize("bsn", ["12345678A", "1234567890", "000000000"])
def test_bsn_that_is_not_nine_digits_passing_the_11_test_is_refused(bsn: str) -> None:
    assert refusal_of(person=a_person(bsn=bsn)) == {("person.bsn", "invalid_bsn")}


def test_unknown_identity_document_type_is_refused() -> None:
    document = an_identity_document(type="driving_licence")

    assert refusal_of(person=a_person(id_document=document)) == {("person.id_document.type", "invalid_choice")}


def test_document_number_is_upper_cased_and_spaces_removed() -> None:
    worker = a_worker(person=a_person(id_document=an_identity_document(number="ea 123 4567")))

    assert worker.id_document_number == "EA1234567"


@pytest.mark.parametrize("number", ["EA12", "EA-1234567", "A" * 21, "EA12345/7"])
def test_document_number_that_is_not_5_to_20_letters_or_digits_is_refused(number: str) -> None:
    document = an_identity_document(number=number)

    assert refusal_of(person=a_person(id_document=document)) == {
        ("person.id_document.number", "invalid_document_number")
    }


def test_document_number_with_a_trailing_newline_is_refused() -> None:
    document = an_identity_document(number="EA1234567\n")

    assert refusal_of(person=a_person(id_document=document)) == {
        ("person.id_document.number", "invalid_document_number")
    }


def test_identity_document_expired_before_the_employment_starts_is_refused() -> None:
    document = an_identity_document(expires_on=START - timedelta(days=1))

    assert refusal_of(person=a_person(id_document=document)) == {("person.id_document.expires_on", "expired")}


def test_identity_document_expiring_on_the_start_date_is_accepted() -> None:
    document = an_identity_document(expires_on=START)

    assert a_worker(person=a_person(id_document=document)).id_document_expires_on == START


# The employment.


def test_employment_starting_more_than_a_year_ahead_is_refused() -> None:
    start = years_after(TODAY, 1) + timedelta(days=1)
    employment = an_employment(start_date=start, expected_end_date=None)

    assert refusal_of(employment=employment, housing_valid_from=TODAY) == {("employment.start_date", "too_far_ahead")}


def test_employment_starting_exactly_a_year_ahead_is_accepted() -> None:
    employment = an_employment(start_date=years_after(TODAY, 1), expected_end_date=None)

    assert a_worker(employment=employment).employment_start == date(2027, 6, 15)


def test_expected_end_before_the_start_is_refused() -> None:
    employment = an_employment(expected_end_date=START - timedelta(days=1))

    assert refusal_of(employment=employment) == {("employment.expected_end_date", "before_start")}


def test_bad_work_address_is_refused_under_employment_work_address() -> None:
    employment = an_employment(work_address=an_address(postcode="1234A", street=""))

    assert refusal_of(employment=employment) == {
        ("employment.work_address.postcode", "invalid_postcode"),
        ("employment.work_address.street", "required"),
    }


def test_every_bad_field_of_a_registration_is_reported_in_one_refusal() -> None:
    person = a_person(
        birth_date=date(1850, 1, 1),
        nationality="XYZ",
        bsn="123456789",
        id_document=an_identity_document(number="E-1", expires_on=date(2020, 1, 1)),
    )
    employment = an_employment(work_address=an_address(postcode="0123AB"), expected_end_date=date(2026, 1, 1))

    assert refusal_of(person=person, employment=employment, housing_valid_from=None) == {
        ("person.birth_date", "too_early"),
        ("person.nationality", "invalid_nationality"),
        ("person.bsn", "invalid_bsn"),
        ("person.id_document.number", "invalid_document_number"),
        ("person.id_document.expires_on", "expired"),
        ("employment.work_address.postcode", "invalid_postcode"),
        ("employment.expected_end_date", "before_start"),
        ("housing.valid_from", "required"),
    }


# -- identity documents (Wet op de identificatieplicht art. 1) ---------------------------


@pytest.mark.parametrize("nationality", ["POL", "ROU", "NOR", "ISL", "LIE", "CHE", "NLD"])
def test_an_id_card_of_an_eu_eea_or_swiss_national_is_accepted(nationality: str) -> None:
    document = an_identity_document(type="id_card")
    worker = a_worker(person=a_person(nationality=nationality, id_document=document))
    assert worker.nationality == nationality


@pytest.mark.parametrize("nationality", ["UKR", "MDA", "GBR", "TUR", "PHL"])
def test_an_id_card_of_another_national_is_refused(nationality: str) -> None:
    document = an_identity_document(type="id_card")
    person = a_person(nationality=nationality, id_document=document)
    assert refusal_of(person=person) == {("person.id_document.type", "id_card_not_valid_for_nationality")}


@pytest.mark.parametrize("document_type", ["passport", "residence_document"])
def test_another_national_may_show_a_passport_or_a_dutch_residence_document(document_type: str) -> None:
    document = an_identity_document(type=document_type)
    worker = a_worker(person=a_person(nationality="UKR", id_document=document))
    (event,) = worker.collect_events()
    assert isinstance(event, Worker.Registered)
    assert event.id_document_type == document_type


# -- the BSN (Wabb art. 1, 10; UAVG art. 46) ----------------------------------------------

AN_EMPLOYER = Registrant(municipal=False, employer_id=employer_id_for("60000001"))


def test_an_employer_registering_a_bsn_is_refused_naming_the_bsn() -> None:
    person = a_person(bsn=valid_bsn())
    assert refusal_of(person=person, registrant=AN_EMPLOYER) == {("person.bsn", "not_permitted")}


def test_an_employer_registers_a_worker_without_a_bsn() -> None:
    assert a_worker(registrant=AN_EMPLOYER).bsn is None


def test_the_municipality_records_a_bsn() -> None:
    bsn = valid_bsn()
    assert a_worker(person=a_person(bsn=bsn), registrant=MUNICIPALITY).bsn == bsn
