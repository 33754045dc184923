"""No personal value reaches the logs, whatever the API is asked.

Workers with canary values (names, identity document, BSN, free text) are
registered, read, searched, moved, put under a legal hold and erased through
the API, and requests that misuse the API carry canaries where the contract
says personal data never goes (a path, a query string) or in invalid input.
Logging is configured as an entry point configures it (DEBUG, both structlog
and the standard library, e.g. httpx and uvicorn records) into a buffer, and
the process's stdout and stderr are captured too; none of it may contain a
canary.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from ledger.logs import configure_logging
from tests.conftest import Api
from tests.factories import valid_bsn

KVK = "34781256"
CANARY_PEOPLE = [
    {"familyName": "Kanariepietersz", "givenNames": "Zwaluwine Merelke", "document": "KNR7730451", "bsn": valid_bsn()},
    {"familyName": "Vinkenoogstra", "givenNames": "Putterbert", "document": "VNK5512093", "bsn": valid_bsn()},
]
CANARY_TEXT = "Spreeuwenbergse verklaring"  # free text about a person: sealed, never logged


def canaries() -> list[str]:
    values = [CANARY_TEXT]
    for person in CANARY_PEOPLE:
        values += [person["familyName"], person["givenNames"], person["document"], person["bsn"]]
    return values


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """Configure logging as an entry point does, into a buffer; yield a reader of it and of stdout and stderr."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    sink = io.StringIO()
    configure_logging("DEBUG", stream=sink)

    def read() -> str:
        captured = capsys.readouterr()
        return sink.getvalue() + captured.out + captured.err

    try:
        yield read
    finally:
        structlog.reset_defaults()
        root.handlers, root.level = handlers, level


def worker_body(employer_id: str, location_id: str, person: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "employerId": employer_id,
        "person": {
            "familyName": person["familyName"],
            "givenNames": person["givenNames"],
            "birthDate": "1991-02-17",
            "nationality": "POL",
            "idDocument": {"type": "passport", "number": person["document"], "expiresOn": "2031-01-31"},
            "bsn": person["bsn"],
        },
        "employment": {
            "startDate": "2026-04-01",
            "expectedEndDate": "2026-10-31",
            "workAddress": {"street": "Handelsweg", "houseNumber": 3, "postcode": "1687 AA", "city": "Wognum"},
        },
        "housing": {"housingLocationId": location_id, "validFrom": "2026-04-01"},
    }
    return body | overrides


def _created(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_canaries_sent_through_the_api_never_reach_the_logs(api: Api, logs: Any) -> None:
    registrar, employer, inspector, admin = (
        api.auth("registrar"),
        api.auth("employer", kvk=KVK),
        api.auth("inspector"),
        api.auth("admin"),
    )
    employer_id = _created(
        api.client.post("/api/v1/employers", json={"kvkNumber": KVK, "name": "Flexwerk B.V."}, headers=registrar)
    )["id"]
    location = {
        "bagId": "0420010000004711",
        "street": "Dorpsstraat",
        "houseNumber": 12,
        "postcode": "1671 AB",
        "city": "Medemblik",
        "kind": "dwelling",
        "maxOccupants": 6,
    }
    location_id = _created(api.client.post("/api/v1/housing-locations", json=location, headers=registrar))["id"]

    workers = [
        _created(
            api.client.post("/api/v1/workers", json=worker_body(employer_id, location_id, person), headers=employer)
        )
        for person in CANARY_PEOPLE
    ]
    position = max(w["position"] for w in workers)
    for worker in workers:
        assert api.client.get(
            f"/api/v1/workers/{worker['id']}", params={"minPosition": position}, headers=registrar
        ).is_success
    found = api.client.post(
        "/api/v1/workers/_search", json={"familyName": CANARY_PEOPLE[0]["familyName"]}, headers=registrar
    )
    occupancy = api.client.get(
        f"/api/v1/housing-locations/{location_id}/occupancy", params={"minPosition": position}, headers=registrar
    )
    first = workers[0]["id"]
    hold = api.client.post(
        f"/api/v1/workers/{first}/legal-holds",
        json={"caseReference": "HH-2026-0042", "reason": CANARY_TEXT},
        headers=inspector,
    )
    lifted = api.client.delete(f"/api/v1/workers/{first}/legal-holds/HH-2026-0042", headers=inspector)
    erasure = {"reasonCode": "other", "reason": CANARY_TEXT}
    erased = api.client.post(f"/api/v1/workers/{workers[1]['id']}/erasure", json=erasure, headers=admin)

    # Misuse: canaries in invalid input, in a path, in a query string.
    person = CANARY_PEOPLE[0]
    invalid = api.client.post(
        "/api/v1/workers",
        json=worker_body(employer_id, location_id, person, employment={"startDate": person["familyName"]}),
        headers=employer,
    )
    in_path = api.client.get(f"/api/v1/workers/{person['familyName']}", headers=registrar)
    unmatched = api.client.get(f"/api/v1/people/{person['familyName']}/{person['bsn']}", headers=registrar)
    in_query = api.client.get("/api/v1/workers", params={"familyName": person["familyName"]}, headers=registrar)

    logged = logs()

    assert found.is_success and occupancy.is_success, (found.text, occupancy.text)
    assert (hold.status_code, lifted.status_code, erased.status_code) == (201, 200, 200)
    assert (invalid.status_code, in_path.status_code, unmatched.status_code) == (400, 400, 404)
    assert in_query.status_code in {200, 400}
    assert "request_handled" in logged
    assert '"route": "/api/v1/workers/{' in logged  # the full template, not the path's values
    assert '"route": "(unmatched)"' in logged
    leaks = [line for line in logged.splitlines() if any(c in line for c in canaries())]
    assert leaks == []


def test_the_capture_would_see_a_leaked_value(logs: Any) -> None:
    structlog.get_logger().info("leak_for_the_test", family_name=CANARY_PEOPLE[0]["familyName"])
    logging.getLogger("uvicorn.error").warning("leaked %s", CANARY_PEOPLE[1]["document"])

    logged = logs()

    assert CANARY_PEOPLE[0]["familyName"] in logged
    assert CANARY_PEOPLE[1]["document"] in logged
