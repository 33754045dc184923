"""Postcodes, dates, sanctions and amounts over HTTP: every refusal a 400 naming the member, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.domain.inspection import Inspection
from ledger.settings import Settings
from tests.conftest import Api, fixed_clock
from tests.integration.api.test_housing_and_inspections import (
    INSPECTIONS,
    LOCATIONS,
    a_location_body,
    an_inspection_body,
    record_inspection,
    refused,
    register_location,
)
from tests.integration.api.test_workers_writes import WORKERS, Setting, a_setting, a_worker_body, changed, register


@pytest.fixture
def setting(api: Api) -> Setting:
    """An employer and a housing location (as in the worker tests)."""
    return a_setting(api)


@pytest.fixture
def worker(api: Api, setting: Setting) -> UUID:
    """A worker born 1994-03-14, employed from 2026-04-01."""
    return register(api, setting)


# The tests of refusals share one app per module and backend (see `shared_api`), and these in it.


@pytest.fixture(scope="module")
def shared_setting(shared_api: Api) -> Setting:
    return a_setting(shared_api)


@pytest.fixture(scope="module")
def shared_worker(shared_api: Api, shared_setting: Setting) -> UUID:
    """A worker born 1994-03-14, employed from 2026-04-01."""
    return register(shared_api, shared_setting)


@pytest.fixture(scope="module")
def shared_inspection(shared_api: Api) -> str:
    return record_inspection(shared_api, register_location(shared_api))


# -- postcode --------------------------------------------------------------------------------


@pytest.mark.parametrize("postcode", ["1671 SA", "1671 sd", "1671SS"])
def test_a_location_postcode_with_sa_sd_or_ss_is_400_naming_it(shared_api: Api, postcode: str) -> None:
    problem = refused(shared_api, LOCATIONS, a_location_body(postcode=postcode), 400, shared_api.auth("registrar"))
    assert [p["name"] for p in problem["invalidParams"]] == ["postcode"]


def test_a_work_address_postcode_with_ss_is_400_naming_it(api: Api, setting: Setting, worker: UUID) -> None:
    body = changed(a_worker_body(setting), "employment.workAddress.postcode", "1687 SS")
    registration = refused(api, WORKERS, body, 400, api.auth("registrar"))
    change = {
        "type": "work",
        "workAddress": {"street": "Veilingweg", "houseNumber": 1, "postcode": "1671 SD", "city": "Medemblik"},
        "validFrom": "2026-06-01",
    }
    moved = refused(api, f"{WORKERS}/{worker}/address-changes", change, 400, api.auth("registrar"))

    assert [p["name"] for p in registration["invalidParams"]] == ["employment.workAddress.postcode"]
    assert [p["name"] for p in moved["invalidParams"]] == ["workAddress.postcode"]


def test_a_postcode_with_an_nl_prefix_is_stored_and_shown_as_1234AB(api: Api, setting: Setting) -> None:
    body = changed(a_worker_body(setting), "employment.workAddress.postcode", "nl-1687 aa")
    created = api.client.post(WORKERS, json=body, headers=api.auth("registrar"))
    assert created.status_code == 201, created.text

    fresh = {"minPosition": created.json()["position"]}
    shown = api.client.get(f"{WORKERS}/{created.json()['id']}", params=fresh, headers=api.auth("registrar"))

    assert shown.status_code == 200, shown.text
    assert shown.json()["workAddress"]["postcode"] == "1687AA"


# -- dates in bodies ------------------------------------------------------------------------------


def names(problem: dict[str, Any]) -> list[str]:
    return [p["name"] for p in problem["invalidParams"]]


@pytest.mark.parametrize(
    ("path", "value", "name"),
    [
        ("person.idDocument.expiresOn", "2101-01-01", "person.idDocument.expiresOn"),
        ("employment.expectedEndDate", "9999-12-31", "employment.expectedEndDate"),
        ("housing.validFrom", "1899-12-31", "housing.validFrom"),
        ("housing.validFrom", "1994-03-13", "housing.validFrom"),  # the day before the birth date
    ],
)
def test_a_registration_date_out_of_bounds_or_before_the_birth_is_400_naming_it(
    shared_api: Api, shared_setting: Setting, path: str, value: str, name: str
) -> None:
    problem = refused(
        shared_api, WORKERS, changed(a_worker_body(shared_setting), path, value), 400, shared_api.auth("registrar")
    )
    assert names(problem) == [name]


@pytest.mark.parametrize(
    ("path", "body", "name"),
    [
        ("departures", {"departedOn": "2026-03-31"}, "departedOn"),
        ("contract-ends", {"endDate": "2026-03-31"}, "endDate"),
        (
            "address-changes",
            {
                "type": "work",
                "workAddress": {"street": "Veilingweg", "houseNumber": 1, "postcode": "1671 GZ", "city": "Medemblik"},
                "validFrom": "2026-03-31",
            },
            "validFrom",
        ),
        ("address-changes", {"type": "housing", "housingLocationId": None, "validFrom": "1993-01-01"}, "validFrom"),
        ("address-changes", {"type": "housing", "housingLocationId": None, "validFrom": "1899-12-31"}, "validFrom"),
        ("population-registrations", {"register": "RNI", "registeredOn": "1990-01-01"}, "registeredOn"),
    ],
)
def test_a_change_dated_before_the_employment_or_the_birth_is_400_naming_it(
    shared_api: Api, shared_worker: UUID, path: str, body: dict[str, Any], name: str
) -> None:
    problem = refused(shared_api, f"{WORKERS}/{shared_worker}/{path}", body, 400, shared_api.auth("registrar"))
    assert names(problem) == [name]


def test_an_inspection_or_an_occupancy_limit_dated_before_1900_is_400_naming_it(api: Api) -> None:
    location = register_location(api)
    inspection = refused(
        api, INSPECTIONS, an_inspection_body(location, inspectedOn="1899-12-31"), 400, api.auth("inspector")
    )
    limit = refused(
        api,
        f"{LOCATIONS}/{location}/occupancy-limits",
        {"maxOccupants": 3, "validFrom": "1899-12-31"},
        400,
        api.auth("registrar"),
    )
    assert (names(inspection), names(limit)) == (["inspectedOn"], ["validFrom"])


# -- dates in query parameters ----------------------------------------------------------------------


def get_refused(api: Api, path: str, params: dict[str, Any], role: str = "registrar") -> list[str]:
    answer = api.client.get(path, params=params, headers=api.auth(role))
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return names(answer.json())


@pytest.mark.parametrize("day", ["1899-12-31", "2101-01-01", "0001-01-01"])
def test_an_on_parameter_out_of_bounds_is_400_naming_it(api: Api, day: str) -> None:
    location = register_location(api)

    assert get_refused(api, f"{LOCATIONS}/{location}/occupancy", {"on": day}) == ["on"]
    assert get_refused(api, "/api/v1/headcounts", {"groupBy": "employer", "on": day}) == ["on"]
    assert get_refused(api, "/api/v1/retention/due", {"on": day}, role="admin") == ["on"]


def test_a_residents_period_out_of_bounds_is_400_naming_the_end(api: Api) -> None:
    location = register_location(api)
    path = f"{LOCATIONS}/{location}/residents"

    assert get_refused(api, path, {"from": "1899-12-31", "to": "2026-06-01"}) == ["from"]
    assert get_refused(api, path, {"from": "2026-06-01", "to": "2101-01-01"}) == ["to"]


def test_a_search_on_a_birth_date_out_of_bounds_is_400_naming_it(api: Api) -> None:
    answer = api.client.post(
        f"{WORKERS}/_search", json={"familyName": "Kowalska", "birthDate": "1899-12-31"}, headers=api.auth("registrar")
    )
    assert answer.status_code == 400, answer.text
    assert names(answer.json()) == ["birthDate"]


def instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_as_known_at_more_than_a_minute_ahead_is_400_and_within_the_minute_is_answered(api: Api, worker: UUID) -> None:
    location = register_location(api)
    ahead = instant(datetime.now(UTC) + timedelta(minutes=2))
    near = instant(datetime.now(UTC) + timedelta(seconds=20))

    assert get_refused(api, f"{LOCATIONS}/{location}/occupancy", {"asKnownAt": ahead}) == ["asKnownAt"]
    assert get_refused(api, "/api/v1/headcounts", {"groupBy": "employer", "asKnownAt": ahead}) == ["asKnownAt"]
    residents = {"from": "2026-06-01", "to": "2026-06-02", "asKnownAt": ahead}
    assert get_refused(api, f"{LOCATIONS}/{location}/residents", residents) == ["asKnownAt"]
    assert get_refused(api, f"{WORKERS}/{worker}/residence-history", {"asKnownAt": ahead}) == ["asKnownAt"]
    answered = api.client.get(
        f"{LOCATIONS}/{location}/occupancy",
        params={"asKnownAt": near, "minPosition": api.services.ledger.recorder.max_notification_id()},
        headers=api.auth("registrar"),
    )
    assert answered.status_code == 200, answered.text


def test_instants_out_of_bounds_are_400_naming_them(api: Api) -> None:
    location = register_location(api)

    old = "1899-12-31T12:00:00Z"
    assert get_refused(api, f"{LOCATIONS}/{location}/occupancy", {"asKnownAt": old}) == ["asKnownAt"]
    assert get_refused(api, "/api/v1/audit/access-log", {"from": old}, role="auditor") == ["from"]
    assert get_refused(api, "/api/v1/audit/access-log", {"to": "2101-01-01T00:00:00Z"}, role="auditor") == ["to"]


# -- sanctions ---------------------------------------------------------------------------------------------


@pytest.fixture
def inspection(api: Api) -> str:
    return record_inspection(api, register_location(api))


def sanctions(inspection: str) -> str:
    return f"{INSPECTIONS}/{inspection}/sanctions"


def test_a_sanction_against_a_registered_employer_is_stored_naming_it(
    api: Api, setting: Setting, inspection: str
) -> None:
    body = {"kind": "warning", "against": "employer", "employerId": str(setting.employer_id)}

    answer = api.client.post(sanctions(inspection), json=body, headers=api.auth("inspector"))

    assert answer.status_code == 201, answer.text
    event = list(api.services.ledger.events.get(UUID(inspection)))[-1]
    assert isinstance(event, Inspection.SanctionImposed)
    assert (event.employer_id, event.owner_kvk_number) == (setting.employer_id, None)


def test_a_sanction_against_the_owner_is_stored_with_its_kvk_number(api: Api, inspection: str) -> None:
    body = {"kind": "administrative_fine", "against": "owner", "ownerKvkNumber": "34781256", "amountEur": "2500"}

    answer = api.client.post(sanctions(inspection), json=body, headers=api.auth("inspector"))

    assert answer.status_code == 201, answer.text
    event = list(api.services.ledger.events.get(UUID(inspection)))[-1]
    assert isinstance(event, Inspection.SanctionImposed)
    assert (event.employer_id, event.owner_kvk_number, event.amount_eur) == (None, "34781256", Decimal("2500.00"))


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"kind": "warning", "against": "employer"}, "employerId"),
        ({"kind": "warning", "against": "employer", "employerId": str(uuid4())}, "employerId"),
        ({"kind": "warning", "against": "employer", "employerId": "not-an-id"}, "employerId"),
        ({"kind": "warning", "against": "owner"}, "ownerKvkNumber"),
        ({"kind": "warning", "against": "owner", "ownerKvkNumber": "123"}, "ownerKvkNumber"),
        (
            {"kind": "warning", "against": "owner", "ownerKvkNumber": "34781256", "employerId": str(uuid4())},
            "employerId",
        ),
    ],
)
def test_a_sanction_that_does_not_name_its_addressee_is_400_naming_the_member(
    shared_api: Api, shared_inspection: str, body: dict[str, Any], name: str
) -> None:
    problem = refused(shared_api, sanctions(shared_inspection), body, 400, shared_api.auth("inspector"))
    assert names(problem) == [name]


# -- amounts ---------------------------------------------------------------------------------------------


def a_fine(amount: Any) -> dict[str, Any]:
    return {"kind": "administrative_fine", "against": "owner", "ownerKvkNumber": "34781256", "amountEur": amount}


@pytest.mark.parametrize("amount", ["12.345", 12.345, "100000.01", "1E+6", 0, "-5", "0.001"])
def test_an_amount_with_more_than_cents_or_out_of_range_is_400_naming_it(
    shared_api: Api, shared_inspection: str, amount: Any
) -> None:
    problem = refused(shared_api, sanctions(shared_inspection), a_fine(amount), 400, shared_api.auth("inspector"))
    assert names(problem) == ["amountEur"]


def test_an_amount_up_to_the_default_maximum_is_stored_in_cents(api: Api, inspection: str) -> None:
    answer = api.client.post(sanctions(inspection), json=a_fine("100000"), headers=api.auth("inspector"))

    assert answer.status_code == 201, answer.text
    event = list(api.services.ledger.events.get(UUID(inspection)))[-1]
    assert isinstance(event, Inspection.SanctionImposed)
    assert str(event.amount_eur) == "100000.00"


@pytest.fixture
def capped(migrated: Settings) -> Iterator[Api]:
    settings = migrated.model_copy(update={"api_run_projections": True, "sanction_max_amount_eur": Decimal(500)})
    with TestClient(create_app(settings, clock=fixed_clock), raise_server_exceptions=False) as client:
        yield Api(client, settings)


def test_the_maximum_is_the_setting(capped: Api) -> None:
    inspection = record_inspection(capped, register_location(capped))

    problem = refused(capped, sanctions(inspection), a_fine("500.01"), 400, capped.auth("inspector"))
    accepted = capped.client.post(sanctions(inspection), json=a_fine("500"), headers=capped.auth("inspector"))

    assert names(problem) == ["amountEur"]
    assert accepted.status_code == 201, accepted.text
