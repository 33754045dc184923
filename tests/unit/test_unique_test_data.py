"""Test fixtures and benchmark data give each person a document and each place an address of its own.

The ledger refuses a second active registration of one identity document and
a second housing location at one address, so data that repeats them cannot be
loaded; a test that means the same person or place twice says so.
"""

from __future__ import annotations

from datetime import timedelta

from bench.data import Inputs

from ledger.domain.values import Address
from tests.factories import TODAY, a_person, an_address


def place(address: Address) -> tuple[object, ...]:
    """An address as the ledger tells addresses apart: case and spacing folded, the city left out."""
    return (
        " ".join(address.street.casefold().split()),
        address.house_number,
        (address.house_letter or "").upper(),
        (address.house_number_addition or "").upper(),
        address.postcode.replace(" ", "").upper(),
    )


def test_the_factories_give_each_person_and_place_a_document_and_address_of_its_own() -> None:
    people = [a_person() for _ in range(100)]
    places = [an_address() for _ in range(100)]

    assert len({p.id_document for p in people}) == 100
    assert len({place(a) for a in places}) == 100


def test_benchmark_inputs_never_draw_a_document_or_an_address_twice() -> None:
    # Two instances of one seed, as a scenario run again on a kept store has.
    first, again = Inputs(7, TODAY), Inputs(7, TODAY)
    start = TODAY - timedelta(days=30)
    documents = [i.person(start).id_document for i in (first, again) for _ in range(20_000)]
    addresses = [first.location(index).address for index in range(40_000)]

    assert len({(d.type, d.number) for d in documents}) == len(documents)
    assert len({place(a) for a in addresses}) == len(addresses)
