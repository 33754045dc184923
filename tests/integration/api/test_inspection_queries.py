"""GET /inspections and GET /inspections/{id}: what was found, against what the register had, and what followed.

Both backends. The list filters by location, period and outcome and pages
with an opaque cursor; the detail adds the notes (opened for inspectors and
admins only, a processing-log line each time) and the legal holds. The
registered headcount is read from the residence view as known at `asKnownAt`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from ledger.application.core import Receipt
from ledger.application.retention import INSPECTION
from ledger.audit.processing_log import Activity
from tests.conftest import Api
from tests.factories import World, a_kvk_number, a_world, register_worker

V1 = "/api/v1"
INSPECTIONS = f"{V1}/inspections"


@pytest.fixture
def world(api: Api) -> World:
    return a_world(api.services.ledger)


def record(api: Api, location: UUID, **overrides: Any) -> UUID:
    fields: dict[str, Any] = {
        "housing_location_id": location,
        "inspected_on": date(2026, 6, 10),
        "occupants_found": 9,
        "findings": ["overcrowding"],
        "outcome": "violations",
        "notes": None,
    }
    receipt: Receipt = api.services.ledger.record_inspection(**(fields | overrides))
    return receipt.id


def get(api: Api, path: str, role: str = "inspector", **params: Any) -> httpx.Response:
    """GET after every write so far (`minPosition`)."""
    params.setdefault("minPosition", api.services.ledger.recorder.max_notification_id() or 0)
    kvk = a_kvk_number() if role == "employer" else None
    return api.client.get(f"{V1}{path}", params=params, headers=api.auth(role, kvk=kvk))


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def test_the_list_filters_by_location_period_and_outcome(api: Api, world: World) -> None:
    early = record(api, world.location_id, inspected_on=date(2026, 5, 2))
    late = record(api, world.location_id, inspected_on=date(2026, 6, 12))
    compliant = record(api, world.location_id, inspected_on=date(2026, 6, 1), findings=[], outcome="compliant")
    elsewhere = record(api, world.other_location_id, inspected_on=date(2026, 6, 1))

    everything = ok(get(api, "/inspections"))
    here = ok(get(api, "/inspections", housingLocationId=str(world.location_id)))
    june = ok(get(api, "/inspections", **{"from": "2026-06-01", "to": "2026-06-11"}))
    violations = ok(get(api, "/inspections", outcome="violations", housingLocationId=str(world.location_id)))
    one_day = ok(get(api, "/inspections", **{"from": "2026-06-12", "to": "2026-06-12"}))

    # In the order of the day inspected (then the id).
    assert ids(everything)[0] == str(early)
    assert ids(everything)[-1] == str(late)
    assert sorted(ids(everything)) == sorted(map(str, (early, late, compliant, elsewhere)))
    assert ids(here) == [str(early), str(compliant), str(late)]
    assert sorted(ids(june)) == sorted([str(compliant), str(elsewhere)])
    assert ids(violations) == [str(early), str(late)]
    assert ids(one_day) == [str(late)]
    assert everything["nextCursor"] is None


def test_the_list_pages_with_an_opaque_cursor(api: Api, world: World) -> None:
    days = [date(2026, 6, 10), date(2026, 5, 1), date(2026, 6, 10), date(2026, 5, 20), date(2026, 6, 1)]
    recorded = [(day, record(api, world.location_id, inspected_on=day)) for day in days]
    expected = [str(i) for _, i in sorted(recorded, key=lambda pair: (pair[0], pair[1].hex))]

    pages: list[list[str]] = []
    cursor: str | None = None
    for _ in range(3):
        answer = ok(get(api, "/inspections", limit=2, **({"cursor": cursor} if cursor else {})))
        pages.append(ids(answer))
        cursor = answer["nextCursor"]
        assert cursor is None or pages[-1][-1] not in cursor

    assert pages == [expected[0:2], expected[2:4], expected[4:5]]
    assert cursor is None


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"cursor": "d29ya2Vycy52MTo"}, "cursor"),
        ({"from": "2026-06-10", "to": "2026-06-09"}, "to"),
        ({"outcome": "fine"}, "outcome"),
        ({"housingLocationId": "nowhere"}, "housingLocationId"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(api: Api, world: World, params: dict[str, str], name: str) -> None:
    answer = get(api, "/inspections", **params)

    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in answer.json()["invalidParams"]] == [name]


def test_the_detail_shows_findings_headcounts_outcome_and_sanctions(api: Api, world: World) -> None:
    ledger = api.services.ledger
    for _ in range(3):  # housed there from 1 April
        register_worker(ledger, world)
    inspection = record(api, world.location_id, findings=["overcrowding", "fire_safety"], occupants_found=9)
    ledger.impose_sanction(
        inspection, kind="warning", against="employer", employer_id=world.employer_id, amount_eur=None, deadline=None
    )
    ledger.impose_sanction(
        inspection,
        kind="order_subject_to_penalty",
        against="owner",
        owner_kvk_number="34781256",
        amount_eur=Decimal("2500.00"),
        deadline=date(2026, 7, 15),
    )

    answer = get(api, f"/inspections/{inspection}")
    shown = ok(answer)

    assert answer.headers["ETag"] == '"3"'
    assert {k: v for k, v in shown.items() if k not in ("sanctions", "asKnownAt")} == {
        "id": str(inspection),
        "housingLocationId": str(world.location_id),
        "housingLocationLabel": shown["housingLocationLabel"],
        "inspectedOn": "2026-06-10",
        "occupantsFound": 9,
        "registeredHeadcount": 3,
        "findings": ["overcrowding", "fire_safety"],
        "outcome": "violations",
        "notesStatus": "none",
        "notes": None,
        "legalHolds": [],
        "version": 3,
    }
    assert shown["sanctions"] == [
        {
            "kind": "warning",
            "against": "employer",
            "employerId": str(world.employer_id),
            "employerName": "Flexwerk Westfriesland B.V.",
            "ownerKvkNumber": None,
            "amountEur": None,
            "deadline": None,
            "imposedOn": "2026-06-15",
        },
        {
            "kind": "order_subject_to_penalty",
            "against": "owner",
            "employerId": None,
            "employerName": None,
            "ownerKvkNumber": "34781256",
            "amountEur": "2500.00",
            "deadline": "2026-07-15",
            "imposedOn": "2026-06-15",
        },
    ]
    # The list shows the same facts, without notes or holds.
    (item,) = ok(get(api, "/inspections"))["items"]
    assert (item["registeredHeadcount"], item["occupantsFound"], item["sanctions"]) == (3, 9, shown["sanctions"])


def test_the_registered_headcount_is_as_known_at_the_instant_asked(api: Api, world: World) -> None:
    ledger = api.services.ledger
    register_worker(ledger, world)
    inspection = record(api, world.location_id, inspected_on=date(2026, 6, 10))
    before = datetime.now(UTC)
    late = register_worker(ledger, world)  # recorded after `before`, housed there since 1 April
    ledger.change_housing(late, housing_location_id=world.other_location_id, valid_from=date(2026, 6, 11))

    def headcount(**params: Any) -> int:
        detail = ok(get(api, f"/inspections/{inspection}", **params))
        (item,) = ok(get(api, "/inspections", housingLocationId=str(world.location_id), **params))["items"]
        assert item["registeredHeadcount"] == detail["registeredHeadcount"]
        return int(detail["registeredHeadcount"])

    assert headcount() == 2  # the late worker lived there on the day of the inspection, as known now
    assert headcount(asKnownAt=before.isoformat()) == 1


def test_an_inspection_recorded_after_the_instant_asked_is_not_known_then(api: Api, world: World) -> None:
    before = datetime.now(UTC)
    inspection = record(api, world.location_id)

    assert ids(ok(get(api, "/inspections", asKnownAt=before.isoformat()))) == []
    assert get(api, f"/inspections/{inspection}", asKnownAt=before.isoformat()).status_code == 404
    assert ids(ok(get(api, "/inspections"))) == [str(inspection)]


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_notes_and_hold_reasons_are_opened_for_inspectors_and_admins_and_logged(
    api: Api, world: World, role: str
) -> None:
    ledger = api.services.ledger
    inspection = record(api, world.location_id, notes="matras in de keuken")
    ledger.place_inspection_legal_hold(
        inspection, case_reference="HH-2026-0042", reason="beroep aangetekend", review_on=date(2026, 12, 1)
    )
    before = len(api.services.processing_log.lines(subject_id=inspection))

    shown = ok(get(api, f"/inspections/{inspection}", role))
    listed = ok(get(api, "/inspections", role))

    assert (shown["notesStatus"], shown["notes"]) == ("recorded", "matras in de keuken")
    (hold,) = shown["legalHolds"]
    assert {k: v for k, v in hold.items() if k != "placedAt"} == {
        "caseReference": "HH-2026-0042",
        "reviewOn": "2026-12-01",
        "reason": "beroep aangetekend",
    }
    # A list shows no notes, so it opens none and writes no line.
    (item,) = listed["items"]
    assert item["notesStatus"] == "recorded"
    assert "notes" not in item
    lines = api.services.processing_log.lines(subject_id=inspection)[before:]
    assert [(line.processing_activity, line.operation, line.role) for line in lines] == [
        (Activity.ENFORCEMENT.value, "read", role)
    ]


@pytest.mark.parametrize("role", ["registrar", "auditor"])
def test_registrars_and_auditors_read_inspections_without_notes_or_reasons(api: Api, world: World, role: str) -> None:
    ledger = api.services.ledger
    inspection = record(api, world.location_id, notes="matras in de keuken")
    ledger.place_inspection_legal_hold(
        inspection, case_reference="HH-2026-0042", reason="beroep aangetekend", review_on=date(2026, 12, 1)
    )
    before = len(api.services.processing_log.lines(subject_id=inspection))

    answer = get(api, f"/inspections/{inspection}", role)
    shown = ok(answer)

    assert (shown["notesStatus"], shown["notes"]) == ("recorded", None)
    assert "matras" not in answer.text
    (hold,) = shown["legalHolds"]
    assert "reason" not in hold
    assert hold["caseReference"] == "HH-2026-0042"
    assert len(api.services.processing_log.lines(subject_id=inspection)) == before


def test_employers_may_not_read_inspections(api: Api, world: World) -> None:
    inspection = record(api, world.location_id)

    assert get(api, "/inspections", "employer").status_code == 403
    assert get(api, f"/inspections/{inspection}", "employer").status_code == 403


def test_an_unknown_inspection_is_404(api: Api, world: World) -> None:
    assert get(api, f"/inspections/{uuid4()}").status_code == 404


def test_shredded_notes_read_as_shredded_and_the_facts_stay(api: Api, world: World) -> None:
    ledger = api.services.ledger
    inspection = record(api, world.location_id, notes="matras in de keuken")
    ledger.shred_subject(inspection, policy=INSPECTION)
    before = len(api.services.processing_log.lines(subject_id=inspection))

    shown = ok(get(api, f"/inspections/{inspection}", "admin"))

    assert (shown["notesStatus"], shown["notes"]) == ("shredded", None)
    assert (shown["findings"], shown["outcome"], shown["occupantsFound"]) == (["overcrowding"], "violations", 9)
    (item,) = ok(get(api, "/inspections", "admin"))["items"]
    assert item["notesStatus"] == "shredded"
    # Nothing was opened: no line.
    assert len(api.services.processing_log.lines(subject_id=inspection)) == before


def test_the_location_and_the_employer_carry_their_labels(api: Api, world: World) -> None:
    ledger = api.services.ledger
    inspection = record(api, world.location_id)
    ledger.impose_sanction(
        inspection, kind="warning", against="employer", employer_id=world.employer_id, amount_eur=None, deadline=None
    )
    shown = ok(get(api, f"/inspections/{inspection}"))
    (item,) = ok(get(api, "/inspections"))["items"]

    for answer in (shown, item):
        label = answer["housingLocationLabel"]
        assert label is not None and label.endswith("Medemblik") and label[0].isupper(), label
        (sanction,) = answer["sanctions"]
        assert sanction["employerName"] == "Flexwerk Westfriesland B.V."
