"""Write-side claims: one active registration per identity document, one location per address.

The claims are written by the recorders in the events' own transaction; these
tests check the refusals, what they name, what releases and destroys a claim,
that a refused write stores nothing, and the backfill of a ledger that had
events before the claims existed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from alembic import command
from alembic.config import Config
from eventsourcing.utils import get_topic
from sqlalchemy import func, select

from ledger.application.erasure import ShredRequest
from ledger.application.service import Ledger
from ledger.crypto.key_tables import subject_keys
from ledger.domain.housing_location import HousingLocation
from ledger.domain.worker import Worker
from ledger.errors import Conflict, DuplicateAddress, DuplicatePerson
from ledger.persistence.claim_store import pending_backfills, write_claims
from ledger.persistence.claims import ADDRESS, IDENTITY_DOCUMENT, ClaimWrites
from ledger.persistence.migrations import script_location
from ledger.settings import Settings
from ledger.system import open_ledger
from tests.conftest import fixed_clock
from tests.factories import (
    World,
    a_bag_id,
    a_person,
    a_world,
    an_address,
    an_employment,
    an_identity_document,
    register_worker,
)


@pytest.fixture
def world(ledger: Ledger) -> World:
    return a_world(ledger)


def claims_of(ledger: Ledger, holder: UUID) -> list[tuple[str, bool]]:
    """The (kind, active) claims `holder` holds."""
    c = write_claims.c
    with ledger.database.engine.connect() as conn:
        rows = conn.execute(select(c.kind, c.active).where(c.holder_id == holder.hex)).all()
    return sorted((row.kind, bool(row.active)) for row in rows)


def events_and_keys(ledger: Ledger) -> tuple[int, int]:
    with ledger.database.key_engine.connect() as conn:
        keys = conn.execute(select(func.count()).select_from(subject_keys)).scalar_one()
    return ledger.recorder.max_notification_id() or 0, keys


# -- the same person twice ------------------------------------------------------------------


def test_the_same_document_while_registered_is_refused_naming_the_worker(ledger: Ledger, world: World) -> None:
    document = an_identity_document(number="EA7654321")
    first = register_worker(ledger, world, id_document=document)

    with pytest.raises(DuplicatePerson) as refused:
        register_worker(ledger, world, id_document=replace(document, number="ea 765 4321"), family_name="Nowak")

    assert isinstance(refused.value, Conflict)
    assert (refused.value.existing_id, refused.value.employer_id) == (first, world.employer_id)


def test_another_nationality_or_document_type_is_another_document(ledger: Ledger, world: World) -> None:
    document = an_identity_document(number="EA7654321")
    register_worker(ledger, world, id_document=document)

    register_worker(ledger, world, id_document=document, nationality="ROU")
    register_worker(ledger, world, id_document=replace(document, type="id_card"))


@pytest.mark.parametrize("ending", ["contract end", "departure"])
def test_an_ended_registration_releases_the_document_and_keeps_its_entry(
    ledger: Ledger, world: World, ending: str
) -> None:
    document = an_identity_document()
    first = register_worker(ledger, world, id_document=document)
    if ending == "contract end":
        ledger.end_contract(first, end_date=date(2026, 6, 1))
    else:
        ledger.record_departure(first, departed_on=date(2026, 6, 1))

    again = register_worker(ledger, world, id_document=document)

    assert claims_of(ledger, first) == [(IDENTITY_DOCUMENT, False)]
    assert claims_of(ledger, again) == [(IDENTITY_DOCUMENT, True)]
    with pytest.raises(DuplicatePerson) as refused:
        register_worker(ledger, world, id_document=document)
    assert refused.value.existing_id == again


def test_shredding_a_worker_destroys_its_document_entry(ledger: Ledger, world: World) -> None:
    document = an_identity_document()
    registered, ended = register_worker(ledger, world, id_document=document), register_worker(ledger, world)
    ledger.end_contract(ended, end_date=date(2026, 6, 1))

    ledger.shred_subject(registered, policy="erasure_request")  # an erasure request: one subject
    outcome = ledger.shred_subjects([ShredRequest(ended, "worker_registration")])  # the retention job: a batch

    assert outcome.shredded == {ended}
    assert claims_of(ledger, registered) == []
    assert claims_of(ledger, ended) == []
    register_worker(ledger, world, id_document=document)  # the document confirms no one any more


def test_a_refused_duplicate_stores_no_event_and_no_key(ledger: Ledger, world: World) -> None:
    document = an_identity_document()
    register_worker(ledger, world, id_document=document)
    before = events_and_keys(ledger)

    with pytest.raises(DuplicatePerson):
        register_worker(ledger, world, id_document=document)

    assert events_and_keys(ledger) == before


def test_the_events_transaction_itself_refuses_a_taken_claim(
    ledger: Ledger, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two writers that both looked before either wrote: only the unique index can tell.
    document = an_identity_document()
    first = register_worker(ledger, world, id_document=document)
    real_held, looks = ledger.claims.held, []

    def first_look_misses(claims: Any) -> Any:
        looks.append(claims)
        return None if len(looks) == 1 else real_held(claims)

    monkeypatch.setattr(ledger.claims, "held", first_look_misses)
    before = ledger.recorder.max_notification_id()

    with pytest.raises(DuplicatePerson) as refused:
        register_worker(ledger, world, id_document=document)

    assert refused.value.existing_id == first
    assert ledger.recorder.max_notification_id() == before
    assert len(ledger.recorder.select_notifications(None, 1000, topics=[get_topic(Worker.Registered)])) == 1


# -- the same address twice -----------------------------------------------------------------


def test_the_same_address_under_another_bag_id_is_refused_naming_the_location(ledger: Ledger) -> None:
    address = an_address(street="Kerkstraat", house_letter="a", postcode="1671 AB")
    first = ledger.register_housing_location(bag_id=a_bag_id(), address=address, kind="dwelling", max_occupants=4)
    spelled_otherwise = replace(address, street=" kerkstraat ", house_letter="A", postcode="1671ab", city="MEDEMBLIK")

    with pytest.raises(DuplicateAddress) as refused:
        ledger.register_housing_location(bag_id=a_bag_id(), address=spelled_otherwise, kind="dwelling", max_occupants=4)

    assert refused.value.existing_id == first.id
    assert claims_of(ledger, first.id) == [(ADDRESS, True)]


def test_another_letter_addition_or_number_is_another_address(ledger: Ledger) -> None:
    address = an_address()
    ledger.register_housing_location(bag_id=a_bag_id(), address=address, kind="dwelling", max_occupants=4)

    for other in (
        replace(address, house_letter="B"),
        replace(address, house_number_addition="2"),
        replace(address, house_number=address.house_number + 1),
        replace(address, postcode="1671 AC"),
    ):
        ledger.register_housing_location(bag_id=a_bag_id(), address=other, kind="dwelling", max_occupants=4)


def test_the_same_bag_id_twice_is_still_the_plain_conflict(ledger: Ledger) -> None:
    bag_id = a_bag_id()
    ledger.register_housing_location(bag_id=bag_id, address=an_address(), kind="dwelling", max_occupants=4)

    with pytest.raises(Conflict) as refused:
        ledger.register_housing_location(bag_id=bag_id, address=an_address(), kind="dwelling", max_occupants=4)

    assert not isinstance(refused.value, DuplicateAddress)


# -- a ledger from before the claims ------------------------------------------------------------


def _alembic(settings: Settings, ledger: Ledger, step: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    with ledger.database.engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, step)(config, revision)


@pytest.fixture
def reopened(migrated: Settings) -> Iterator[tuple[Settings, ExitStack]]:
    with ExitStack() as opened:
        yield migrated, opened


def test_the_first_start_after_the_migration_builds_the_claims_of_existing_events(
    reopened: tuple[Settings, ExitStack], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, opened = reopened
    ledger = opened.enter_context(open_ledger(settings, clock=fixed_clock))
    world = a_world(ledger)
    document = an_identity_document()
    active = register_worker(ledger, world, id_document=document)
    ended = register_worker(ledger, world)
    ledger.end_contract(ended, end_date=date(2026, 6, 1))
    erased = register_worker(ledger, world)
    ledger.shred_subject(erased, policy="erasure_request")
    # Data from before the rule: the same person registered twice, both active.
    monkeypatch.setattr(ledger.claims, "held", lambda claims: None)
    monkeypatch.setattr("ledger.application.core.claims_of", lambda events, index_key: ClaimWrites())
    twin = ledger.register_worker(
        employer_id=world.employer_id,
        person=a_person(id_document=document),
        employment=an_employment(),
    ).id
    monkeypatch.undo()
    _alembic(settings, ledger, "downgrade", "0007")
    _alembic(settings, ledger, "upgrade", "head")
    with ledger.database.engine.connect() as conn:
        marked = conn.execute(select(pending_backfills.c.name)).scalars().all()

    backfilled = opened.enter_context(open_ledger(settings, clock=fixed_clock))

    assert marked == ["write_claims"]
    assert claims_of(backfilled, active) == [(IDENTITY_DOCUMENT, True)]
    assert claims_of(backfilled, twin) == [(IDENTITY_DOCUMENT, False)]  # the earlier registration holds it
    assert claims_of(backfilled, ended) == [(IDENTITY_DOCUMENT, False)]
    assert claims_of(backfilled, erased) == []
    assert claims_of(backfilled, world.location_id) == [(ADDRESS, True)]
    with backfilled.database.engine.connect() as conn:
        assert conn.execute(select(pending_backfills.c.name)).first() is None
    with pytest.raises(DuplicatePerson) as refused:
        register_worker(backfilled, world, id_document=document)
    assert refused.value.existing_id == active
    address = backfilled.get_facts(HousingLocation, world.location_id).address
    with pytest.raises(DuplicateAddress):
        backfilled.register_housing_location(bag_id=a_bag_id(), address=address, kind="dwelling", max_occupants=4)
