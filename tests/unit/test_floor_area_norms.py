"""The floor-area norm is the one of the location's kind, in force that day (issue 16 §3).

Bouwbesluit 2012 art. 7.18: 12 m² a person in a dwelling (woonfunctie), 6 m² in
a woonwagen on a caravan site; lodging has no statutory norm and takes the SNF
norm (10 m²). The norms are a dated map per kind in the settings.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ledger.domain.floor_area_norms import DEFAULT_FLOOR_AREA_NORMS_M2, norms_for_kind
from ledger.domain.values import HousingKind
from ledger.settings import Settings
from tests.factories import TODAY, a_housing_location

SINCE = date(1900, 1, 1)


def test_a_caravan_site_at_7_m2_a_person_is_fine_a_dwelling_is_not() -> None:
    norms = Settings().floor_area_norms_m2
    caravan = a_housing_location(kind="caravan_site", max_occupants=None, floor_area_m2=14)
    dwelling = a_housing_location(kind="dwelling", max_occupants=None, floor_area_m2=14)

    # Two people in 14 m²: 7 m² each.
    assert caravan.permitted_maximum_on(TODAY, norms) == 2  # 6 m² a person (art. 7.18(2))
    assert dwelling.permitted_maximum_on(TODAY, norms) == 1  # 12 m² a person (art. 7.18(1))


@pytest.mark.parametrize(
    ("kind", "norm"),
    [
        ("dwelling", 12.0),
        ("caravan_site", 6.0),
        ("short_stay_facility", 10.0),
        ("hotel_pension", 10.0),
        ("recreational", 10.0),
        ("other", 12.0),
    ],
)
def test_every_kind_has_its_default_norm(kind: str, norm: float) -> None:
    assert Settings().floor_area_norms_m2[kind] == {SINCE: norm}
    assert DEFAULT_FLOOR_AREA_NORMS_M2[kind] == {SINCE: norm}


def test_every_kind_of_location_has_a_default_norm() -> None:
    assert set(Settings().floor_area_norms_m2) == {kind.value for kind in HousingKind}


def test_a_dated_change_of_norm_applies_from_its_date_to_its_kind_only() -> None:
    # The municipality adopts 12 m² for short-stay housing from 2027 (as the SNF announced a change).
    norms = {"short_stay_facility": {SINCE: 10.0, date(2027, 1, 1): 12.0}, "dwelling": {SINCE: 12.0}}
    short_stay = a_housing_location(kind="short_stay_facility", max_occupants=None, floor_area_m2=60)
    dwelling = a_housing_location(kind="dwelling", max_occupants=None, floor_area_m2=60)

    assert short_stay.permitted_maximum_on(date(2026, 12, 31), norms) == 6
    assert short_stay.permitted_maximum_on(date(2027, 1, 1), norms) == 5
    assert dwelling.permitted_maximum_on(date(2026, 12, 31), norms) == 5
    assert dwelling.permitted_maximum_on(date(2027, 1, 1), norms) == 5


def test_a_kind_without_a_norm_derives_no_limit() -> None:
    norms = {"dwelling": {SINCE: 12.0}}
    pension = a_housing_location(kind="hotel_pension", max_occupants=None, floor_area_m2=60)

    assert norms_for_kind(norms, "hotel_pension") == {}
    assert pension.permitted_maximum_on(TODAY, norms) is None


def test_the_municipalitys_limit_still_beats_the_norm_of_any_kind() -> None:
    caravan = a_housing_location(kind="caravan_site", max_occupants=1, floor_area_m2=60)

    assert caravan.permitted_maximum_on(TODAY, Settings().floor_area_norms_m2) == 1


@given(
    kind=st.sampled_from([kind.value for kind in HousingKind]),
    area=st.integers(1, 10_000),
    norm=st.integers(1, 400).map(lambda tenths: tenths / 10),
)
def test_the_limit_from_the_floor_area_is_floor_of_area_over_the_kinds_norm(kind: str, area: int, norm: float) -> None:
    # The other kinds get a norm that would give another answer: only the location's own kind may count.
    norms = {other.value: {SINCE: norm + 1} for other in HousingKind} | {kind: {SINCE: norm}}
    location = a_housing_location(kind=kind, max_occupants=None, floor_area_m2=area)

    expected = area * 10 // round(norm * 10)  # exact: both in tenths of a m²
    assert location.permitted_maximum_on(TODAY, norms) == expected


# -- the setting --------------------------------------------------------------------------------


def test_the_norms_are_read_from_the_environment_per_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_FLOOR_AREA_NORMS_M2", '{"dwelling": {"1900-01-01": 12, "2027-01-01": 15}}')

    assert Settings().floor_area_norms_m2 == {"dwelling": {SINCE: 12.0, date(2027, 1, 1): 15.0}}


def test_the_old_flat_setting_is_refused_naming_the_new_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_ALERT_FLOOR_AREA_NORMS_M2", '{"1900-01-01": 12}')

    with pytest.raises(ValidationError, match="LEDGER_FLOOR_AREA_NORMS_M2"):
        Settings()


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match="caravan"):
        Settings(floor_area_norms_m2={"caravan": {SINCE: 6.0}})


@pytest.mark.parametrize("norm", [0.0, -6.0])
def test_a_norm_must_be_more_than_nothing(norm: float) -> None:
    with pytest.raises(ValidationError):
        Settings(floor_area_norms_m2={"dwelling": {SINCE: norm}})
