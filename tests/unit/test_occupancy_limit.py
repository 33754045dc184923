"""Whose occupancy limit counts: the municipality's, else the floor-area norm's, else none (issue 13, §4)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from ledger.crypto.sealing import SealingMapper
from ledger.domain.employer import employer_id_for
from ledger.domain.errors import RuleViolated
from ledger.domain.housing_location import (
    MUNICIPALITY,
    HousingLocation,
    LimitBasis,
    Registrant,
    floor_area_norm_on,
    permitted_maximum,
)
from ledger.persistence.transcodings import register_ledger_transcodings
from tests.factories import TODAY, a_housing_location, broken_rules

TWELVE = {"dwelling": {date(1900, 1, 1): 12.0}}
OWN_KVK = "60000042"
AN_EMPLOYER = Registrant(municipal=False, employer_id=employer_id_for(OWN_KVK))


def an_employers_location(**overrides: Any) -> HousingLocation:
    return a_housing_location(registrant=AN_EMPLOYER, **overrides)


def refusal_of(**overrides: Any) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolated) as refused:
        a_housing_location(**overrides)
    return broken_rules(refused.value)


# -- who set the number -----------------------------------------------------------------


def test_a_municipal_registrants_maximum_is_the_limit() -> None:
    location = a_housing_location(registrant=MUNICIPALITY, max_occupants=6, floor_area_m2=20)

    (event,) = location.collect_events()

    assert isinstance(event, HousingLocation.Registered)
    assert (event.max_occupants, event.proposed_max_occupants) == (6, None)
    assert location.max_occupants_on(TODAY) == 6
    assert location.permitted_maximum_on(TODAY, TWELVE) == 6


def test_an_employers_maximum_is_recorded_as_proposed_and_never_counted() -> None:
    location = an_employers_location(max_occupants=10_000, floor_area_m2=20)

    (event,) = location.collect_events()

    assert (event.max_occupants, event.proposed_max_occupants) == (None, 10_000)
    assert location.max_occupants_on(TODAY) is None
    assert location.proposed_max_occupants == 10_000
    assert location.permitted_maximum_on(TODAY, TWELVE) == 1  # floor(20 / 12)


def test_without_floor_area_or_municipal_limit_the_limit_is_unknown() -> None:
    location = an_employers_location(max_occupants=5, floor_area_m2=None)

    assert location.permitted_maximum_on(TODAY, TWELVE) is None


def test_the_maximum_may_be_left_out_by_anyone() -> None:
    assert a_housing_location(max_occupants=None, floor_area_m2=None).permitted_maximum_on(TODAY, TWELVE) is None
    assert an_employers_location(max_occupants=None).proposed_max_occupants is None


def test_a_municipal_limit_set_later_takes_over_from_the_floor_area_from_its_date() -> None:
    location = an_employers_location(max_occupants=10_000, floor_area_m2=20)

    location.change_occupancy_limit(3, date(2026, 6, 1), "decision 2026-31", TODAY)

    assert location.permitted_maximum_on(date(2026, 5, 31), TWELVE) == 1
    assert location.permitted_maximum_on(date(2026, 6, 1), TWELVE) == 3


@pytest.mark.parametrize("proposed", [0, 10_001])
def test_a_proposed_maximum_out_of_range_is_refused_as_a_limit_would_be(proposed: int) -> None:
    with pytest.raises(RuleViolated) as refused:
        an_employers_location(max_occupants=proposed)
    assert broken_rules(refused.value) == {("max_occupants", "out_of_range")}


# -- the effective limit ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "floor_area", "norm", "expected"),
    [
        (4, 20, 12.0, (4, LimitBasis.MUNICIPALITY)),
        (None, 20, 12.0, (1, LimitBasis.FLOOR_AREA_NORM)),
        (None, 24, 12.0, (2, LimitBasis.FLOOR_AREA_NORM)),
        (None, 11, 12.0, (0, LimitBasis.FLOOR_AREA_NORM)),  # too small for anyone
        (None, 30, 7.5, (4, LimitBasis.FLOOR_AREA_NORM)),
        (None, None, 12.0, (None, None)),
        (None, 20, None, (None, None)),  # no norm in force that day
    ],
)
def test_the_permitted_maximum_is_the_municipalitys_else_the_floor_area_norms_else_unknown(
    limit: int | None, floor_area: int | None, norm: float | None, expected: tuple[int | None, LimitBasis | None]
) -> None:
    assert permitted_maximum(limit, floor_area, norm) == expected


def test_the_norm_in_force_on_the_day_is_used() -> None:
    norms = {date(1900, 1, 1): 12.0, date(2027, 1, 1): 15.0}
    location = an_employers_location(max_occupants=None, floor_area_m2=48)

    assert floor_area_norm_on(norms, date(2026, 12, 31)) == 12.0
    assert floor_area_norm_on(norms, date(2027, 1, 1)) == 15.0
    assert floor_area_norm_on(norms, date(1899, 12, 31)) is None
    assert location.permitted_maximum_on(date(2026, 12, 31), {"dwelling": norms}) == 4
    assert location.permitted_maximum_on(date(2027, 1, 1), {"dwelling": norms}) == 3


# -- the owner ------------------------------------------------------------------------------


def test_an_employer_naming_another_company_as_owner_is_refused() -> None:
    with pytest.raises(RuleViolated) as refused:
        an_employers_location(owner_kvk_number="60000043")
    assert broken_rules(refused.value) == {("owner_kvk_number", "not_own_kvk_number")}


@pytest.mark.parametrize("owner", [OWN_KVK, f" {OWN_KVK} ", None])
def test_an_employer_may_name_itself_or_nobody_as_owner(owner: str | None) -> None:
    assert an_employers_location(owner_kvk_number=owner).owner_kvk_number == (owner.strip() if owner else None)


def test_the_municipality_may_name_any_owner() -> None:
    assert a_housing_location(registrant=MUNICIPALITY, owner_kvk_number="60000043").owner_kvk_number == "60000043"


def test_an_employer_registrant_without_an_employer_may_name_no_owner() -> None:
    nobody = Registrant(municipal=False, employer_id=None)
    assert refusal_of(registrant=nobody, owner_kvk_number=OWN_KVK) == {("owner_kvk_number", "not_own_kvk_number")}


# -- events stored before the change ------------------------------------------------------------


def _stored_v1() -> StoredEvent:
    """A `HousingLocation.Registered` exactly as main (10e8ce2) stored it, before `proposed_max_occupants`."""
    doc = json.loads((Path(__file__).parent / "data" / "housing_location_registered_v1.json").read_text("utf-8"))
    return StoredEvent(UUID(doc["originator_id"]), doc["originator_version"], doc["topic"], doc["state"].encode())


@pytest.mark.parametrize("sealing", [True, False])
def test_a_registered_event_of_the_old_shape_reads_as_the_municipalitys_limit(sealing: bool) -> None:
    transcoder = JSONTranscoder()
    register_ledger_transcodings(transcoder)
    # The application's sealing mapper and the plain one the views are fed through must both upcast it.
    mapper = SealingMapper(transcoder=transcoder, keys=_NoKeys()) if sealing else Mapper(transcoder=transcoder)

    event = mapper.to_domain_event(_stored_v1())

    assert isinstance(event, HousingLocation.Registered)
    assert (event.max_occupants, event.proposed_max_occupants) == (6, None)
    location = event.mutate(None)
    assert isinstance(location, HousingLocation)
    # 6 counts, not floor(40 m² / 12 m²) = 3: the old number is the municipality's.
    assert location.permitted_maximum_on(TODAY, TWELVE) == 6


def test_a_new_registered_event_is_stored_as_version_three() -> None:
    transcoder = JSONTranscoder()
    register_ledger_transcodings(transcoder)
    (event,) = an_employers_location(max_occupants=9).collect_events()

    state = json.loads(Mapper(transcoder=transcoder).to_stored_event(event).state)

    assert (state["class_version"], state["max_occupants"], state["proposed_max_occupants"]) == (3, None, 9)


class _NoKeys:
    """A key store that has no keys: a housing location seals nothing, so none is asked for."""

    def data_key(self, subject_id: UUID) -> bytes | None:
        raise AssertionError(f"no key should be looked up for {subject_id}")

    def data_key_for_writing(self, subject_id: UUID) -> bytes:
        raise AssertionError(f"no key should be made for {subject_id}")
