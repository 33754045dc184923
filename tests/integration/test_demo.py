"""The demo data set: repeatable, accepted by the ledger's rules, counted honestly, silent about persons."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from stdnum.nl import bsn

from demo import DemoSummary, plan_demo, run_demo, stock
from ledger.application.service import Ledger
from ledger.domain.housing_location import HousingLocation, housing_location_id_for
from ledger.domain.values import Address, years_after
from ledger.domain.worker import Worker

TODAY = date(2026, 6, 15)  # the `ledger` fixture's clock
MEDEMBLIK_POSTCODE_AREAS = {
    "1619": "Andijk",
    "1657": "Abbekerk",
    "1671": "Medemblik",
    "1679": "Midwoud",
    "1687": "Wognum",
    "1688": "Nibbixwoud",
    "1693": "Wervershoof",
}
NATIONALITIES = {"POL", "ROU", "BGR", "LTU", "HUN", "PRT", "UKR"}


def place(address: Address) -> tuple[object, ...]:
    """An address as the ledger tells addresses apart: case and spacing folded, the city left out."""
    return (
        " ".join(address.street.casefold().split()),
        address.house_number,
        (address.house_letter or "").upper(),
        (address.house_number_addition or "").upper(),
        address.postcode.replace(" ", "").upper(),
    )


def events_by_type(ledger: Ledger) -> Counter[str]:
    notifications = ledger.recorder.select_notifications(start=1, limit=100_000)
    return Counter(n.topic.rsplit(":", 1)[1] for n in notifications)


def over_full_in_store(ledger: Ledger, summary: DemoSummary, seed: int) -> set[object]:
    """The locations of the plan that the store shows over their limit today, counting this run's workers."""
    today = ledger.today()
    housed = Counter(ledger.get(Worker, worker_id).housing_on(today) for worker_id in summary.worker_ids)
    plan = plan_demo(workers=summary.workers, seed=seed, today=today)
    over = set()
    for location in plan.locations:
        location_id = housing_location_id_for(location.bag_id)
        if housed[location_id] > ledger.get(HousingLocation, location_id).max_occupants_on(today):
            over.add(location_id)
    return over


# -- the plan, without I/O ----------------------------------------------------------


def test_the_same_seed_draws_the_same_data_set() -> None:
    first = plan_demo(workers=60, seed=7, today=TODAY)
    again = plan_demo(workers=60, seed=7, today=TODAY)
    other = plan_demo(workers=60, seed=8, today=TODAY)

    assert first == again
    assert [w.person.nationality for w in first.workers] == [w.person.nationality for w in again.workers]
    assert [w.location for w in first.workers] == [w.location for w in again.workers]
    assert [w.person for w in first.workers] != [w.person for w in other.workers]


def test_a_bag_id_names_the_same_place_whatever_the_seed_or_size() -> None:
    small = plan_demo(workers=10, seed=1, today=TODAY)
    large = plan_demo(workers=300, seed=2, today=TODAY)

    assert large.locations[: len(small.locations)] == small.locations
    assert large.employers == small.employers


def test_the_plan_looks_like_medemblik() -> None:
    plan = plan_demo(workers=400, seed=420, today=TODAY)

    for employer in plan.employers:
        assert re.fullmatch(r"[0-9]{8}", employer.kvk_number)
    for location in plan.locations:
        assert re.fullmatch(r"0420010[0-9]{9}", location.bag_id)
        assert MEDEMBLIK_POSTCODE_AREAS[location.address.postcode[:4]] == location.address.city
        assert re.fullmatch(r"[1-9][0-9]{3}[A-Z]{2}", location.address.postcode)
        limits = {"dwelling": (4, 6), "short_stay_facility": (20, 80)}.get(location.kind, (1, 80))
        assert limits[0] <= location.max_occupants <= limits[1]
    nationalities = Counter(w.person.nationality for w in plan.workers)
    assert set(nationalities) == NATIONALITIES
    assert 0.35 <= nationalities["POL"] / len(plan.workers) <= 0.55
    assert len(set(plan.locations[i].kind for i in range(len(plan.locations)))) >= 3


def test_every_planned_worker_passes_the_rules_the_ledger_checks() -> None:
    plan = plan_demo(workers=400, seed=421, today=TODAY)

    for worker in plan.workers:
        person, employment = worker.person, worker.employment
        start, end = employment.start_date, employment.expected_end_date
        assert years_after(person.birth_date, 18) <= start < years_after(person.birth_date, 60)
        assert TODAY - timedelta(days=700) <= start <= TODAY + timedelta(days=14)
        assert end is not None
        assert 90 <= (end - start).days <= 275
        assert re.fullmatch(r"[A-Z0-9]{5,20}", person.id_document.number)
        assert person.id_document.expires_on >= start
        new_bsn = worker.registered[2] if worker.registered else None
        for number in (person.bsn, new_bsn):
            assert number is None or bsn.is_valid(number)
        if worker.registered:
            assert start <= worker.registered[1] <= TODAY
        if worker.contract_end:
            assert start <= worker.contract_end[0] <= years_after(TODAY, 1)
            for change in (worker.moved, worker.work_moved):
                assert change is None or change[1] < worker.contract_end[0]
        if worker.departed_on:
            assert worker.contract_end is not None
            assert worker.contract_end[0] <= worker.departed_on


