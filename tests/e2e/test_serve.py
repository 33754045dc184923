"""`ledger serve` as a real process, driven over HTTP through a realistic day, on both backends.

The test runs what an operator runs: `ledger migrate`, `ledger token` for
each role, and `ledger serve` on a free port of 127.0.0.1 (on PostgreSQL with
`ledger project` beside it, as in production; on the embedded default the
server runs the projections itself). Once `/readyz` answers, a registrar,
an employer, an inspector and a second employer go through a day of work
with httpx; at the end both processes are stopped with SIGTERM and must shut
down cleanly.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.settings import Settings
from tests.integration.ledger_process import ledger_command, ledger_env, run_ledger

pytestmark = pytest.mark.slow

KVK = "34781256"
OTHER_KVK = "56781234"
READY_WITHIN_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def token(settings: Settings, role: str, *extra: str) -> str:
    issued = run_ledger(settings, "token", "--role", role, *extra)
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip()


@dataclass
class Served:
    """A running `ledger serve` and a bearer token per actor of the day."""

    url: str
    headers: dict[str, dict[str, str]]
    processes: list[subprocess.Popen[bytes]]

    def client(self, actor: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers[actor], timeout=30.0)


def _start(settings: Settings, log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(ledger_command(*args), env=ledger_env(settings), stdout=out, stderr=subprocess.STDOUT)


def _wait_until_ready(url: str, processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline:
        exited = [p.args for p in processes if p.poll() is not None]
        assert not exited, f"exited before ready: {exited}\n" + "\n".join(p.read_text() for p in logs)
        try:
            if httpx.get(f"{url}/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail("the server did not become ready:\n" + "\n".join(p.read_text() for p in logs))


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[Served]:
    migrated = run_ledger(settings, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    headers = {
        actor: {"Authorization": f"Bearer {token(settings, *args)}"}
        for actor, args in {
            "registrar": ("registrar", "--sub", "medewerker-burgerzaken"),
            "employer": ("employer", "--kvk", KVK, "--sub", "flexwerk-hr"),
            "other employer": ("employer", "--kvk", OTHER_KVK),
            "inspector": ("inspector", "--sub", "toezichthouder-1"),
        }.items()
    }
    port = free_port()
    logs = [tmp_path / "serve.log"]
    processes = [_start(settings, logs[0], "serve", "--host", "127.0.0.1", "--port", str(port))]
    if not settings.runs_projections_in_process:
        logs.append(tmp_path / "project.log")
        processes.append(_start(settings, logs[1], "project"))
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(url, processes, logs)
        yield Served(url, headers, processes)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        exit_statuses = [process.wait(timeout=60) for process in processes]
    assert exit_statuses == [0] * len(processes), "\n".join(p.read_text() for p in logs)


def _json(answer: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert answer.status_code == status, f"{answer.request.method} {answer.request.url}: {answer.text}"
    body: dict[str, Any] = answer.json()
    return body


def _location(bag_id: str, street: str, **extra: Any) -> dict[str, Any]:
    return {"bagId": bag_id, "street": street, "houseNumber": 7, "postcode": "1671 AB", "city": "Medemblik"} | extra


def _worker(employer_id: str, location_id: str, person: tuple[str, str, str], start: date) -> dict[str, Any]:
    family, given, document = person
    return {
        "employerId": employer_id,
        "person": {
            "familyName": family,
            "givenNames": given,
            "birthDate": "1993-05-21",
            "nationality": "POL",
            "idDocument": {"type": "id_card", "number": document, "expiresOn": "2032-01-31"},
        },
        "employment": {
            "startDate": start.isoformat(),
            "expectedEndDate": (start + timedelta(days=180)).isoformat(),
            "workAddress": {"street": "Handelsweg", "houseNumber": 3, "postcode": "1687 AA", "city": "Wognum"},
        },
        "housing": {"housingLocationId": location_id, "validFrom": start.isoformat()},
    }


def test_a_day_at_the_registration_desk(served: Served) -> None:
    today = date.today()
    start = today - timedelta(days=60)
    registrar, employer = served.client("registrar"), served.client("employer")
    inspector, other_employer = served.client("inspector"), served.client("other employer")

    # Morning: the municipality registers a new employer and a dwelling it has been told about.
    employer_id = _json(registrar.post("/api/v1/employers", json={"kvkNumber": KVK, "name": "Flexwerk West B.V."}))[
        "id"
    ]
    _json(registrar.post("/api/v1/employers", json={"kvkNumber": OTHER_KVK, "name": "Oogstploeg B.V."}))
    dwelling = _json(
        registrar.post(
            "/api/v1/housing-locations",
            json=_location("0420010000000101", "Dorpsstraat", kind="dwelling", maxOccupants=2, floorAreaM2=60),
        )
    )["id"]

    # The employer registers its own short-stay facility and three workers.
    facility = _json(
        employer.post(
            "/api/v1/housing-locations",
            json=_location(
                "0420010000000102", "Kerkstraat", kind="short_stay_facility", maxOccupants=10, ownerKvkNumber=KVK
            ),
        )
    )["id"]
    people = [("Kowalska", "Anna", "ABC123456"), ("Nowak", "Piotr", "DEF654321"), ("Wiśniewski", "Tomasz", "GHJ112233")]
    homes = [dwelling, dwelling, facility]
    workers = [
        _json(employer.post("/api/v1/workers", json=_worker(employer_id, home, person, start)))["id"]
        for person, home in zip(people, homes, strict=True)
    ]
    anna, piotr, tomasz = workers

    # Anna moves to the facility; Piotr's contract ends.
    moved = _json(
        employer.post(
            f"/api/v1/workers/{anna}/address-changes",
            json={
                "type": "housing",
                "housingLocationId": facility,
                "validFrom": (today - timedelta(days=10)).isoformat(),
            },
        )
    )
    ended = _json(
        employer.post(
            f"/api/v1/workers/{piotr}/contract-ends",
            json={"endDate": (today - timedelta(days=5)).isoformat(), "reason": "einde seizoen"},
        )
    )
    assert ended["position"] > moved["position"]

    # An inspector finds more people in the dwelling than registered, and warns the employer.
    inspection = _json(
        inspector.post(
            "/api/v1/inspections",
            json={
                "housingLocationId": dwelling,
                "inspectedOn": (today - timedelta(days=1)).isoformat(),
                "occupantsFound": 3,
                "findings": ["unregistered_occupants", "overcrowding"],
                "outcome": "violations",
                "notes": "Drie bedden in de woonkamer.",
            },
        )
    )
    sanctioned = _json(
        inspector.post(
            f"/api/v1/inspections/{inspection['id']}/sanctions",
            json={"kind": "warning", "against": "employer", "employerId": employer_id},
        )
    )
    last = sanctioned["position"]

    # Afternoon: the registrar reads occupancy and headcounts as of the day's last write.
    fresh = {"minPosition": last}
    at_dwelling = _json(registrar.get(f"/api/v1/housing-locations/{dwelling}/occupancy", params=fresh), 200)
    at_facility = _json(registrar.get(f"/api/v1/housing-locations/{facility}/occupancy", params=fresh), 200)
    per_location = _json(registrar.get("/api/v1/headcounts", params=fresh | {"groupBy": "housingLocation"}), 200)
    per_employer = _json(registrar.get("/api/v1/headcounts", params=fresh | {"groupBy": "employer"}), 200)

    assert (at_dwelling["headcount"], at_dwelling["maxOccupants"], at_dwelling["overCapacity"]) == (1, 2, False)
    assert [o["workerId"] for o in at_dwelling["occupants"]] == [piotr]
    assert [o["familyName"] for o in at_dwelling["occupants"]] == ["Nowak"]
    assert at_facility["headcount"] == 2
    # The employer's maximum is only proposed, and without a floor area nothing sets a limit yet.
    assert (at_facility["maxOccupants"], at_facility["proposedMaxOccupants"]) == (None, 10)
    assert sorted(o["workerId"] for o in at_facility["occupants"]) == sorted([anna, tomasz])
    assert per_location["total"] == 3
    assert {g["key"]: g["headcount"] for g in per_location["groups"]} == {dwelling: 1, facility: 2}
    assert {g["key"]: g["headcount"] for g in per_employer["groups"]} == {employer_id: 3}

    # Employers see their own workers only: another employer is told the worker does not exist.
    assert employer.get(f"/api/v1/workers/{anna}", params=fresh).status_code == 200
    assert other_employer.get(f"/api/v1/workers/{anna}", params=fresh).status_code == 404
    assert other_employer.post("/api/v1/employers", json={"kvkNumber": "11112222", "name": "X"}).status_code == 403
    assert httpx.get(f"{served.url}/api/v1/workers/{anna}").status_code == 401

    # The platform's view of the same process.
    assert httpx.get(f"{served.url}/healthz").status_code == 200
    assert "ledger_projection_lag_events" in httpx.get(f"{served.url}/metrics").text


def test_a_hundred_immediate_retries_over_http_register_one_worker(served: Served) -> None:
    start = date.today() - timedelta(days=7)
    with served.client("registrar") as registrar:
        employer_id = _json(registrar.post("/api/v1/employers", json={"kvkNumber": KVK, "name": "Flexwerk West B.V."}))[
            "id"
        ]
        location = _location("0420010000000201", "Molenweg", kind="dwelling", maxOccupants=4, floorAreaM2=60)
        location_id = _json(registrar.post("/api/v1/housing-locations", json=location))["id"]
        body = _worker(employer_id, location_id, ("Kowalska", "Anna", "RETRY00001"), start)
        keyed = {"Idempotency-Key": "e2e-immediate-retries"}

        # Each retry is sent the moment the previous answer has arrived, as a client that lost nothing would.
        answers = [registrar.post("/api/v1/workers", json=body, headers=keyed) for _ in range(100)]

    assert [a.status_code for a in answers] == [201] * 100
    assert len({a.json()["id"] for a in answers}) == 1, "a retry registered the worker again"
