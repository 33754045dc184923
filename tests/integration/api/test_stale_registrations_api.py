"""A stale registration through the API: the alert, the employer's confirmation that clears it, the due date.

The API's clock stands at 2026-06-15; a worker whose employment started on
2025-10-01 and was expected to end on 2026-05-31 is stale since 2026-06-01.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from tests.conftest import Api
from tests.factories import a_bag_id, a_kvk_number, a_person, an_address, an_employment
from tests.integration.api.test_workers_writes import WORKERS, Setting


def _ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


@pytest.fixture
def setting(api: Api) -> Setting:
    kvk = a_kvk_number()
    ledger = api.services.ledger
    employer = ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(), kind="dwelling", max_occupants=4
    )
    return Setting(kvk=kvk, employer_id=employer.id, location_id=location.id)


@pytest.fixture
def stale_worker(api: Api, setting: Setting) -> UUID:
    return api.services.ledger.register_worker(
        employer_id=setting.employer_id,
        person=a_person(),
        employment=an_employment(start_date=date(2025, 10, 1), expected_end_date=date(2026, 5, 31)),
        housing_location_id=setting.location_id,
        housing_valid_from=date(2025, 10, 1),
    ).id


def _stale_alerts(api: Api, position: int, **auth: Any) -> list[dict[str, Any]]:
    params = {"kind": "stale_registration", "minPosition": position}
    items: list[dict[str, Any]] = _ok(
        api.client.get("/api/v1/alerts", params=params, headers=api.auth(auth.pop("role", "registrar"), **auth))
    )["items"]
    return items


def test_the_employer_sees_its_stale_registration_and_a_confirmation_clears_it(
    api: Api, setting: Setting, stale_worker: UUID
) -> None:
    employer = {"role": "employer", "kvk": setting.kvk}
    head = api.services.ledger.recorder.max_notification_id() or 0

    raised = _stale_alerts(api, head, **employer)
    confirmed = _ok(
        api.client.post(
            f"{WORKERS}/{stale_worker}/confirmations",
            json={"confirmedOn": "2026-06-15", "expectedEndDate": "2026-12-31"},
            headers=api.auth("employer", kvk=setting.kvk),
        ),
        201,
    )
    after = _stale_alerts(api, confirmed["position"], **employer)
    worker = _ok(
        api.client.get(
            f"{WORKERS}/{stale_worker}",
            params={"minPosition": confirmed["position"]},
            headers=api.auth("registrar"),
        )
    )

    assert [(a["subjectId"], a["since"], a["detail"]) for a in raised] == [
        (str(stale_worker), "2026-06-01", "past its expected end 2026-05-31; no end reported")
    ]
    assert confirmed["version"] == 2
    assert after == []
    assert worker["expectedEndDate"] == "2026-12-31"


def test_the_worker_shows_the_due_date_its_stale_registration_gives(api: Api, stale_worker: UUID) -> None:
    head = api.services.ledger.recorder.max_notification_id() or 0
    worker = _ok(
        api.client.get(f"{WORKERS}/{stale_worker}", params={"minPosition": head}, headers=api.auth("registrar"))
    )
    due = _ok(api.client.get("/api/v1/retention/due", params={"on": "2027-09-01"}, headers=api.auth("admin")))

    # Stale since 2026-06-01, its clock starts three months later, and a year after that it is due.
    assert worker["retentionDueOn"] == "2027-09-01"
    assert [(i["subjectId"], i["dueOn"], i["clock"]) for i in due["items"]] == [
        (str(stale_worker), "2027-09-01", "stale since 2026-06-01: past its expected end 2026-05-31")
    ]
