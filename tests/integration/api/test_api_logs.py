"""No personal value reaches the logs, whatever the API is asked.

Workers with canary values (names, identity document, BSN, free text) are
registered, read, searched, moved, put under a legal hold and erased through
the API, and requests that misuse the API carry canaries where the contract
says personal data never goes (a path, a query string) or in invalid input.
Logging is configured as an entry point configures it (DEBUG, both structlog
and the standard library, e.g. httpx and uvicorn records) into a buffer, and
the process's stdout and stderr are captured too; none of it may contain a
canary. A request is also made to fail: a ledger method raises after it
received a person with canaries, which are then in the frames' locals, the
exception's message, arguments, cause and note. In development (console) and
production (JSON) mode its log is one small `request_failed` with the trace,
and nothing in it is rendered from the failing code's objects.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import pytest
import structlog

from api.middleware import API_VERSION, SECURITY_HEADERS
from ledger.domain.employer import employer_id_for
from ledger.logs import Renderer, configure_logging
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


def _configured_logs(capsys: pytest.CaptureFixture[str], renderer: Renderer) -> Iterator[Callable[[], str]]:
    """Configure logging as an entry point does, into a buffer; yield a reader of what was written since it last read.

    The reader returns the buffer's new lines and the process's new stdout and stderr.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    sink = io.StringIO()
    configure_logging("DEBUG", renderer=renderer, stream=sink)
    read_up_to = 0

    def read() -> str:
        nonlocal read_up_to
        captured = capsys.readouterr()
        written = sink.getvalue()
        new, read_up_to = written[read_up_to:], len(written)
        return new + captured.out + captured.err

    try:
        yield read
    finally:
        structlog.reset_defaults()
        root.handlers, root.level = handlers, level


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    """The logs of a production server (JSON lines)."""
    yield from _configured_logs(capsys, "json")


@pytest.fixture(params=["console", "json"])
def logs_of_either_mode(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> Iterator[Callable[[], str]]:
    """The logs of a development server (console) and of a production server (JSON lines)."""
    yield from _configured_logs(capsys, request.param)


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

    # The registrar registers them: only the municipality records a BSN.
    workers = [
        _created(
            api.client.post("/api/v1/workers", json=worker_body(employer_id, location_id, person), headers=registrar)
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


class Tripwire:
    """A value that counts each time something renders it: a log that reads the frames' locals would."""

    def __init__(self) -> None:
        self.rendered = 0

    def __repr__(self) -> str:
        self.rendered += 1
        return CANARY_TEXT

    def __str__(self) -> str:
        return self.__repr__()


def test_a_failing_request_logs_one_small_trace_without_personal_data(
    api: Api, logs_of_either_mode: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = logs_of_either_mode
    tripwire = Tripwire()

    def register_worker_failing(**command: Any) -> None:
        # A dependency failing after the person reached it: the canaries are in this frame's locals (and the
        # route's), in the exception's message, its arguments, its cause and a note.
        person = command["person"]
        evidence = tripwire
        try:
            raise UnicodeEncodeError("ascii", f"{person.given_names} {person.bsn}", 0, 1, "refused by the test")
        except UnicodeEncodeError as error:
            failure = RuntimeError(f"could not store {person.family_name} {person.id_document.number}", evidence)
            failure.add_note(person.bsn)
            raise failure from error

    monkeypatch.setattr(api.services.ledger, "register_worker", register_worker_failing)
    employer = api.auth("employer", kvk=KVK)
    body = worker_body(str(employer_id_for(KVK)), str(uuid4()), CANARY_PEOPLE[0])
    logs()  # start-up lines are not the failure's

    failed = api.client.post("/api/v1/workers", json=body, headers=employer)
    logged = logs()
    healthz = api.client.get("/healthz")

    assert tripwire.rendered == 0
    assert [line for line in logged.splitlines() if any(c in line for c in canaries())] == []
    assert len(logged.encode()) < 20_000
    assert healthz.status_code == 200
    # Logged once, by the app, under the trace id the answer carries; the trace names the types and the frame.
    assert logged.count("request_failed") == 1
    assert "RuntimeError" in logged and "UnicodeEncodeError" in logged and "register_worker_failing" in logged
    assert failed.status_code == 500, failed.text
    assert failed.headers["content-type"] == "application/problem+json"
    assert failed.headers["api-version"] == API_VERSION
    assert all(failed.headers.get(name.decode()) == value.decode() for name, value in SECURITY_HEADERS)
    assert failed.headers["traceparent"].split("-")[1] in logged
