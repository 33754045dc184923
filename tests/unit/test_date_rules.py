"""Dates: every date within 1900-01-01..2100-12-31, and no impossible order between two of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from ledger.domain import checks, values
from ledger.domain.errors import RuleViolated
from ledger.domain.housing_location import housing_location_id_for
from tests.factories import (
    TODAY,
    a_brp_address,
    a_housing_location,
    a_person,
    a_worker,
    an_address,
    an_employment,
    an_identity_document,
    an_inspection,
    broken_rules,
)

EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
START = date(2026, 4, 1)  # an_employment()'s start date
BORN = date(1994, 3, 14)  # a_person()'s birth date
BEFORE_1900 = date(1899, 12, 31)
AFTER_2100 = date(2101, 1, 1)
LOCATION = housing_location_id_for("0420010000000002")


def refusal(command: Callable[[], object]) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolated) as refused:
        command()
    return broken_rules(refused.value)


def test_the_bounds_are_1900_01_01_and_2100_12_31_inclusive() -> None:
    # Looked up on the module: the API's parsing reads the same names.
    assert (EARLIEST, LATEST) == (values.EARLIEST_DATE, values.LATEST_DATE)
    assert checks.date_in_range(EARLIEST) and checks.date_in_range(LATEST)
    assert not checks.date_in_range(BEFORE_1900) and not checks.date_in_range(AFTER_2100)


# -- bounds -------------------------------------------------------------------------


def test_a_document_expiring_after_2100_is_refused() -> None:
    person = a_person(id_document=an_identity_document(expires_on=AFTER_2100))
    assert refusal(lambda: a_worker(person=person)) == {("person.id_document.expires_on", "out_of_range")}


def test_a_document_expiring_in_2100_is_accepted() -> None:
    person = a_person(id_document=an_identity_document(expires_on=LATEST))
    assert a_worker(person=person).id_document_expires_on == LATEST


def test_an_expected_end_after_2100_is_refused() -> None:
    employment = an_employment(expected_end_date=date(9999, 12, 31))
    assert refusal(lambda: a_worker(employment=employment)) == {("employment.expected_end_date", "out_of_range")}


def test_an_employment_starting_before_1900_is_refused() -> None:
    person = a_person(birth_date=EARLIEST)
    employment = an_employment(start_date=BEFORE_1900, expected_end_date=None)
    assert ("employment.start_date", "out_of_range") in refusal(lambda: a_worker(person=person, employment=employment))


def test_housing_from_before_1900_is_refused_at_registration_and_as_a_change() -> None:
    worker = a_worker()

    assert refusal(lambda: a_worker(housing_valid_from=BEFORE_1900)) == {("housing.valid_from", "out_of_range")}
    assert refusal(lambda: worker.change_housing(LOCATION, BEFORE_1900, TODAY)) == {("valid_from", "out_of_range")}


def test_a_population_registration_before_1900_is_refused() -> None:
    worker = a_worker()
    assert refusal(lambda: worker.record_population_registration("RNI", BEFORE_1900, None, TODAY)) == {
        ("registered_on", "out_of_range")
    }


def test_an_inspection_before_1900_is_refused() -> None:
    assert refusal(lambda: an_inspection(inspected_on=BEFORE_1900)) == {("inspected_on", "out_of_range")}


def test_an_occupancy_limit_from_before_1900_is_refused() -> None:
    location = a_housing_location()
    assert refusal(lambda: location.change_occupancy_limit(3, BEFORE_1900, None, TODAY)) == {
        ("valid_from", "out_of_range")
    }


# -- orders -------------------------------------------------------------------------


def test_a_departure_before_the_employment_started_is_refused() -> None:
    worker = a_worker()

    assert refusal(lambda: worker.depart(START - timedelta(days=1), TODAY)) == {("departed_on", "before_start")}
    worker.depart(START, TODAY)
    assert worker.departed_on == START


def test_a_work_address_from_before_the_employment_started_is_refused() -> None:
    worker = a_worker()
    address = an_address(street="Veilingweg", house_number=1, postcode="1671 GZ")

    assert refusal(lambda: worker.change_work_address(address, START - timedelta(days=1), TODAY)) == {
        ("valid_from", "before_start")
    }


def test_a_contract_end_before_its_start_is_refused() -> None:
    worker = a_worker()
    assert refusal(lambda: worker.end_contract(START - timedelta(days=1), None, TODAY)) == {
        ("end_date", "before_start")
    }


def test_housing_from_before_the_birth_date_is_refused_at_registration_and_as_a_change() -> None:
    worker = a_worker()
    before_birth = BORN - timedelta(days=1)

    assert refusal(lambda: a_worker(housing_valid_from=before_birth)) == {("housing.valid_from", "before_birth")}
    assert refusal(lambda: worker.change_housing(LOCATION, before_birth, TODAY)) == {("valid_from", "before_birth")}


def test_housing_from_before_the_employment_starts_is_allowed() -> None:
    # A worker may arrive a few days before the work starts.
    assert a_worker(housing_valid_from=START - timedelta(days=3)).housing_on(START - timedelta(days=3)) is not None


def test_a_population_registration_before_the_birth_date_is_refused() -> None:
    worker = a_worker()
    assert refusal(
        lambda: worker.record_population_registration(
            "BRP", BORN - timedelta(days=1), None, TODAY, address=a_brp_address()
        )
    ) == {("registered_on", "before_birth")}


def test_a_document_expiring_before_the_birth_date_is_refused() -> None:
    person = a_person(id_document=an_identity_document(expires_on=BORN - timedelta(days=1)))
    assert ("person.id_document.expires_on", "expired") in refusal(lambda: a_worker(person=person))


def test_a_sanction_deadline_before_the_day_it_is_imposed_is_refused() -> None:
    inspection = an_inspection()
    assert refusal(
        lambda: inspection.impose_sanction(
            kind="order_subject_to_penalty",
            against="owner",
            owner_kvk_number="34781256",
            amount_eur=Decimal(500),
            deadline=TODAY - timedelta(days=1),
            max_amount_eur=Decimal(100_000),
            today=TODAY,
        )
    ) == {("deadline", "in_past")}
