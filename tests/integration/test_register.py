"""The worker register: statuses, current housing, name search, pages, sealed fields, shredding, rebuild."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, update

from ledger.application.service import Ledger
from ledger.domain.values import SHREDDED
from ledger.errors import SealBrokenError
from projections.register import RegisterView, metadata
from projections.register_projection import RegisterProjection
from projections.register_queries import count_active
from projections.register_records import WorkerStatus
from projections.register_tables import MAX_PAGE, register_legal_holds, register_workers
from projections.runner import ViewRunner
from tests.factories import (
    a_brp_address,
    a_person,
    a_world,
    an_address,
    an_employment,
    an_identity_document,
    letters,
    register_worker,
    valid_bsn,
    workers_of_one_name,
)

TODAY = date(2026, 6, 15)
# The name in full-width letters (as East Asian input methods type them); NFKC folds them.
_FULLWIDTH_NAME = "".join(chr(ord(c) + 0xFEE0) for c in "WISNIEWSKA")


@dataclass(frozen=True)
class Register:
    """The register view and the runner that feeds it."""

    view: RegisterView
    runner: ViewRunner

    def caught_up(self) -> RegisterView:
        self.runner.catch_up()
        return self.view


@pytest.fixture
def register(ledger: Ledger) -> Register:
    view = RegisterView(ledger.database.engine, ledger.keys)
    return Register(view, ViewRunner(ledger, RegisterProjection(view=view)))


def _raw_rows(view: RegisterView) -> dict[str, list[dict[str, Any]]]:
    with view.engine.connect() as conn:
        return {
            table.name: [dict(row._mapping) for row in conn.execute(select(table).order_by(*table.primary_key))]
            for table in view.tables
        }


def _without_ciphertext(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    # Sealed values get a fresh nonce on every rebuild; everything else must be equal.
    return {
        name: [{k: v for k, v in row.items() if not k.startswith("sealed_")} for row in table_rows]
        for name, table_rows in rows.items()
    }


def test_registered_worker_reads_back_with_personal_fields_opened_and_facts_plain(
    ledger: Ledger, register: Register
) -> None:
    world = a_world(ledger)
    bsn = valid_bsn()
    document = an_identity_document(number="EA1234567")
    worker_id = register_worker(ledger, world, family_name="Wiśniewska", bsn=bsn, id_document=document)

    record = register.caught_up().worker(worker_id, today=TODAY)

    assert record is not None
    assert (record.id, record.employer_id, record.status, record.shredded) == (
        worker_id,
        world.employer_id,
        WorkerStatus.ACTIVE,
        False,
    )
    person = record.person
    assert (person.family_name, person.given_names, person.birth_date, person.bsn) == (
        "Wiśniewska",
        "Anna Maria",
        date(1994, 3, 14),
        bsn,
    )
    assert (person.id_document_type, person.id_document_number, person.id_document_expires_on) == (
        "passport",
        "EA1234567",
        date(2030, 5, 1),
    )
    assert record.nationality == "POL"
    assert record.housing_location_id == world.location_id
    assert record.work_address.city == "Wognum"
    assert (record.contract_start, record.expected_end_date, record.contract_end) == (
        date(2026, 4, 1),
        date(2026, 10, 31),
        None,
    )
    assert record.version == 1
    assert "Wiśniewska" not in repr(record)


def test_unknown_worker_is_none(ledger: Ledger, register: Register) -> None:
    assert register.caught_up().worker(uuid.uuid4(), today=TODAY) is None


def test_status_is_computed_for_the_day_asked(ledger: Ledger, register: Register) -> None:
    world = a_world(ledger)
    ended = register_worker(ledger, world)
    ledger.end_contract(ended, end_date=date(2026, 6, 30), reason="project finished")
    departed = register_worker(ledger, world)
    ledger.end_contract(departed, end_date=date(2026, 6, 10))
    ledger.record_departure(departed, departed_on=date(2026, 6, 20))
    view = register.caught_up()

    def status(worker_id: UUID, day: date) -> WorkerStatus:
        record = view.worker(worker_id, today=day)
        assert record is not None
        return record.status

    assert [status(ended, d) for d in (date(2026, 6, 29), date(2026, 6, 30), date(2026, 7, 1))] == [
        WorkerStatus.ACTIVE,
        WorkerStatus.CONTRACT_ENDED,
        WorkerStatus.CONTRACT_ENDED,
    ]
    assert [status(departed, d) for d in (date(2026, 6, 9), date(2026, 6, 15), date(2026, 6, 20))] == [
        WorkerStatus.ACTIVE,
        WorkerStatus.CONTRACT_ENDED,
        WorkerStatus.DEPARTED,
    ]


def test_the_active_count_is_the_number_of_active_workers_the_list_gives(ledger: Ledger, register: Register) -> None:
    world = a_world(ledger)
    register_worker(ledger, world)  # active throughout
    ended = register_worker(ledger, world)
    ledger.end_contract(ended, end_date=date(2026, 6, 30), reason="project finished")
    departed = register_worker(ledger, world)
    ledger.record_departure(departed, departed_on=date(2026, 6, 20))
    back = register_worker(ledger, world)  # departed, then housed again: not departed while housed
    ledger.record_departure(back, departed_on=date(2026, 5, 1))
    ledger.change_housing(back, housing_location_id=world.other_location_id, valid_from=date(2026, 6, 1))
    erased = register_worker(ledger, world)
    ledger.shred_subject(erased, policy="erasure_request")
    view = register.caught_up()

    for day in (date(2026, 4, 1), date(2026, 5, 15), TODAY, date(2026, 6, 20), date(2026, 7, 1)):
        with ledger.database.engine.connect() as conn:
            counted = count_active(conn, day)
        assert counted == len(view.workers(status=WorkerStatus.ACTIVE, today=day, limit=MAX_PAGE)), day
    with ledger.database.engine.connect() as conn:
        assert [count_active(conn, d) for d in (date(2026, 5, 15), TODAY, date(2026, 7, 1))] == [3, 4, 2]


def test_passing_expected_end_date_does_not_end_the_contract(ledger: Ledger, register: Register) -> None:
    worker_id = register_worker(ledger, a_world(ledger))

    record = register.caught_up().worker(worker_id, today=date(2026, 11, 30))

    assert record is not None
    assert record.status is WorkerStatus.ACTIVE


def test_worker_housed_again_after_departure_is_not_departed(ledger: Ledger, register: Register) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    ledger.record_departure(worker_id, departed_on=date(2026, 5, 1))
    ledger.change_housing(worker_id, housing_location_id=world.other_location_id, valid_from=date(2026, 6, 1))
    view = register.caught_up()

    in_may, in_june = view.worker(worker_id, today=date(2026, 5, 15)), view.worker(worker_id, today=TODAY)

    assert in_may is not None
    assert (in_may.status, in_may.housing_location_id) == (WorkerStatus.DEPARTED, None)
    assert in_june is not None
    assert (in_june.status, in_june.housing_location_id) == (WorkerStatus.ACTIVE, world.other_location_id)


def test_current_housing_follows_moves_back_dated_moves_and_departure(ledger: Ledger, register: Register) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)  # at `location_id` from 1 April
    ledger.change_housing(worker_id, housing_location_id=world.other_location_id, valid_from=date(2026, 6, 1))
    # Back-dated: found out later that the move was on 20 May; the same date recorded twice, the later wins.
    ledger.change_housing(worker_id, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 20))
    ledger.change_housing(worker_id, housing_location_id=world.location_id, valid_from=date(2026, 6, 1))
    ledger.record_departure(worker_id, departed_on=date(2026, 7, 1))
    view = register.caught_up()

    def housing_on(day: date) -> UUID | None:
        record = view.worker(worker_id, today=day)
        assert record is not None
        return record.housing_location_id

    assert [housing_on(d) for d in (date(2026, 5, 19), date(2026, 5, 20), date(2026, 6, 1), date(2026, 7, 1))] == [
        world.location_id,
        world.other_location_id,
        world.location_id,
        None,
    ]


def test_work_address_is_the_one_in_effect_on_the_day(ledger: Ledger, register: Register) -> None:
    worker_id = register_worker(ledger, a_world(ledger))
    ledger.change_work_address(worker_id, work_address=an_address(city="Hoorn"), valid_from=date(2026, 7, 1))
    view = register.caught_up()

    cities = [view.worker(worker_id, today=d) for d in (date(2026, 3, 1), TODAY, date(2026, 7, 1))]

    assert [r.work_address.city if r else None for r in cities] == ["Wognum", "Wognum", "Hoorn"]


@pytest.mark.parametrize("asked", ["Wiśniewska", "wisniewska", "  WIŚNIEWSKA ", "Wis\u0301niewska", _FULLWIDTH_NAME])
def test_search_finds_the_name_whatever_its_case_marks_and_spacing(
    ledger: Ledger, register: Register, asked: str
) -> None:
    world = a_world(ledger)
    wanted = register_worker(ledger, world, family_name="Wiśniewska")
    register_worker(ledger, world, family_name="Wiśniewski")

    found = register.caught_up().search(asked, today=TODAY)

    assert [r.id for r in found] == [wanted]


def test_search_folds_letters_without_decomposition_and_inner_whitespace(ledger: Ledger, register: Register) -> None:
    world = a_world(ledger)
    wanted = register_worker(ledger, world, family_name="Van der Łęcka")
    view = register.caught_up()

    assert [r.id for r in view.search("van  der   LECKA", today=TODAY)] == [wanted]
    assert view.search("Vander Lecka", today=TODAY) == []
    assert view.search("   ", today=TODAY) == []


def test_search_narrows_by_birth_date(ledger: Ledger, register: Register) -> None:
    world = a_world(ledger)
    older = register_worker(ledger, world, family_name="Nowak", birth_date=date(1980, 1, 2))
    younger = register_worker(ledger, world, family_name="Nowak", birth_date=date(1999, 9, 9))
    view = register.caught_up()

    assert {r.id for r in view.search("nowak", today=TODAY)} == {older, younger}
    assert [r.id for r in view.search("nowak", date(1999, 9, 9), today=TODAY)] == [younger]
    assert view.search("nowak", date(2000, 1, 1), today=TODAY) == []


def test_a_common_name_reads_and_opens_only_the_page_it_answers(
    ledger: Ledger, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = a_world(ledger)
    born = workers_of_one_name(ledger, world.employer_id, world.location_id, 7, "Nowak")
    by_id = sorted(born, key=lambda worker: worker.hex)
    ledger.shred_subject(by_id[1], policy="erasure_request")
    view = register.caught_up()
    ledger.shred_subject(by_id[3], policy="erasure_request")  # its key is gone; the view has not seen it
    asked: list[set[UUID]] = []
    data_keys = view.keys.data_keys

    def spied(subject_ids: Iterable[UUID]) -> dict[UUID, bytes]:
        wanted = list(subject_ids)
        asked.append(set(wanted))
        return data_keys(wanted)

    monkeypatch.setattr(view.keys, "data_keys", spied)

    page = view.search("nowak", today=TODAY, limit=2)

    assert [r.id for r in page] == [by_id[0], by_id[2]]
    assert {r.person.family_name for r in page} == {"Nowak"}
    assert asked == [{by_id[0], by_id[2]}]  # one key lookup, for the page's workers only
    asked.clear()
    assert [r.id for r in view.search("nowak", today=TODAY, limit=3)] == [by_id[0], by_id[2], by_id[4]]
    assert by_id[3] in set().union(*asked)  # a key gone is looked for, and the next candidate taken instead
    assert [r.id for r in view.search("nowak", today=TODAY)] == [by_id[0], by_id[2], *by_id[4:]]
    assert [r.id for r in view.search("nowak", born[by_id[5]], today=TODAY, limit=1)] == [by_id[5]]
    assert view.search("nowak", born[by_id[3]], today=TODAY) == []


def test_search_narrows_to_one_employer(ledger: Ledger, register: Register) -> None:
    world, other_world = a_world(ledger), a_world(ledger)
    own = register_worker(ledger, world, family_name="Nowak")
    register_worker(ledger, other_world, family_name="Nowak")

    found = register.caught_up().search("nowak", today=TODAY, employer_id=world.employer_id)

    assert [r.id for r in found] == [own]


def test_names_are_opened_in_one_batch_and_read_as_shredded_once_the_key_is_gone(
    ledger: Ledger, register: Register
) -> None:
    world = a_world(ledger)
    kept = register_worker(ledger, world, family_name="Kowalska", given_names="Anna")
    erased = register_worker(ledger, world, family_name="Zielińska")
    ledger.shred_subject(erased, policy="erasure_request")
    view = register.caught_up()

    names = view.names([kept, erased, uuid.uuid4()])

    assert set(names) == {kept, erased}
    assert (names[kept].family_name, names[kept].given_names, names[kept].shredded) == ("Kowalska", "Anna", False)
    assert (names[erased].family_name, names[erased].given_names, names[erased].shredded) == (SHREDDED, SHREDDED, True)
    assert names[kept].employer_id == world.employer_id
    assert "Kowalska" not in repr(names[kept])
    assert view.names([]) == {}


def test_employer_of_a_worker_without_opening_anything(ledger: Ledger, register: Register) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world)
    view = register.caught_up()

    assert view.employer_of(worker_id) == world.employer_id
    assert view.employer_of(uuid.uuid4()) is None


def test_workers_are_paged_in_id_order_after_the_last_id(ledger: Ledger, register: Register) -> None:
    world = a_world(ledger)
    ids = sorted((register_worker(ledger, world) for _ in range(5)), key=lambda i: i.hex)
    view = register.caught_up()

    first = view.workers(limit=2, today=TODAY)
    second = view.workers(limit=2, after=first[-1].id, today=TODAY)
    third = view.workers(limit=2, after=second[-1].id, today=TODAY)

    assert [[r.id for r in page] for page in (first, second, third)] == [ids[0:2], ids[2:4], ids[4:5]]
    assert view.workers(limit=2, after=ids[-1], today=TODAY) == []
    with pytest.raises(ValueError, match="limit"):
        view.workers(limit=0, today=TODAY)


def test_workers_are_filtered_by_employer_status_and_current_housing(ledger: Ledger, register: Register) -> None:
    world, other_world = a_world(ledger), a_world(ledger)
    stays = register_worker(ledger, world)
    moves = register_worker(ledger, world)
    ledger.change_housing(moves, housing_location_id=world.other_location_id, valid_from=date(2026, 6, 1))
    ended = register_worker(ledger, world)
    ledger.end_contract(ended, end_date=date(2026, 6, 1))
    elsewhere = register_worker(ledger, other_world)
    view = register.caught_up()

    def ids(**filters: Any) -> set[UUID]:
        return {r.id for r in view.workers(today=TODAY, **filters)}

    assert ids(employer_id=world.employer_id) == {stays, moves, ended}
    assert ids(employer_id=other_world.employer_id) == {elsewhere}
    assert ids(status="contract_ended") == {ended}
    assert ids(status=WorkerStatus.ACTIVE, employer_id=world.employer_id) == {stays, moves}
    assert ids(housing_location_id=world.other_location_id) == {moves}
    assert ids(housing_location_id=world.location_id) == {stays, ended}
    assert {r.id for r in view.workers(housing_location_id=world.other_location_id, today=date(2026, 5, 1))} == set()


def test_population_registration_and_legal_holds_are_kept(ledger: Ledger, register: Register) -> None:
    worker_id = register_worker(ledger, a_world(ledger))
    bsn = valid_bsn()
    ledger.record_population_registration(
        worker_id, register="BRP", registered_on=date(2026, 5, 2), bsn=bsn, address=a_brp_address()
    )
    ledger.place_legal_hold(worker_id, case_reference="HH-2026-01", reason="overcrowding case")
    ledger.place_legal_hold(worker_id, case_reference="HH-2026-02", reason="second case")
    ledger.lift_legal_hold(worker_id, case_reference="HH-2026-01")

    record = register.caught_up().worker(worker_id, today=TODAY)

    assert record is not None
    assert record.population_register is not None
    assert (record.population_register.register, record.population_register.registered_on) == ("BRP", date(2026, 5, 2))
    assert record.person.bsn == bsn
    assert [(h.case_reference, h.reason) for h in record.legal_holds] == [("HH-2026-02", "second case")]
    assert record.legal_holds[0].placed_at.tzinfo is not None
    assert record.version == 5


def test_shredded_worker_keeps_facts_and_loses_personal_fields_and_blind_index(
    ledger: Ledger, register: Register
) -> None:
    world = a_world(ledger)
    worker_id = register_worker(ledger, world, family_name="Zieliński", bsn=valid_bsn())
    ledger.place_legal_hold(worker_id, case_reference="HH-1", reason="a reason")
    ledger.lift_legal_hold(worker_id, case_reference="HH-1")
    view = register.caught_up()
    assert [r.id for r in view.search("Zielinski", today=TODAY)] == [worker_id]

    ledger.shred_subject(worker_id, policy="erasure_request")
    record = register.caught_up().worker(worker_id, today=TODAY)

    assert record is not None
    assert (record.status, record.shredded, record.employer_id, record.housing_location_id) == (
        WorkerStatus.SHREDDED,
        True,
        world.employer_id,
        world.location_id,
    )
    assert {getattr(record.person, f) for f in vars(record.person)} == {SHREDDED}
    assert view.search("Zielinski", today=TODAY) == []
    assert [r.id for r in view.workers(status="shredded", today=TODAY)] == [worker_id]
    (row,) = _raw_rows(view)["register_workers"]
    assert row["shredded"]
    assert row["family_name_index"] is None
    assert {v for k, v in row.items() if k.startswith("sealed_")} == {None}


def test_a_key_gone_before_the_view_sees_the_shred_already_reads_as_shredded(
    ledger: Ledger, register: Register
) -> None:
    worker_id = register_worker(ledger, a_world(ledger), family_name="Kamińska")
    view = register.caught_up()

    ledger.shred_subject(worker_id, policy="erasure_request")  # the view is not caught up

    record = view.worker(worker_id, today=TODAY)
    assert record is not None
    assert (record.status, record.shredded, record.person.family_name) == (WorkerStatus.SHREDDED, True, SHREDDED)
    assert view.search("Kamińska", today=TODAY) == []


def test_rebuild_after_shredding_gives_the_same_facts_and_the_shredded_marker(
    ledger: Ledger, register: Register
) -> None:
    world = a_world(ledger)
    kept = register_worker(ledger, world, family_name="Lewandowska", bsn=valid_bsn())
    shredded = register_worker(ledger, world, family_name="Wójcik")
    for worker_id in (kept, shredded):
        ledger.change_housing(worker_id, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
        ledger.record_population_registration(worker_id, register="RNI", registered_on=date(2026, 5, 3))
        ledger.place_legal_hold(worker_id, case_reference="HH-7", reason="inspection")
    ledger.lift_legal_hold(shredded, case_reference="HH-7")
    ledger.shred_subject(shredded, policy="retention_expired")
    view = register.caught_up()
    before = _raw_rows(view)
    kept_before = view.worker(kept, today=TODAY)

    register.runner.rebuild()
    after = _raw_rows(view)

    assert _without_ciphertext(after) == _without_ciphertext(before)
    assert view.worker(kept, today=TODAY) == kept_before
    shredded_row = next(r for r in after["register_workers"] if r["worker_id"] == shredded.hex)
    assert shredded_row["shredded"]
    assert shredded_row["family_name_index"] is None
    assert view.search("Wójcik", today=TODAY) == []
    assert [r.id for r in view.search("Lewandowska", today=TODAY)] == [kept]


def test_register_tables_hold_no_plaintext_personal_data(ledger: Ledger, register: Register) -> None:
    world = a_world(ledger)
    canaries: list[str] = []
    for _ in range(3):
        tag = letters(uuid.uuid4().int % 26**10)  # names take letters only
        family, given, document, bsn = f"Canaryfam{tag}", f"Canarygiv{tag}", f"CAN{tag}", valid_bsn()
        receipt = ledger.register_worker(
            employer_id=world.employer_id,
            person=a_person(
                family_name=family,
                given_names=given,
                birth_date=date(1931, 7, 19),
                bsn=bsn,
                id_document=an_identity_document(number=document, expires_on=date(2031, 7, 19)),
            ),
            employment=an_employment(),
        )
        reason, note = f"Canaryreason{tag}", f"Canarynote{tag}"
        ledger.end_contract(receipt.id, end_date=date(2026, 6, 30), reason=reason)
        ledger.place_legal_hold(receipt.id, case_reference=f"HH-{tag}", reason=note)
        canaries += [family, given, document, bsn, reason, note, family.lower()]
    rows = _raw_rows(register.caught_up())

    dump = repr(rows)
    assert [c for c in [*canaries, "1931-07-19", "2031-07-19", "1931, 7, 19"] if c in dump] == []
    sealed = [v for table in rows.values() for row in table for k, v in row.items() if k.startswith("sealed_")]
    assert sealed
    assert all(v is None or v.startswith("sealed:v1:") for v in sealed)


def test_a_ciphertext_copied_to_another_worker_does_not_open(ledger: Ledger, register: Register) -> None:
    world = a_world(ledger)
    victim, other = register_worker(ledger, world), register_worker(ledger, world, family_name="Other")
    view = register.caught_up()
    with view.engine.begin() as conn:
        stolen = conn.execute(
            select(register_workers.c.sealed_family_name).where(register_workers.c.worker_id == victim.hex)
        ).scalar_one()
        conn.execute(
            update(register_workers).where(register_workers.c.worker_id == other.hex).values(sealed_family_name=stolen)
        )

    with pytest.raises(SealBrokenError):
        view.worker(other, today=TODAY)


def test_a_hold_reason_copied_to_another_case_does_not_open(ledger: Ledger, register: Register) -> None:
    worker_id = register_worker(ledger, a_world(ledger))
    ledger.place_legal_hold(worker_id, case_reference="HH-A", reason="first")
    ledger.place_legal_hold(worker_id, case_reference="HH-B", reason="second")
    view = register.caught_up()
    holds = register_legal_holds.c
    with view.engine.begin() as conn:
        first = conn.execute(select(holds.sealed_reason).where(holds.case_reference == "HH-A")).scalar_one()
        conn.execute(update(register_legal_holds).where(holds.case_reference == "HH-B").values(sealed_reason=first))

    with pytest.raises(SealBrokenError):
        view.worker(worker_id, today=TODAY)


def test_the_migration_creates_the_register_tables_as_declared(ledger: Ledger) -> None:
    with ledger.database.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)

    def table_of(difference: Any) -> str:
        if isinstance(difference, list):  # column changes come in lists
            return table_of(difference[0])
        subject = difference[1]  # a Table, an Index, or None before a table name
        if subject is None:
            return str(difference[2])
        return str(subject.table.name if hasattr(subject, "table") else subject.name)

    assert [d for d in differences if table_of(d).startswith("register_")] == []
