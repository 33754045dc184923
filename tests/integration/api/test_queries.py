"""The query endpoints: occupancy, residents, headcounts, workers, residence history, alerts, access log.

Data is written through the ledger directly and read back with `minPosition`
(read-your-writes through the projections running in the app's thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from api.routers import worker_queries
from ledger.application.core import Receipt
from ledger.application.service import Ledger
from ledger.audit.processing_log import Activity
from tests.conftest import Api
from tests.factories import (
    a_bag_id,
    a_kvk_number,
    a_person,
    an_address,
    an_employment,
    an_identity_document,
    workers_of_one_name,
)

V1 = "/api/v1"
APRIL = date(2026, 4, 1)


@dataclass(frozen=True)
class Town:
    """Two employers (one with its KvK number at hand) and two housing locations."""

    kvk: str
    employer_id: UUID
    other_employer_id: UUID
    location_id: UUID
    other_location_id: UUID


@pytest.fixture
def town(api: Api) -> Town:
    ledger = api.services.ledger
    kvk = a_kvk_number()
    employer = ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.")
    other = ledger.register_employer(kvk_number=a_kvk_number(), name="Kas en Teelt B.V.")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(), kind="dwelling", max_occupants=2, floor_area_m2=80
    )
    other_location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Kerkstraat", postcode="1681 BC"), kind="other", max_occupants=20
    )
    return Town(kvk, employer.id, other.id, location.id, other_location.id)


def hire(
    ledger: Ledger, employer_id: UUID, location_id: UUID | None, *, housed_from: date = APRIL, **person: Any
) -> Receipt:
    return ledger.register_worker(
        employer_id=employer_id,
        person=a_person(**person),
        employment=an_employment(),
        housing_location_id=location_id,
        housing_valid_from=housed_from if location_id else None,
    )


def recorded_at(ledger: Ledger, receipt: Receipt) -> datetime:
    """The instant the ledger recorded the write of `receipt`."""
    event = next(iter(ledger.events.get(receipt.id, gt=receipt.version - 1, lte=receipt.version)))
    return event.timestamp  # type: ignore[attr-defined, no-any-return]


def get(api: Api, path: str, role: str = "registrar", *, kvk: str | None = None, **params: Any) -> httpx.Response:
    """GET a query, after every write so far (`minPosition`)."""
    position = api.services.ledger.recorder.max_notification_id()
    if position is not None:
        params.setdefault("minPosition", position)
    return api.client.get(f"{V1}{path}", params=params, headers=api.auth(role, kvk=kvk))


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def invalid_names(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return [p["name"] for p in answer.json()["invalidParams"]]


def subjects_logged(api: Api, activity: Activity, actor: str) -> list[UUID]:
    return [
        line.subject_id
        for line in api.services.processing_log.lines(actor=actor)
        if line.processing_activity == activity.value and line.operation == "read"
    ]


# -- occupancy and residents ---------------------------------------------------------------


def test_occupancy_names_the_occupants_and_says_since_when_it_is_over_full(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    anna = hire(ledger, town.employer_id, town.location_id, family_name="Kowalska").id
    piotr = hire(ledger, town.employer_id, town.location_id, family_name="Nowak", given_names="Piotr").id
    hire(ledger, town.other_employer_id, town.location_id, housed_from=date(2026, 5, 1), family_name="Popescu")

    answer = ok(get(api, f"/housing-locations/{town.location_id}/occupancy"))

    assert set(answer) == {
        "housingLocationId",
        "housingLocationLabel",
        "on",
        "asKnownAt",
        "headcount",
        "maxOccupants",
        "limitBasis",
        "proposedMaxOccupants",
        "overCapacity",
        "overCapacitySince",
        "occupants",
    }
    assert (answer["housingLocationId"], answer["on"]) == (str(town.location_id), "2026-06-15")
    assert answer["asKnownAt"].endswith("Z")
    assert (answer["headcount"], answer["maxOccupants"], answer["overCapacity"]) == (3, 2, True)
    assert (answer["limitBasis"], answer["proposedMaxOccupants"]) == ("municipality", None)
    assert answer["overCapacitySince"] == "2026-05-01"
    by_id = {o["workerId"]: o for o in answer["occupants"]}
    assert by_id[str(anna)] == {
        "workerId": str(anna),
        "familyName": "Kowalska",
        "givenNames": "Anna Maria",
        "since": "2026-04-01",
        "shredded": False,
    }
    assert by_id[str(piotr)]["givenNames"] == "Piotr"
    in_april = ok(get(api, f"/housing-locations/{town.location_id}/occupancy", on="2026-04-15"))
    assert (in_april["headcount"], in_april["overCapacity"], in_april["overCapacitySince"]) == (2, False, None)


def test_a_back_dated_move_is_seen_only_as_known_after_it_was_recorded(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    registered = hire(ledger, town.employer_id, town.location_id)
    worker = registered.id
    before = recorded_at(ledger, registered)
    moved = ledger.change_housing(worker, housing_location_id=town.other_location_id, valid_from=date(2026, 5, 1))
    after = recorded_at(ledger, moved)
    # Any offset is accepted on input; the answer is in UTC.
    before_in_summer_time = before.astimezone(timezone(timedelta(hours=2))).isoformat()

    def occupants(location: UUID, known: str) -> list[str]:
        answer = ok(get(api, f"/housing-locations/{location}/occupancy", on="2026-05-15", asKnownAt=known))
        return [o["workerId"] for o in answer["occupants"]]

    assert occupants(town.location_id, before_in_summer_time) == [str(worker)]
    assert occupants(town.other_location_id, before_in_summer_time) == []
    assert occupants(town.location_id, after.isoformat()) == []
    assert occupants(town.other_location_id, after.isoformat()) == [str(worker)]
    answer = ok(get(api, f"/housing-locations/{town.location_id}/occupancy", asKnownAt=before_in_summer_time))
    assert answer["asKnownAt"] == before.astimezone(UTC).isoformat().replace("+00:00", "Z")

    then = ok(get(api, f"/workers/{worker}/residence-history", asKnownAt=before.isoformat()))
    now = ok(get(api, f"/workers/{worker}/residence-history"))
    assert then["workerId"] == str(worker)
    assert [(i["housingLocationId"], i["validFrom"], i["validTo"]) for i in then["intervals"]] == [
        (str(town.location_id), "2026-04-01", None)
    ]
    assert [(i["housingLocationId"], i["validFrom"], i["validTo"]) for i in now["intervals"]] == [
        (str(town.location_id), "2026-04-01", "2026-05-01"),
        (str(town.other_location_id), "2026-05-01", None),
    ]
    assert now["intervals"][1]["recordedAt"].endswith("Z")
    assert datetime.fromisoformat(now["intervals"][1]["recordedAt"]) == after


def test_residents_are_everyone_who_lived_there_in_the_period(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    left = hire(ledger, town.employer_id, town.location_id, family_name="Kowalska").id
    ledger.change_housing(left, housing_location_id=town.other_location_id, valid_from=date(2026, 5, 1))
    came = hire(ledger, town.employer_id, town.location_id, housed_from=date(2026, 6, 1), family_name="Nowak").id

    def residents(first: str, last: str) -> list[dict[str, Any]]:
        answer = ok(get(api, f"/housing-locations/{town.location_id}/residents", **{"from": first, "to": last}))
        assert answer["housingLocationId"] == str(town.location_id)
        return list(answer["residents"])

    everyone = residents("2026-04-01", "2026-06-30")
    assert everyone == [
        {
            "workerId": str(left),
            "familyName": "Kowalska",
            "givenNames": "Anna Maria",
            "validFrom": "2026-04-01",
            "validTo": "2026-05-01",
            "shredded": False,
        },
        {
            "workerId": str(came),
            "familyName": "Nowak",
            "givenNames": "Anna Maria",
            "validFrom": "2026-06-01",
            "validTo": None,
            "shredded": False,
        },
    ]
    assert [r["workerId"] for r in residents("2026-05-01", "2026-05-31")] == []
    assert [r["workerId"] for r in residents("2026-04-30", "2026-04-30")] == [str(left)]


def test_residents_need_an_ordered_period(api: Api, town: Town) -> None:
    path = f"/housing-locations/{town.location_id}/residents"
    assert invalid_names(get(api, path, to="2026-06-01")) == ["from"]
    assert invalid_names(get(api, path, **{"from": "2026-06-02", "to": "2026-06-01"})) == ["to"]


def test_unknown_location_is_404_also_before_it_was_registered(api: Api, town: Town) -> None:
    before = datetime(2020, 1, 1, tzinfo=UTC).isoformat()
    for path in (f"/housing-locations/{uuid4()}/occupancy", f"/housing-locations/{town.location_id}/occupancy"):
        params = {"asKnownAt": before} if str(town.location_id) in path else {}
        answer = get(api, path, **params)
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    period = {"from": "2026-04-01", "to": "2026-04-30"}
    assert get(api, f"/housing-locations/{uuid4()}/residents", **period).status_code == 404
    assert get(api, f"/housing-locations/{town.location_id}/residents", asKnownAt=before, **period).status_code == 404


# -- headcounts ------------------------------------------------------------------------------


def test_headcounts_group_the_housed_workers(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    hire(ledger, town.employer_id, town.location_id)
    hire(ledger, town.employer_id, town.other_location_id, nationality="ROU")
    hire(ledger, town.other_employer_id, town.other_location_id)
    hire(ledger, town.other_employer_id, None)  # not housed: not counted

    def groups(group_by: str, **params: Any) -> dict[str, int]:
        answer = ok(get(api, "/headcounts", groupBy=group_by, **params))
        assert set(answer) == {"on", "asKnownAt", "groupBy", "total", "groups"}
        assert answer["groupBy"] == group_by
        assert answer["total"] == sum(g["headcount"] for g in answer["groups"])
        return {g["key"]: g["headcount"] for g in answer["groups"]}

    assert groups("housingLocation") == {str(town.location_id): 1, str(town.other_location_id): 2}
    assert groups("employer") == {str(town.employer_id): 2, str(town.other_employer_id): 1}
    assert groups("nationality") == {"POL": 2, "ROU": 1}
    assert groups("postcodeArea") == {"1671": 1, "1681": 2}
    assert groups("employer", on="2026-03-31") == {}


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"groupBy": "foo"}, "groupBy"),
        ({}, "groupBy"),
        ({"groupBy": "employer", "on": "2026-13-01"}, "on"),
        ({"groupBy": "employer", "asKnownAt": "yesterday"}, "asKnownAt"),
        ({"groupBy": "employer", "asKnownAt": "2026-06-01T10:00:00"}, "asKnownAt"),
        ({"groupBy": "employer", "asKnownAt": "1767225600"}, "asKnownAt"),
        ({"groupBy": "employer", "asKnownAt": "9999-12-31T23:00:00-05:00"}, "asKnownAt"),
        ({"groupBy": "employer", "on": "1767225600"}, "on"),
        ({"groupBy": "employer", "minPosition": "-1"}, "minPosition"),
    ],
)
def test_bad_query_parameters_are_400_naming_the_parameter(shared_api: Api, params: dict[str, str], name: str) -> None:
    answer = shared_api.client.get(f"{V1}/headcounts", params=params, headers=shared_api.auth("registrar"))
    assert invalid_names(answer) == [name]


def test_an_unencoded_plus_in_an_offset_is_read_as_the_offset(api: Api, town: Town) -> None:
    answer = api.client.get(
        f"{V1}/headcounts?groupBy=employer&asKnownAt=2026-06-15T12:00:00+02:00", headers=api.auth("registrar")
    )
    assert ok(answer)["asKnownAt"] == "2026-06-15T10:00:00Z"


# -- workers ---------------------------------------------------------------------------------


def test_worker_reads_back_whole_with_its_version_as_etag(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    document = an_identity_document(number="EA1234567")
    worker = hire(ledger, town.employer_id, town.location_id, id_document=document).id
    ledger.record_population_registration(worker, register="RNI", registered_on=date(2026, 4, 3))
    ledger.place_legal_hold(worker, case_reference="HH-2026-7", reason="overcrowding case")

    answer = get(api, f"/workers/{worker}")

    body = ok(answer)
    assert answer.headers["etag"] == '"3"'
    assert body["version"] == 3
    assert {k: body[k] for k in ("id", "employerId", "status", "shredded", "housingLocationId")} == {
        "id": str(worker),
        "employerId": str(town.employer_id),
        "status": "active",
        "shredded": False,
        "housingLocationId": str(town.location_id),
    }
    assert body["person"] == {
        "familyName": "Kowalska",
        "givenNames": "Anna Maria",
        "birthDate": "1994-03-14",
        "nationality": "POL",
        "idDocument": {"type": "passport", "number": "EA1234567", "expiresOn": "2030-05-01"},
        "bsn": None,
    }
    assert body["workAddress"] == {
        "street": "Handelsweg",
        "houseNumber": 3,
        "houseLetter": None,
        "houseNumberAddition": None,
        "postcode": "1687AA",
        "city": "Wognum",
    }
    # No end reported: stale past its expected end (2026-10-31), due a year after its clock starts 3 months on.
    assert (body["contractStart"], body["contractEnd"], body["retentionDueOn"]) == ("2026-04-01", None, "2028-02-01")
    assert body["populationRegister"] == {
        "status": "registered",
        "register": "RNI",
        "registeredOn": "2026-04-03",
        "municipalityCode": None,
        "addressSince": None,
        "deregisteredOn": None,
        "deregistrationReason": None,
        "declaration": None,
    }
    assert body["temporaryProtectionFrom"] is None
    (hold,) = body["legalHolds"]
    assert set(hold) == {"caseReference", "placedAt"}  # the reason is about the person's case
    assert hold["caseReference"] == "HH-2026-7"
    assert hold["placedAt"].endswith("Z")


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_inspectors_and_admins_see_the_reason_of_a_legal_hold(api: Api, town: Town, role: str) -> None:
    worker = hire(api.services.ledger, town.employer_id, town.location_id).id
    api.services.ledger.place_legal_hold(worker, case_reference="HH-2026-7", reason="overcrowding case")
    (hold,) = ok(get(api, f"/workers/{worker}", role))["legalHolds"]
    assert hold["reason"] == "overcrowding case"


def test_workers_are_paged_with_an_opaque_cursor(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    ids = sorted(
        (str(hire(ledger, town.employer_id, town.location_id).id) for _ in range(5)), key=lambda i: UUID(i).hex
    )

    pages: list[list[str]] = []
    cursor: str | None = None
    for _ in range(3):
        answer = ok(get(api, "/workers", limit=2, **({"cursor": cursor} if cursor else {})))
        pages.append([w["id"] for w in answer["items"]])
        cursor = answer["nextCursor"]
        assert cursor is None or str(UUID(pages[-1][-1])) not in cursor  # opaque, not the id itself

    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    assert cursor is None
    assert ok(get(api, "/workers", limit=5))["nextCursor"] is None


def test_a_limit_above_the_maximum_is_clamped(api: Api, town: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(3):
        hire(api.services.ledger, town.employer_id, town.location_id)
    monkeypatch.setattr(worker_queries, "MAX_LIMIT", 2)  # the clamp, without registering 501 workers

    answer = ok(get(api, "/workers", limit=1000))

    assert len(answer["items"]) == 2
    assert answer["nextCursor"] is not None


@pytest.mark.parametrize(
    ("params", "name"),
    [({"limit": "0"}, "limit"), ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"), ({"status": "asleep"}, "status")],
)
def test_bad_page_parameters_are_400(api: Api, params: dict[str, str], name: str) -> None:
    assert invalid_names(get(api, "/workers", **params)) == [name]


def test_workers_are_filtered_by_employer_status_and_housing(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    stays = hire(ledger, town.employer_id, town.location_id).id
    moved = hire(ledger, town.employer_id, town.location_id).id
    ledger.change_housing(moved, housing_location_id=town.other_location_id, valid_from=date(2026, 6, 1))
    ended = hire(ledger, town.other_employer_id, town.location_id).id
    ledger.end_contract(ended, end_date=date(2026, 6, 1))

    def ids(**params: Any) -> set[str]:
        return {w["id"] for w in ok(get(api, "/workers", **params))["items"]}

    assert ids(employerId=str(town.employer_id)) == {str(stays), str(moved)}
    assert ids(status="contract_ended") == {str(ended)}
    assert ids(housingLocationId=str(town.other_location_id)) == {str(moved)}
    assert ids(housingLocationId=str(town.location_id), status="active") == {str(stays)}


def test_search_matches_the_normalised_family_name_exactly(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    wanted = hire(ledger, town.employer_id, town.location_id, family_name="Wiśniewska").id
    younger = hire(ledger, town.employer_id, town.location_id, family_name="Wiśniewska", birth_date=date(2001, 2, 3)).id
    hire(ledger, town.employer_id, town.location_id, family_name="Wiśniewski")
    position = ledger.recorder.max_notification_id()

    def found(body: dict[str, Any]) -> set[str]:
        answer = api.client.post(
            f"{V1}/workers/_search", params={"minPosition": position}, json=body, headers=api.auth("registrar")
        )
        return {w["id"] for w in ok(answer)["items"]}

    assert found({"familyName": "  WISNIEWSKA "}) == {str(wanted), str(younger)}
    assert found({"familyName": "wiśniewska", "birthDate": "2001-02-03"}) == {str(younger)}
    assert found({"familyName": "Wisniewsk"}) == set()


def test_a_common_name_answers_the_first_hundred_in_id_order_and_logs_exactly_those(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    born = workers_of_one_name(ledger, town.employer_id, town.other_location_id, 104, "Nowak")
    by_id = sorted(born, key=lambda worker: worker.hex)
    erased = {by_id[0], by_id[50]}
    for worker_id in erased:
        ledger.shred_subject(worker_id, policy="erasure_request")
    position = ledger.recorder.max_notification_id()

    def search(body: dict[str, Any], actor: str) -> tuple[list[UUID], list[UUID]]:
        answer = api.client.post(
            f"{V1}/workers/_search", params={"minPosition": position}, json=body, headers=api.auth("admin", sub=actor)
        )
        items = ok(answer)["items"]
        assert {item["person"]["familyName"] for item in items} <= {"Nowak"}
        logged = [line.subject_id for line in api.services.processing_log.lines(actor=actor)]
        return [UUID(item["id"]) for item in items], sorted(logged, key=lambda worker: worker.hex)

    first_hundred = [worker_id for worker_id in by_id if worker_id not in erased][:100]
    assert search({"familyName": "NOWAK"}, "by-name") == (first_hundred, first_hundred)
    # Past the first hundred, the birth date finds a worker alone; an erased one stays unfound.
    last = by_id[-1]
    assert search({"familyName": "nowak", "birthDate": born[last].isoformat()}, "by-birth") == ([last], [last])
    assert search({"familyName": "nowak", "birthDate": born[by_id[50]].isoformat()}, "erased") == ([], [])


@pytest.mark.parametrize(("body", "name"), [({}, "familyName"), ({"familyName": "X", "bsn": "1"}, "bsn")])
def test_bad_search_is_400(api: Api, body: dict[str, Any], name: str) -> None:
    answer = api.client.post(f"{V1}/workers/_search", json=body, headers=api.auth("registrar"))
    assert invalid_names(answer) == [name]


def test_unknown_worker_is_404(api: Api, town: Town) -> None:
    assert get(api, f"/workers/{uuid4()}").status_code == 404
    assert get(api, f"/workers/{uuid4()}/residence-history").status_code == 404


# -- shredding -------------------------------------------------------------------------------


def test_a_shredded_worker_reads_as_nulls_and_still_counts(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    shredded = hire(ledger, town.employer_id, town.location_id, family_name="Zielińska").id
    hire(ledger, town.employer_id, town.location_id)
    counted = ok(get(api, "/headcounts", groupBy="housingLocation"))["groups"]

    ledger.shred_subject(shredded, policy="erasure_request")

    body = ok(get(api, f"/workers/{shredded}"))
    assert (body["shredded"], body["status"]) == (True, "shredded")
    assert body["person"] == {
        "familyName": None,
        "givenNames": None,
        "birthDate": None,
        "nationality": "POL",
        "idDocument": None,
        "bsn": None,
    }
    occupancy = ok(get(api, f"/housing-locations/{town.location_id}/occupancy"))
    assert occupancy["headcount"] == 2
    (gone,) = [o for o in occupancy["occupants"] if o["workerId"] == str(shredded)]
    assert (gone["familyName"], gone["givenNames"], gone["shredded"]) == (None, None, True)
    residents = ok(
        get(api, f"/housing-locations/{town.location_id}/residents", **{"from": "2026-04-01", "to": "2026-06-15"})
    )
    assert {(r["workerId"], r["familyName"]) for r in residents["residents"] if r["shredded"]} == {
        (str(shredded), None)
    }
    assert ok(get(api, "/headcounts", groupBy="housingLocation"))["groups"] == counted
    search = api.client.post(f"{V1}/workers/_search", json={"familyName": "Zielińska"}, headers=api.auth("registrar"))
    assert ok(search)["items"] == []


# -- employer scope --------------------------------------------------------------------------


def test_an_employer_sees_only_its_own_workers(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    own = hire(ledger, town.employer_id, town.location_id, family_name="Kowalska").id
    theirs = hire(ledger, town.other_employer_id, town.location_id, family_name="Kowalska").id
    hire(ledger, town.other_employer_id, town.other_location_id)
    as_employer = {"role": "employer", "kvk": town.kvk}

    assert get(api, f"/workers/{theirs}", **as_employer).status_code == 404
    assert get(api, f"/workers/{theirs}/residence-history", **as_employer).status_code == 404
    assert ok(get(api, f"/workers/{own}", **as_employer))["id"] == str(own)
    assert ok(get(api, f"/workers/{own}/residence-history", **as_employer))["intervals"]
    assert [w["id"] for w in ok(get(api, "/workers", **as_employer))["items"]] == [str(own)]
    assert get(api, "/workers", employerId=str(town.other_employer_id), **as_employer).status_code == 404
    search = api.client.post(
        f"{V1}/workers/_search", json={"familyName": "Kowalska"}, headers=api.auth("employer", kvk=town.kvk)
    )
    assert [w["id"] for w in ok(search)["items"]] == [str(own)]

    occupancy = ok(get(api, f"/housing-locations/{town.location_id}/occupancy", **as_employer))
    assert occupancy["headcount"] == 2  # the house is as full as it is, whoever's workers fill it
    assert [o["workerId"] for o in occupancy["occupants"]] == [str(own)]
    residents = ok(
        get(
            api,
            f"/housing-locations/{town.location_id}/residents",
            **{"from": "2026-04-01", "to": "2026-06-15"},
            **as_employer,
        )
    )
    assert [r["workerId"] for r in residents["residents"]] == [str(own)]
    counts = ok(get(api, "/headcounts", groupBy="housingLocation", **as_employer))
    assert counts["total"] == 1
    assert [(g["key"], g["headcount"]) for g in counts["groups"]] == [(str(town.location_id), 1)]
    alerted = {a["subjectId"] for a in ok(get(api, "/alerts", **as_employer))["items"]}
    assert alerted == {str(own)}
    assert get(api, "/alerts", employerId=str(town.other_employer_id), **as_employer).status_code == 404


# -- alerts ----------------------------------------------------------------------------------


def test_alerts_show_over_full_locations_and_workers_without_brp(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    workers = {str(hire(ledger, town.employer_id, town.location_id).id) for _ in range(3)}

    items = ok(get(api, "/alerts"))["items"]

    over = [a for a in items if a["kind"] == "over_capacity"]
    assert [(a["subjectId"], a["since"], a["detail"]) for a in over] == [
        (str(town.location_id), "2026-04-01", "3 occupants, 2 permitted")
    ]
    assert set(over[0]) >= {"kind", "subjectId", "since", "detail"}
    # The employment runs past four months and nobody registered in the BRP within five days.
    assert {a["subjectId"] for a in items if a["kind"] == "no_brp_after_arrival"} == workers
    only = ok(get(api, "/alerts", kind="over_capacity", housingLocationId=str(town.location_id)))["items"]
    assert [a["kind"] for a in only] == ["over_capacity"]
    assert ok(get(api, "/alerts", housingLocationId=str(town.other_location_id)))["items"] == []
    assert invalid_names(get(api, "/alerts", kind="bad")) == ["kind"]


# -- auth and the processing log ---------------------------------------------------------------


# Fixed ids: test ids must be the same in every process that collects them (pytest-xdist).
_NOBODY = "9d1b4f0e-3c52-4a8e-9f1d-6b7a2c3e4f50"


@pytest.mark.parametrize(
    "path",
    [
        f"/housing-locations/{_NOBODY}/occupancy",
        f"/housing-locations/{_NOBODY}/residents?from=2026-01-01&to=2026-01-02",
        "/headcounts?groupBy=employer",
        "/workers",
        f"/workers/{_NOBODY}",
        f"/workers/{_NOBODY}/residence-history",
        "/alerts",
        "/audit/access-log",
    ],
)
def test_queries_without_a_token_are_401(shared_api: Api, path: str) -> None:
    answer = shared_api.client.get(f"{V1}{path}")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert shared_api.client.post(f"{V1}/workers/_search", json={"familyName": "X"}).status_code == 401


@pytest.mark.parametrize("role", ["employer", "registrar", "inspector"])
def test_only_auditors_and_admins_read_the_access_log(shared_api: Api, role: str) -> None:
    answer = shared_api.client.get(f"{V1}/audit/access-log", headers=shared_api.auth(role, kvk="12345678"))
    assert answer.status_code == 403


def test_reads_of_personal_data_are_logged_per_subject(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    first = hire(ledger, town.employer_id, town.location_id).id
    second = hire(ledger, town.employer_id, town.location_id).id

    ok(get(api, f"/housing-locations/{town.location_id}/occupancy"))
    ok(get(api, f"/workers/{first}", "inspector"))
    ok(get(api, "/headcounts", "auditor", groupBy="employer"))

    assert sorted(subjects_logged(api, Activity.HOUSING_SUPERVISION, "test-registrar"), key=str) == sorted(
        [first, second], key=str
    )
    assert subjects_logged(api, Activity.REGISTRATION, "test-inspector") == [first]
    assert api.services.processing_log.lines(actor="test-auditor") == []  # counts are not personal data


def test_reading_the_access_log_is_itself_logged(api: Api, town: Town) -> None:
    worker = hire(api.services.ledger, town.employer_id, town.location_id).id
    ok(get(api, f"/workers/{worker}"))

    answer = api.client.get(
        f"{V1}/audit/access-log", params={"subjectId": str(worker)}, headers=api.auth("auditor", sub="auditor-1")
    )

    (line,) = ok(answer)["items"]
    assert set(line) >= {"at", "actor", "role", "processingActivity", "subjectId", "operation", "traceId"}
    assert (line["actor"], line["role"], line["subjectId"], line["operation"]) == (
        "test-registrar",
        "registrar",
        str(worker),
        "read",
    )
    assert line["processingActivity"] == Activity.REGISTRATION.value
    assert line["at"].endswith("Z")
    assert subjects_logged(api, Activity.AUDIT, "auditor-1") == [worker]
    later = api.client.get(
        f"{V1}/audit/access-log", params={"actor": "auditor-1", "from": line["at"]}, headers=api.auth("admin")
    )
    assert [(i["actor"], i["processingActivity"]) for i in ok(later)["items"]] == [("auditor-1", Activity.AUDIT.value)]
