"""Poison input over HTTP: text the ledger refuses is 400 naming the member, and leaves nothing behind.

A lone surrogate (`"\\ud800"` in the JSON) in any string member of any write
is 400 problem+json, never 500, and stores neither an event nor a data key. A
NUL, a bidi override or a name in another script is 400 naming the member in
camelCase with the rule's code; a request refused leaves the views running.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import func, select

from ledger.crypto.key_tables import subject_keys
from tests.conftest import Api
from tests.factories import a_bag_id, a_kvk_number, an_address

SURROGATE = "\ud800"
API = "/api/v1"


@dataclass(frozen=True)
class Targets:
    """What the writes below address: an employer (and its KvK number), a location, a worker, an inspection."""

    kvk: str
    employer_id: UUID
    location_id: UUID
    worker_id: UUID
    inspection_id: UUID


@pytest.fixture
def targets(api: Api) -> Targets:
    return some_targets(api)


@pytest.fixture(scope="module")
def shared_targets(shared_api: Api) -> Targets:
    """The targets in the module's shared app, for the tests of refusals (see `shared_api`)."""
    return some_targets(shared_api)


def some_targets(api: Api) -> Targets:
    ledger = api.services.ledger
    kvk = a_kvk_number()
    employer = ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(house_number=40), kind="dwelling", max_occupants=4
    )
    body = worker_body(employer.id, location.id)
    answer = api.client.post(f"{API}/workers", json=body, headers=api.auth("registrar"))
    assert answer.status_code == 201, answer.text
    inspection = ledger.record_inspection(
        housing_location_id=location.id,
        inspected_on=ledger.today(),
        occupants_found=5,
        findings=["overcrowding"],
        outcome="violations",
    )
    return Targets(kvk, employer.id, location.id, UUID(answer.json()["id"]), inspection.id)


def worker_body(employer_id: UUID, location_id: UUID, number: str = "EB7000001") -> dict[str, Any]:
    return {
        "employerId": str(employer_id),
        "person": {
            "familyName": "Kowalska",
            "givenNames": "Anna Maria",
            "birthDate": "1994-03-14",
            "nationality": "POL",
            "idDocument": {"type": "passport", "number": number, "expiresOn": "2030-05-01"},
            "bsn": "111222333",
        },
        "employment": {
            "startDate": "2026-04-01",
            "expectedEndDate": "2026-10-31",
            "workAddress": {
                "street": "Handelsweg",
                "houseNumber": 3,
                "houseLetter": "A",
                "houseNumberAddition": "2",
                "postcode": "1687 AA",
                "city": "Wognum",
            },
        },
        "housing": {"housingLocationId": str(location_id), "validFrom": "2026-04-01"},
    }


@dataclass(frozen=True)
class Write:
    """A write of the API: method, path, a valid body, and who may send it."""

    name: str
    path: str
    body: dict[str, Any]
    role: str


def writes(t: Targets) -> list[Write]:
    worker = f"{API}/workers/{t.worker_id}"
    location = {
        "bagId": a_bag_id(),
        "street": "Dorpsstraat",
        "houseNumber": 41,
        "houseLetter": "b",
        "houseNumberAddition": "1",
        "postcode": "1671 AB",
        "city": "Medemblik",
        "kind": "dwelling",
        "maxOccupants": 4,
        "floorAreaM2": 80,
        "ownerKvkNumber": "34781256",
    }
    work_address = {"street": "Veilingweg", "houseNumber": 1, "postcode": "1671 GZ", "city": "Medemblik"}
    return [
        Write("employer", f"{API}/employers", {"kvkNumber": a_kvk_number(), "name": "Kwekerij B.V."}, "registrar"),
        Write("housing location", f"{API}/housing-locations", location, "registrar"),
        Write(
            "occupancy limit",
            f"{API}/housing-locations/{t.location_id}/occupancy-limits",
            {"maxOccupants": 5, "validFrom": "2026-07-01", "reason": "permit 2026-17"},
            "registrar",
        ),
        Write(
            "inspection",
            f"{API}/inspections",
            {
                "housingLocationId": str(t.location_id),
                "inspectedOn": "2026-06-10",
                "occupantsFound": 9,
                "findings": ["overcrowding", "fire_safety"],
                "outcome": "violations",
                "notes": "eleven mattresses",
            },
            "inspector",
        ),
        Write(
            "sanction",
            f"{API}/inspections/{t.inspection_id}/sanctions",
            {"kind": "order_subject_to_penalty", "against": "owner", "amountEur": "500.00", "deadline": "2026-07-15"},
            "inspector",
        ),
        Write("worker", f"{API}/workers", worker_body(t.employer_id, t.location_id, "EB7000002"), "registrar"),
        Write(
            "housing change",
            f"{worker}/address-changes",
            {"type": "housing", "housingLocationId": str(t.location_id), "validFrom": "2026-06-01"},
            "registrar",
        ),
        Write(
            "work address change",
            f"{worker}/address-changes",
            {"type": "work", "workAddress": work_address, "validFrom": "2026-06-01"},
            "registrar",
        ),
        Write("contract end", f"{worker}/contract-ends", {"endDate": "2026-07-31", "reason": "season"}, "registrar"),
        Write("departure", f"{worker}/departures", {"departedOn": "2026-06-10"}, "registrar"),
        Write(
            "population registration",
            f"{worker}/population-registrations",
            {"register": "RNI", "registeredOn": "2026-04-03", "bsn": "111222333"},
            "registrar",
        ),
        Write("legal hold", f"{worker}/legal-holds", {"caseReference": "HH-2026-7", "reason": "case"}, "inspector"),
        Write(
            "worker search", f"{API}/workers/_search", {"familyName": "Kowalska", "birthDate": "1994-03-14"}, "admin"
        ),
        Write("erasure", f"{worker}/erasure", {"reason": "AVG article 17 request"}, "admin"),
    ]