def test_the_plan_never_draws_a_document_or_an_address_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    # Narrowed: three-digit document numbers, one street, two postcodes a village. Repeats are then
    # certain within a thousand people and a hundred places; the planner must draw those again.
    narrow = {code: (spec[0], spec[1], "DDD", "DDD") for code, spec in stock.NATIONALITIES.items()}
    monkeypatch.setattr(stock, "NATIONALITIES", narrow)
    monkeypatch.setattr(stock, "STREETS", ("Dorpsstraat",))
    monkeypatch.setattr(stock, "FIRST_LETTERS", "A")
    monkeypatch.setattr(stock, "SECOND_LETTERS", "AB")

    plan = plan_demo(workers=1000, seed=420, today=TODAY)

    documents = [(w.person.id_document.type, w.person.id_document.number, w.person.nationality) for w in plan.workers]
    addresses = [place(location.address) for location in plan.locations]
    assert len(set(documents)) == len(documents)
    assert len(set(addresses)) == len(addresses)


def test_the_plan_leaves_the_readme_example_free() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    number = re.search(r'"idDocument": \{"type": "passport", "number": "(\w+)"', readme)
    street = re.search(r'"street": "(\w+)", "houseNumber": (\d+), "postcode": "([\w ]+)"', readme)
    assert number is not None and street is not None
    example = Address(street[1], int(street[2]), street[3].replace(" ", ""), "Medemblik")

    for workers in (200, 1000):  # `make run`, and `make run WORKERS=1000`
        plan = plan_demo(workers=workers, seed=420, today=TODAY)
        assert number[1] not in {w.person.id_document.number for w in plan.workers}
        assert place(example) not in {place(location.address) for location in plan.locations}


def test_one_or_two_dwellings_are_made_over_full() -> None:
    plan = plan_demo(workers=200, seed=420, today=TODAY)

    assert 1 <= len(plan.overfull) <= 2
    assert {plan.locations[i].kind for i in plan.overfull} == {"dwelling"}
    assert any(i.outcome == "violations" and i.sanction for i in plan.inspections)


# -- the run, through the ledger ------------------------------------------------------


def test_a_demo_appends_what_its_summary_counts(ledger: Ledger) -> None:
    summary = run_demo(ledger, workers=30, seed=7)

    events = events_by_type(ledger)
    assert summary.events_appended == sum(events.values()) > 30
    assert events["Employer.Registered"] == summary.employers
    assert events["HousingLocation.Registered"] == summary.housing_locations
    assert events["Worker.Registered"] == summary.workers == len(summary.worker_ids) == 30
    assert events["Worker.HousingAddressChanged"] == summary.moves
    assert events["Worker.WorkAddressChanged"] == summary.work_address_changes
    assert events["Worker.ContractEnded"] == summary.contract_ends
    assert events["Worker.Departed"] == summary.departures
    assert events["Worker.PopulationRegisterRecorded"] == summary.population_registrations
    assert events["HousingLocation.OccupancyLimitChanged"] == summary.occupancy_limit_changes
    assert events["Inspection.Recorded"] == summary.inspections == 2
    assert events["Inspection.SanctionImposed"] == summary.sanctions == 1
    assert summary.already_registered == 0
    assert summary.overfull_location_ids
    assert over_full_in_store(ledger, summary, seed=7) == set(summary.overfull_location_ids)


def test_the_rendered_summary_names_no_one(ledger: Ledger) -> None:
    summary = run_demo(ledger, workers=30, seed=11)

    text = summary.render()
    assert "30 workers" in text
    for worker_id in summary.worker_ids:
        worker = ledger.get(Worker, worker_id)
        secrets = [worker.family_name, *str(worker.given_names).split(), worker.id_document_number, worker.bsn]
        for secret in secrets:
            assert secret is None or str(secret) not in text
        assert str(worker_id) not in text


def test_running_the_demo_twice_reuses_employers_and_locations(ledger: Ledger) -> None:
    first = run_demo(ledger, workers=20, seed=3)
    # Another seed: the same one would draw the same people, whom the ledger refuses to register twice.
    second = run_demo(ledger, workers=20, seed=4)

    events = events_by_type(ledger)
    assert second.already_registered == first.employers + first.housing_locations
    assert events["Employer.Registered"] == first.employers
    assert events["HousingLocation.Registered"] == first.housing_locations
    assert events["Worker.Registered"] == 40
    assert not set(first.worker_ids) & set(second.worker_ids)
    assert first.events_appended + second.events_appended == sum(events.values())
