"""Unit tests of the Worker's commands after registration: the events they emit and their rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest

from ledger.domain.errors import Conflict, NotFound, RuleViolated
from ledger.domain.housing_location import housing_location_id_for
from ledger.domain.values import years_after
from ledger.domain.worker import Worker
from tests.factories import REVIEW_ON, TODAY, a_brp_address, a_worker, an_address, broken_rules, valid_bsn

OTHER_LOCATION = housing_location_id_for("0420010000000002")
TOO_FAR = years_after(TODAY, 1) + timedelta(days=1)


def registered_worker() -> Worker:
    worker = a_worker()
    worker.collect_events()
    return worker


def refusal(command: Callable[[], None]) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolated) as refused:
        command()
    return broken_rules(refused.value)


def test_changing_housing_emits_housing_address_changed() -> None:
    worker = registered_worker()

    worker.change_housing(OTHER_LOCATION, date(2026, 6, 1), TODAY)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.HousingAddressChanged)
    assert (event.originator_id, event.originator_version) == (worker.id, 2)
    assert (event.housing_location_id, event.valid_from) == (OTHER_LOCATION, date(2026, 6, 1))


def test_moving_out_of_the_municipality_is_a_housing_change_to_none() -> None:
    worker = registered_worker()

    worker.change_housing(None, date(2026, 6, 1), TODAY)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.HousingAddressChanged)
    assert event.housing_location_id is None


@pytest.mark.parametrize(("valid_from", "accepted"), [(years_after(TODAY, 1), True), (TOO_FAR, False)])
def test_housing_change_may_be_at_most_a_year_ahead(valid_from: date, accepted: bool) -> None:
    worker = registered_worker()

    if accepted:
        worker.change_housing(OTHER_LOCATION, valid_from, TODAY)
        assert worker.housing_on(valid_from) == OTHER_LOCATION
    else:
        assert refusal(lambda: worker.change_housing(OTHER_LOCATION, valid_from, TODAY)) == {
            ("valid_from", "too_far_ahead")
        }
        assert worker.collect_events() == []


def test_changing_the_work_address_emits_work_address_changed_normalised() -> None:
    worker = registered_worker()

    address = an_address(street="Kassenweg", postcode="1687 ab")
    worker.change_work_address(address, date(2026, 7, 1), TODAY)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.WorkAddressChanged)
    assert event.work_address == replace(address, postcode="1687AB")
    assert event.valid_from == date(2026, 7, 1)


def test_work_address_is_a_timeline_starting_at_the_employment_start() -> None:
    worker = registered_worker()
    first = worker.work_address_on(TODAY)
    worker.change_work_address(an_address(street="Kassenweg"), date(2026, 7, 1), TODAY)

    assert worker.work_address_on(date(2026, 1, 1)) == first  # before the start: the first address
    assert worker.work_address_on(date(2026, 6, 30)) == first
    assert worker.work_address_on(date(2026, 7, 1)).street == "Kassenweg"


def test_bad_work_address_change_names_fields_under_work_address() -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.change_work_address(an_address(house_letter="ab"), TOO_FAR, TODAY)) == {
        ("work_address.house_letter", "invalid_house_letter"),
        ("valid_from", "too_far_ahead"),
    }


def test_ending_the_contract_emits_contract_ended_with_its_reason() -> None:
    worker = registered_worker()

    worker.end_contract(date(2026, 9, 30), " seasonal work over ", TODAY)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.ContractEnded)
    assert (event.end_date, event.reason) == (date(2026, 9, 30), "seasonal work over")
    assert (worker.contract_end, worker.contract_end_reason) == (date(2026, 9, 30), "seasonal work over")


def test_a_later_contract_end_corrects_the_earlier_one() -> None:
    worker = registered_worker()
    worker.end_contract(date(2026, 9, 30), None, TODAY)

    worker.end_contract(date(2026, 8, 31), "ended early", TODAY)

    assert worker.contract_end == date(2026, 8, 31)


def test_contract_end_before_the_start_is_refused() -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.end_contract(date(2026, 3, 31), None, TODAY)) == {("end_date", "before_start")}


def test_contract_end_on_the_start_date_is_accepted() -> None:
    worker = registered_worker()

    worker.end_contract(worker.employment_start, None, TODAY)

    assert worker.contract_end == worker.employment_start


def test_contract_end_more_than_a_year_ahead_is_refused() -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.end_contract(TOO_FAR, None, TODAY)) == {("end_date", "too_far_ahead")}


def test_contract_end_reason_longer_than_2000_characters_is_refused() -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.end_contract(date(2026, 9, 30), "r" * 2001, TODAY)) == {("reason", "too_long")}


def test_departing_emits_departed() -> None:
    worker = registered_worker()

    worker.depart(date(2026, 6, 1), TODAY)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.Departed)
    assert event.departed_on == date(2026, 6, 1)
    assert worker.departed_on == date(2026, 6, 1)


def test_departure_more_than_a_year_ahead_is_refused() -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.depart(TOO_FAR, TODAY)) == {("departed_on", "too_far_ahead")}


def test_recording_a_population_registration_emits_it_and_sets_the_bsn() -> None:
    worker = registered_worker()
    bsn = valid_bsn()

    worker.record_population_registration("RNI", date(2026, 4, 10), bsn, TODAY)

    (event,) = worker.collect_events()
    assert isinstance(event, Worker.PopulationRegisterRecorded)
    assert (event.register, event.registered_on, event.bsn) == ("RNI", date(2026, 4, 10), bsn)
    assert (worker.population_register, worker.bsn) == (("RNI", date(2026, 4, 10)), bsn)


def test_population_registration_without_bsn_keeps_the_known_bsn() -> None:
    bsn = valid_bsn()
    worker = registered_worker()
    worker.record_population_registration("RNI", date(2026, 4, 10), bsn, TODAY)

    worker.record_population_registration("BRP", TODAY, None, TODAY, address=a_brp_address())

    assert (worker.population_register, worker.bsn) == (("BRP", TODAY), bsn)


def test_population_register_other_than_brp_or_rni_is_refused() -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.record_population_registration("GBA", TODAY, None, TODAY)) == {
        ("register", "invalid_choice")
    }


def test_population_registration_in_the_future_is_refused() -> None:
    worker = registered_worker()
    tomorrow = TODAY + timedelta(days=1)

    assert refusal(
        lambda: worker.record_population_registration("BRP", tomorrow, None, TODAY, address=a_brp_address())
    ) == {("registered_on", "in_future")}


def test_population_registration_with_an_invalid_bsn_is_refused() -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.record_population_registration("RNI", TODAY, "123456789", TODAY)) == {
        ("bsn", "invalid_bsn")
    }


# Legal holds.


def test_placing_and_lifting_a_legal_hold_emits_both_events() -> None:
    worker = registered_worker()

    worker.place_legal_hold(
        "HH-2026.0042", "enforcement case overcrowding Dorpsstraat", review_on=REVIEW_ON, today=TODAY
    )
    assert worker.legal_holds == {"HH-2026.0042": "enforcement case overcrowding Dorpsstraat"}
    worker.lift_legal_hold("HH-2026.0042")

    placed, lifted = worker.collect_events()
    assert isinstance(placed, Worker.LegalHoldPlaced)
    assert (placed.case_reference, placed.reason) == ("HH-2026.0042", "enforcement case overcrowding Dorpsstraat")
    assert isinstance(lifted, Worker.LegalHoldLifted)
    assert lifted.case_reference == "HH-2026.0042"
    assert worker.legal_holds == {}


@pytest.mark.parametrize("reference", ["", "-starts-with-dash", "has space", "slash/in/it", "x" * 65])
def test_malformed_case_reference_is_refused(reference: str) -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.place_legal_hold(reference, "open case", review_on=REVIEW_ON, today=TODAY)) == {
        ("case_reference", "invalid_case_reference")
    }


def test_legal_hold_without_a_reason_is_refused() -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.place_legal_hold("HH-1", " ", review_on=REVIEW_ON, today=TODAY)) == {
        ("reason", "required")
    }


def test_placing_the_same_legal_hold_twice_is_a_conflict() -> None:
    worker = registered_worker()
    worker.place_legal_hold("HH-1", "open case", review_on=REVIEW_ON, today=TODAY)
    worker.collect_events()

    with pytest.raises(Conflict):
        worker.place_legal_hold("HH-1", "open case again", review_on=REVIEW_ON, today=TODAY)

    assert worker.collect_events() == []


def test_lifting_an_unknown_legal_hold_is_not_found() -> None:
    worker = registered_worker()

    with pytest.raises(NotFound) as missing:
        worker.lift_legal_hold("HH-404")

    assert (missing.value.kind, missing.value.ident) == ("legal hold", "HH-404")
    assert worker.collect_events() == []


def test_case_reference_with_a_trailing_newline_is_refused() -> None:
    worker = registered_worker()

    assert refusal(lambda: worker.place_legal_hold("HH-1\n", "open case", review_on=REVIEW_ON, today=TODAY)) == {
        ("case_reference", "invalid_case_reference")
    }