def string_members(body: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """The path of every string in a JSON body (list items by index)."""
    if isinstance(body, str):
        yield path
    elif isinstance(body, dict):
        for key, value in body.items():
            yield from string_members(value, (*path, key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from string_members(value, (*path, index))


def with_member(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """A copy of `body` with the member at `path` set to `value`."""
    if not path:
        return value
    head, *rest = path
    if isinstance(body, dict):
        return {**body, head: with_member(body[head], tuple(rest), value)}
    return [with_member(item, tuple(rest), value) if i == head else item for i, item in enumerate(body)]


def post_raw(api: Api, path: str, body: Any, role: str, kvk: str | None = None) -> httpx.Response:
    """POST `body` as JSON with every non-ASCII character escaped: a lone surrogate goes as `\\ud800`."""
    headers = {**api.auth(role, kvk=kvk), "Content-Type": "application/json"}
    return api.client.post(path, content=json.dumps(body).encode("ascii"), headers=headers)


def stored(api: Api) -> tuple[int, int]:
    """The last event's position and the number of data keys."""
    ledger = api.services.ledger
    with ledger.database.key_engine.connect() as conn:
        keys = conn.execute(select(func.count()).select_from(subject_keys)).scalar_one()
    return ledger.recorder.max_notification_id() or 0, keys


def test_a_lone_surrogate_in_any_string_member_of_any_write_is_400_and_stores_nothing(
    api: Api, targets: Targets
) -> None:
    wrong: list[str] = []
    checked = 0
    for write in writes(targets):
        members = list(string_members(write.body))
        cases = [(m, v) for m in members for v in (SURROGATE, f"Kowal{SURROGATE}ska")]
        cases += [((), {**write.body, SURROGATE: "x"})]  # a member named by a lone surrogate
        for member, value in cases:
            before = stored(api)
            answer = post_raw(api, write.path, with_member(write.body, member, value), write.role)
            checked += 1
            where = f"{write.name} {'.'.join(map(str, member)) or '(member name)'} = {value!r}"
            if answer.status_code != 400 or answer.headers.get("content-type") != "application/problem+json":
                wrong.append(f"{where}: {answer.status_code} {answer.text[:120]}")
            elif stored(api) != before:
                wrong.append(f"{where}: stored {before} -> {stored(api)} (last event, data keys)")
    assert wrong == []
    assert checked > 100


def invalid_params(answer: httpx.Response) -> list[tuple[str, str]]:
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return [(p["name"], p["code"]) for p in answer.json()["invalidParams"]]


@pytest.mark.parametrize(
    ("write", "member", "value", "expected"),
    [
        ("worker", ("employment", "workAddress", "street"), "Handels\x00weg", "control_character"),
        ("worker", ("employment", "workAddress", "city"), "Wog\x1bnum", "control_character"),
        ("worker", ("person", "familyName"), "Kowal\u202eska", "format_character"),
        ("worker", ("person", "familyName"), "Kowal\u200bska", "format_character"),
        ("worker", ("person", "givenNames"), "Anna\nMaria", "control_character"),
        (
            "worker",
            ("person", "familyName"),
            "\u041a\u043e\u0432\u0430\u043b\u044c\u0441\u044c\u043a\u0430",
            "not_latin_script",
        ),
        ("worker", ("person", "givenNames"), "Anna2", "invalid_character"),
        ("housing location", ("street",), "Dorps\x00straat", "control_character"),
        ("housing location", ("city",), "Medem\u2066blik", "format_character"),
        ("employer", ("name",), "Kwekerij\x7f B.V.", "control_character"),
        ("employer", ("name",), "Kwekerij \u202eV.B", "format_character"),
        ("occupancy limit", ("reason",), "permit\x00", "control_character"),
        ("inspection", ("notes",), "eleven\x00mattresses", "control_character"),
        ("contract end", ("reason",), "season\x85over", "control_character"),
        ("legal hold", ("reason",), "case\x0c", "control_character"),
        ("work address change", ("workAddress", "street"), "Veiling\u200dweg", "format_character"),
    ],
)
def test_refused_text_is_400_naming_the_member_in_camel_case(
    shared_api: Api, shared_targets: Targets, write: str, member: tuple[str, ...], value: str, expected: str
) -> None:
    (target,) = [w for w in writes(shared_targets) if w.name == write]
    before = stored(shared_api)

    answer = post_raw(shared_api, target.path, with_member(target.body, member, value), target.role)

    assert invalid_params(answer) == [(".".join(member), expected)]
    assert stored(shared_api) == before


def test_a_nul_in_a_work_address_street_is_refused_and_the_register_keeps_up(api: Api, targets: Targets) -> None:
    body = worker_body(targets.employer_id, targets.location_id, "EB7000003")
    poisoned = with_member(body, ("employment", "workAddress", "street"), "Handels\x00weg")
    poisoned["person"] = {k: v for k, v in poisoned["person"].items() if k != "bsn"}  # employers send no BSN

    refused = post_raw(api, f"{API}/workers", poisoned, "employer", kvk=targets.kvk)
    accepted = post_raw(
        api, f"{API}/workers", worker_body(targets.employer_id, targets.location_id, "EB7000004"), "registrar"
    )

    assert invalid_params(refused) == [("employment.workAddress.street", "control_character")]
    assert accepted.status_code == 201, accepted.text
    created = accepted.json()
    read = api.client.get(
        f"{API}/workers/{created['id']}", params={"minPosition": created["position"]}, headers=api.auth("registrar")
    )
    assert read.status_code == 200, read.text
    assert api.client.get("/readyz").status_code == 200
