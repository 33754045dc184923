"""The keys claims are matched on, and what a save claims and releases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ledger.domain.values import Address
from ledger.persistence.claims import ADDRESS, IDENTITY_DOCUMENT, address_key, claims_of, identity_document_key
from tests.factories import TODAY, a_housing_location, a_worker

INDEX_KEY = bytes(range(32))


def document(number: str, *, document_type: str = "passport", nationality: str = "POL", key: bytes = INDEX_KEY) -> str:
    return identity_document_key(key, document_type=document_type, number=number, nationality=nationality)


def test_a_document_number_is_matched_without_spaces_or_case() -> None:
    assert document("EA1234567") == document("ea 123 4567") == document(" Ea1234567 ")


def test_type_nationality_and_number_each_tell_documents_apart() -> None:
    keys = {
        document("EA1234567"),
        document("EA1234568"),
        document("EA1234567", document_type="id_card"),
        document("EA1234567", nationality="ROU"),
    }
    assert len(keys) == 4


def test_the_document_key_is_keyed_so_the_table_does_not_give_the_number_away() -> None:
    assert document("EA1234567") != document("EA1234567", key=bytes(32))
    assert "1234567" not in document("EA1234567")


def test_an_address_is_matched_without_case_spacing_or_city() -> None:
    address = Address("Kerkstraat", 5, "1671AB", "Medemblik", house_letter="A")
    written_otherwise = Address(" kerkstraat ", 5, "1671 ab", "MEDEMBLIK", house_letter="a")

    assert address_key(address) == address_key(written_otherwise)


def test_number_letter_addition_and_postcode_each_tell_addresses_apart() -> None:
    address = Address("Kerkstraat", 5, "1671AB", "Medemblik")
    others = [
        replace(address, house_number=6),
        replace(address, house_letter="A"),
        replace(address, house_number_addition="2"),
        replace(address, postcode="1671AC"),
        replace(address, street="Kerkweg"),
    ]
    assert len({address_key(a) for a in [address, *others]}) == 6


def test_a_registration_claims_its_document_and_an_ending_releases_it() -> None:
    worker = a_worker()
    worker.end_contract(date(2026, 6, 1), None, TODAY)
    worker.depart(date(2026, 6, 2), TODAY)
    location = a_housing_location()

    writes = claims_of([*worker.collect_events(), *location.collect_events()], lambda: INDEX_KEY)

    assert [(c.kind, c.holder_id) for c in writes.take] == [(IDENTITY_DOCUMENT, worker.id), (ADDRESS, location.id)]
    assert writes.release == (worker.id,)
    assert writes.idempotency is None
