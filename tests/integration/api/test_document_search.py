"""Issue 18: "is this person already registered?" — a worker found by identity document, through its blind index.

The document claim is a keyed hash of type, number and nationality
(docs/claims.md); the search hashes what it is given the same way, so no
document number is stored or compared in plain text.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest

from ledger.audit.processing_log import Activity
from tests.conftest import Api
from tests.factories import a_bag_id, a_document_number, a_kvk_number, an_address, an_identity_document
from tests.integration.api.test_queries import V1, Town, hire, invalid_names, ok, subjects_logged


@pytest.fixture
def town(api: Api) -> Town:
    ledger = api.services.ledger
    kvk = a_kvk_number()
    employer = ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.").id
    other = ledger.register_employer(kvk_number=a_kvk_number(), name="Kas en Teelt B.V.").id
    location = ledger.register_housing_location(bag_id=a_bag_id(), address=an_address(), kind="dwelling").id
    return Town(kvk, employer, other, location, location)


def search(api: Api, body: dict[str, Any], role: str = "registrar", *, kvk: str | None = None) -> httpx.Response:
    position = api.services.ledger.recorder.max_notification_id()
    params = {} if position is None else {"minPosition": position}
    return api.client.post(f"{V1}/workers/_search", params=params, json=body, headers=api.auth(role, kvk=kvk))


def found(answer: httpx.Response) -> list[str]:
    return [w["id"] for w in ok(answer)["items"]]


def document(number: str, *, type: str = "passport", nationality: str = "POL") -> dict[str, Any]:
    return {"idDocument": {"type": type, "number": number, "nationality": nationality}}


def test_a_worker_is_found_by_identity_document_however_the_number_is_typed(api: Api, town: Town) -> None:
    number = a_document_number()
    worker = hire(
        api.services.ledger, town.employer_id, town.location_id, id_document=an_identity_document(number=number)
    )
    hire(api.services.ledger, town.employer_id, town.location_id)  # someone else

    spaced = f"{number[:2].lower()} {number[2:5]} {number[5:]}"
    assert found(search(api, document(number))) == [str(worker.id)]
    assert found(search(api, document(spaced, nationality="pol"))) == [str(worker.id)]
    # Type and nationality are part of the document: the same number of another is another document.
    assert found(search(api, document(number, nationality="ROU"))) == []
    assert found(search(api, document(number, type="residence_document"))) == []
    # One line per worker returned, as every read of the register writes: two searches found her.
    assert subjects_logged(api, Activity.REGISTRATION, "test-registrar") == [worker.id, worker.id]


def test_a_person_whose_registration_ended_is_still_found(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    number = a_document_number()
    worker = hire(ledger, town.employer_id, town.location_id, id_document=an_identity_document(number=number)).id
    ledger.end_contract(worker, end_date=date(2026, 5, 31))

    (item,) = ok(search(api, document(number)))["items"]

    assert (item["id"], item["status"]) == (str(worker), "contract_ended")


def test_a_shredded_person_is_not_found_by_document(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    number = a_document_number()
    worker = hire(ledger, town.employer_id, town.location_id, id_document=an_identity_document(number=number)).id
    ledger.shred_subject(worker, policy="erasure_request", due_on=date(2026, 6, 15), reason_code="data_subject_request")

    assert found(search(api, document(number))) == []


def test_an_employer_finds_only_its_own_workers_by_document(api: Api, town: Town) -> None:
    ledger = api.services.ledger
    number = a_document_number()
    worker = hire(ledger, town.other_employer_id, town.location_id, id_document=an_identity_document(number=number))

    assert found(search(api, document(number), "employer", kvk=town.kvk)) == []
    assert found(search(api, document(number))) == [str(worker.id)]


def test_name_and_document_together_must_both_match(api: Api, town: Town) -> None:
    number = a_document_number()
    worker = hire(
        api.services.ledger,
        town.employer_id,
        town.location_id,
        family_name="Zielińska",
        id_document=an_identity_document(number=number),
    ).id

    assert found(search(api, {"familyName": "zielinska", **document(number)})) == [str(worker)]
    assert found(search(api, {"familyName": "Nowak", **document(number)})) == []
    assert isinstance(worker, UUID)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({}, "familyName"),
        ({"idDocument": {"type": "diploma", "number": "EA1", "nationality": "POL"}}, "idDocument.type"),
        ({"idDocument": {"type": "passport", "nationality": "POL"}}, "idDocument.number"),
        ({"idDocument": {"type": "passport", "number": "EA1234567"}}, "idDocument.nationality"),
        ({"idDocument": {"type": "passport", "number": "EA1234567", "nationality": "POL", "x": 1}}, "idDocument.x"),
    ],
)
def test_a_bad_document_search_is_400_naming_the_member(api: Api, body: dict[str, Any], name: str) -> None:
    assert invalid_names(search(api, body)) == [name]
