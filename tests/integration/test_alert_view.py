"""The alerts view (issue 18): alert intervals kept by the runner, read on a day as known at an instant.

The oracle is the code that evaluated every alert when asked, for today as
known now (`tests/alerts_oracle.py`): called right after each write, on many
days, it says what the ledger knew then; the view, asked later for the same
day as known at that instant, must answer the same. Nothing recomputes the
view at night: an alert that begins with the passing of time is an interval
whose first day lies ahead when it is recorded.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger.application.service import Ledger
from ledger.domain.errors import LedgerError
from ledger.domain.housing_location import Registrant
from ledger.domain.population import BrpAddress
from ledger.settings import Settings
from projections.alert_rules import Alert, AlertKind
from projections.alert_tables import alert_intervals, alert_workers
from projections.alert_view import AlertsProjection, AlertsView, AlertsViewSettingsChanged
from projections.alerts import AlertQuery, alert_page, alerts
from projections.directory import DirectoryProjection, DirectoryView, directory_locations
from projections.register import RegisterView
from projections.register_projection import RegisterProjection
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner
from tests.alerts_oracle import oracle_alerts
from tests.factories import (
    World,
    a_bag_id,
    a_brp_address,
    a_kvk_number,
    a_person,
    a_world,
    an_address,
    an_employment,
)
from tests.integration.view_contents import view_rows

# Days of the histories: from 1 January 2026 to a year after the ledger's today (15 June 2026), the latest a
# write may name; and the days asked about, to a year after that (alerts that begin as time passes).
DAYS = st.integers(min_value=0, max_value=530).map(lambda n: date(2026, 1, 1) + timedelta(days=n))
PAST = st.integers(min_value=0, max_value=165).map(lambda n: date(2026, 1, 1) + timedelta(days=n))
ASKED = st.integers(min_value=0, max_value=900).map(lambda n: date(2026, 1, 1) + timedelta(days=n))
BORN = st.sampled_from([date(1994, 3, 14), date(2009, 5, 2), date(2010, 1, 1)])
_HOUSE_NUMBERS = itertools.count(500)


def _runners(ledger: Ledger, alert_settings: Settings | None = None, page_size: int = 2000) -> list[ViewRunner]:
    engine = ledger.database.engine
    view = AlertsView(engine, ledger.keys, alert_settings or ledger.settings)
    return [
        ViewRunner(ledger, ResidenceProjection(view=ResidenceView(engine))),
        ViewRunner(ledger, RegisterProjection(view=RegisterView(engine, ledger.keys))),
        ViewRunner(ledger, AlertsProjection(view=view), page_size=page_size),
    ]


def _catch_up(ledger: Ledger) -> None:
    for runner in _runners(ledger):
        runner.catch_up()


def _keyed(found: list[Alert]) -> list[tuple[Any, ...]]:
    return sorted(
        ((a.kind, a.subject_id, a.since, a.detail, a.housing_location_id, a.employer_id) for a in found), key=repr
    )


def _locations(ledger: Ledger, world: World) -> list[UUID]:
    """The world's two locations, one limited by its floor area only (one person), and one with no limit at all."""
    employer = Registrant(municipal=False, employer_id=world.employer_id)
    others = [
        ledger.register_housing_location(
            bag_id=a_bag_id(),
            address=an_address(street=street, house_number=next(_HOUSE_NUMBERS)),
            kind="dwelling",
            max_occupants=10_000,
            floor_area_m2=floor_area,
            registrant=employer,
        ).id
        for street, floor_area in (("Westerstraat", 20), ("Oosterstraat", None))
    ]
    return [world.location_id, world.other_location_id, *others]


def _commands(locations: int) -> st.SearchStrategy[tuple[Any, ...]]:
    where = st.one_of(st.none(), st.integers(0, locations - 1))
    worker = st.integers(0, 50)
    return st.one_of(
        st.tuples(st.just("register"), where, PAST, BORN, st.one_of(st.none(), DAYS)),
        st.tuples(st.just("move"), worker, where, DAYS),
        st.tuples(st.just("outside"), worker, DAYS),
        st.tuples(st.just("depart"), worker, DAYS),
        st.tuples(st.just("limit"), st.integers(0, locations - 1), st.integers(0, 4), DAYS),
        st.tuples(st.just("end"), worker, DAYS),
        st.tuples(st.just("confirm"), worker, DAYS, st.one_of(st.none(), DAYS)),
        st.tuples(st.just("brp"), worker, st.sampled_from(["BRP", "RNI"]), DAYS, st.one_of(st.none(), where)),
        st.tuples(st.just("deregister"), worker, DAYS),
        st.tuples(st.just("protect"), worker, DAYS),
        st.tuples(st.just("transfer"), worker, DAYS),
    )


def _apply(
    ledger: Ledger, world: World, second: UUID, locations: list[UUID], workers: list[UUID], command: tuple[Any, ...]
) -> None:
    """Carry out one command; one the ledger refuses (a rule) records nothing, as it would for anyone."""
    name, *args = command
    pick: Callable[[int], UUID] = lambda n: workers[n % len(workers)]  # noqa: E731
    place: Callable[[int | None], UUID | None] = lambda n: None if n is None else locations[n]  # noqa: E731
    try:
        if name == "register":
            where, start, born, expected = args
            workers.append(
                ledger.register_worker(
                    employer_id=world.employer_id,
                    person=a_person(birth_date=born),
                    employment=an_employment(start_date=start, expected_end_date=expected),
                    housing_location_id=place(where),
                    housing_valid_from=None if where is None else start,
                ).id
            )
        elif not workers:
            return
        elif name == "move":
            ledger.change_housing(pick(args[0]), housing_location_id=place(args[1]), valid_from=args[2])
        elif name == "outside":
            ledger.change_housing(
                pick(args[0]), housing_location_id=None, valid_from=args[1], outside_municipality=True
            )
        elif name == "depart":
            ledger.record_departure(pick(args[0]), departed_on=args[1])
        elif name == "limit":
            ledger.change_occupancy_limit(locations[args[0]], max_occupants=args[1], valid_from=args[2])
        elif name == "end":
            ledger.end_contract(pick(args[0]), end_date=args[1])
        elif name == "confirm":
            ledger.confirm_registration(pick(args[0]), confirmed_on=args[1], expected_end_date=args[2])
        elif name == "brp":
            worker, register, day, where = args
            address = None
            if register == "BRP":
                bag_id = a_bag_id() if where is None else _bag_ids(ledger)[locations[where]]
                address = BrpAddress(bag_id=bag_id, municipality_code="0420", since=day)
            ledger.record_population_registration(pick(worker), register=register, registered_on=day, address=address)
        elif name == "deregister":
            ledger.record_population_deregistration(pick(args[0]), deregistered_on=args[1], reason="emigrated")
        elif name == "protect":
            ledger.record_temporary_protection(pick(args[0]), valid_from=args[1])
        elif name == "transfer":
            ledger.transfer_worker(pick(args[0]), employer_id=second, valid_from=args[1])
    except LedgerError:
        pass


def _bag_ids(ledger: Ledger) -> dict[UUID, str]:
    """Each location's BAG id (a BRP address at one of them is the registered housing)."""
    ViewRunner(ledger, DirectoryProjection(view=DirectoryView(ledger.database.engine))).catch_up()
    with ledger.database.engine.connect() as conn:
        d = directory_locations.c
        rows = conn.execute(select(d.housing_location_id, d.bag_id))
        return {UUID(location): bag_id for location, bag_id in rows}


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_view_answers_on_any_day_as_known_at_any_instant_what_the_rules_said_then(
    ledger: Ledger, data: st.DataObject
) -> None:
    world = a_world(ledger, max_occupants=1)
    second = ledger.register_employer(kvk_number=a_kvk_number(), name="Tweede B.V.").id
    locations = _locations(ledger, world)
    workers: list[UUID] = []
    days = data.draw(st.lists(ASKED, min_size=3, max_size=6, unique=True))
    engine, keys, alert_settings = ledger.database.engine, ledger.keys, ledger.settings
    said: list[tuple[datetime, dict[date, list[Alert]]]] = []

    def ours(found: list[Alert]) -> list[Alert]:
        return [a for a in found if a.subject_id in {*locations, *workers}]

    def remember() -> None:
        _catch_up(ledger)
        instant = datetime.now(UTC)  # every event so far was recorded at or before it; the views hold them all
        said.append(
            (instant, {d: ours(oracle_alerts(engine, alert_settings, keys, today=d, now=instant)) for d in days})
        )

    hires = st.tuples(st.just("register"), st.one_of(st.none(), st.integers(0, 3)), PAST, BORN, st.none() | DAYS)
    for hire in data.draw(st.lists(hires, min_size=2, max_size=4)):
        _apply(ledger, world, second, locations, workers, hire)
    remember()
    for command in data.draw(st.lists(_commands(len(locations)), min_size=1, max_size=10)):
        _apply(ledger, world, second, locations, workers, command)
        remember()

    for instant, answers in said:
        for day, expected in answers.items():
            found = alerts(engine, alert_settings, today=day, as_known_at=instant, keys=keys)
            assert _keyed(ours(found)) == _keyed(expected), (day, instant)


def _a_worker(ledger: Ledger, world: World, **overrides: Any) -> UUID:
    return ledger.register_worker(
        employer_id=world.employer_id,
        person=a_person(**overrides.pop("person", {})),
        employment=an_employment(**overrides),
        housing_location_id=world.location_id,
        housing_valid_from=overrides.get("start_date", date(2026, 4, 1)),
    ).id


def _recorded_now(ledger: Ledger) -> datetime:
    _catch_up(ledger)
    return datetime.now(UTC)


def test_an_alert_that_begins_with_the_passing_of_time_is_stored_once_with_its_first_day_ahead(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = _a_worker(ledger, world, start_date=date(2026, 6, 1), expected_end_date=None)
    _catch_up(ledger)

    with ledger.database.engine.connect() as conn:
        i = alert_intervals.c
        rows = conn.execute(
            select(i.valid_from, i.valid_to, i.since, i.recorded_to).where(
                i.subject_id == worker.hex, i.kind == AlertKind.NO_BRP_AFTER_FOUR_MONTHS.value
            )
        ).all()
    found = alerts(
        ledger.database.engine, ledger.settings, today=date(2026, 10, 1), kind=AlertKind.NO_BRP_AFTER_FOUR_MONTHS
    )

    # Housed from 1 June: 4 months reached on 1 October, months after the ledger's today (15 June).
    assert [tuple(row) for row in rows] == [(date(2026, 10, 1), None, date(2026, 10, 1), None)]
    assert [(a.subject_id, a.since) for a in found] == [(worker, date(2026, 10, 1))]
    assert found[0].detail == "housed 122 days in the 6 months before today, without BRP registration"
    assert (
        alerts(
            ledger.database.engine, ledger.settings, today=date(2026, 9, 30), kind=AlertKind.NO_BRP_AFTER_FOUR_MONTHS
        )
        == []
    )


def test_a_correction_changes_the_alerts_from_its_recording_on_and_not_before(ledger: Ledger) -> None:
    world = a_world(ledger, max_occupants=1)
    first = _a_worker(ledger, world)
    second = _a_worker(ledger, world)
    before = _recorded_now(ledger)
    ledger.change_housing(second, housing_location_id=world.other_location_id, valid_from=date(2026, 4, 1))
    after = _recorded_now(ledger)

    def over(instant: datetime) -> list[tuple[UUID, date, str]]:
        found = alerts(ledger.database.engine, ledger.settings, today=date(2026, 5, 1), as_known_at=instant)
        return [(a.subject_id, a.since, a.detail) for a in found if a.kind == AlertKind.OVER_CAPACITY]

    assert over(before) == [(world.location_id, date(2026, 4, 1), "2 occupants, 1 permitted")]
    assert over(after) == []
    assert first != second


def test_an_alert_about_a_worker_names_the_employer_as_known_then_and_the_new_one_after_a_transfer(
    ledger: Ledger,
) -> None:
    world = a_world(ledger)
    worker = _a_worker(ledger, world, start_date=date(2026, 6, 1), expected_end_date=None)
    before = _recorded_now(ledger)
    other = ledger.register_employer(kvk_number="88888888", name="Ander B.V.").id
    ledger.transfer_worker(worker, employer_id=other, valid_from=date(2026, 6, 10))
    after = _recorded_now(ledger)
    day = date(2026, 10, 5)

    def employers(instant: datetime, employer_id: UUID | None = None) -> set[UUID | None]:
        found = alerts(ledger.database.engine, ledger.settings, today=day, as_known_at=instant, employer_id=employer_id)
        return {a.employer_id for a in found if a.subject_id == worker}

    assert employers(before) == {world.employer_id}
    assert employers(after) == {other}
    assert employers(after, world.employer_id) == set()


def _page(ledger: Ledger, asked: AlertQuery, limit: int) -> list[list[Alert]]:
    pages, after = [], None
    while True:
        found = alert_page(ledger.database.engine, ledger.keys, ledger.settings, asked, limit=limit + 1, after=after)
        pages.append(found[:limit])
        if len(found) <= limit:
            return pages
        after = (found[limit - 1].kind, found[limit - 1].subject_id)


def test_pages_in_kind_and_subject_order_hold_every_alert_once(ledger: Ledger) -> None:
    world = a_world(ledger, max_occupants=1)
    for _ in range(7):
        _a_worker(ledger, world, start_date=date(2026, 1, 5), expected_end_date=None)
    _catch_up(ledger)
    asked = AlertQuery(on=date(2026, 9, 1), as_known_at=datetime.now(UTC))

    pages = _page(ledger, asked, limit=3)
    every = alerts(ledger.database.engine, ledger.settings, today=date(2026, 9, 1))

    flat = [a for page in pages for a in page]
    assert [len(p) for p in pages[:-1]] == [3] * (len(pages) - 1)
    assert [(a.kind.value, a.subject_id.hex) for a in flat] == sorted((a.kind.value, a.subject_id.hex) for a in flat)
    assert _keyed(flat) == _keyed(every)
    assert len(flat) > 7


def test_a_minor_is_an_alert_without_the_birth_date_or_the_18th_birthday_stored_in_the_clear(ledger: Ledger) -> None:
    world = a_world(ledger)
    minor = _a_worker(ledger, world, person={"birth_date": date(2010, 1, 1)})  # 18 on 1 January 2028
    _catch_up(ledger)

    with ledger.database.engine.connect() as conn:
        stored = [tuple(row) for table in (alert_intervals, alert_workers) for row in conn.execute(select(table))]
    minors = [a for a in alerts(ledger.database.engine, ledger.settings, today=date(2027, 12, 31), keys=ledger.keys)]

    assert [(a.kind, a.subject_id) for a in minors if a.kind == AlertKind.MINOR_IN_HOUSING] == [
        (AlertKind.MINOR_IN_HOUSING, minor)
    ]
    assert (
        alerts(
            ledger.database.engine,
            ledger.settings,
            today=date(2028, 1, 1),
            kind=AlertKind.MINOR_IN_HOUSING,
            keys=ledger.keys,
        )
        == []
    )
    plain = [value for row in stored for value in row]
    assert date(2010, 1, 1) not in plain and date(2028, 1, 1) not in plain
    assert not any(isinstance(v, str) and ("2010-01-01" in v or "2028-01-01" in v) for v in plain)


def test_a_shredded_minor_leaves_no_minor_alert_row_behind(ledger: Ledger) -> None:
    world = a_world(ledger)
    minor = _a_worker(ledger, world, person={"birth_date": date(2010, 1, 1)})
    _catch_up(ledger)
    ledger.shred_subject(minor, policy="erasure_request", reason_code="correction")
    _catch_up(ledger)

    with ledger.database.engine.connect() as conn:
        i = alert_intervals.c
        left = conn.execute(
            select(i.row_id).where(i.subject_id == minor.hex, i.kind == AlertKind.MINOR_IN_HOUSING.value)
        ).all()
    assert left == []


def test_a_view_built_under_other_settings_is_rebuilt_by_its_runner_and_refused_until_then(ledger: Ledger) -> None:
    world = a_world(ledger)
    worker = _a_worker(ledger, world, start_date=date(2026, 6, 1), expected_end_date=None)
    _catch_up(ledger)
    stricter = ledger.settings.model_copy(update={"alert_without_brp_months": 2})

    with pytest.raises(AlertsViewSettingsChanged):
        alerts(ledger.database.engine, stricter, today=date(2026, 9, 1))
    for runner in _runners(ledger, stricter):
        runner.catch_up()
    found = alerts(ledger.database.engine, stricter, today=date(2026, 9, 1), kind=AlertKind.NO_BRP_AFTER_FOUR_MONTHS)

    assert [(a.subject_id, a.since) for a in found] == [(worker, date(2026, 8, 1))]
    with pytest.raises(AlertsViewSettingsChanged):
        alerts(ledger.database.engine, ledger.settings, today=date(2026, 9, 1))


@pytest.mark.parametrize("page_size", [2, 3, 7, 1000])
def test_the_view_built_a_page_at_a_time_equals_the_view_built_event_by_event(ledger: Ledger, page_size: int) -> None:
    world = a_world(ledger, max_occupants=1)
    mover = _a_worker(ledger, world, person={"birth_date": date(2009, 5, 2)})
    settled = _a_worker(ledger, world, start_date=date(2026, 2, 1), expected_end_date=None)
    ledger.change_housing(mover, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 1))
    ledger.change_occupancy_limit(world.location_id, max_occupants=3, valid_from=date(2026, 7, 1))
    ledger.record_population_registration(
        mover, register="BRP", registered_on=date(2026, 5, 3), address=a_brp_address()
    )
    ledger.end_contract(settled, end_date=date(2026, 6, 1))
    ledger.change_housing(mover, housing_location_id=world.location_id, valid_from=date(2026, 4, 20))
    ledger.record_departure(settled, departed_on=date(2026, 6, 30))
    ledger.shred_subject(mover, policy="erasure_request", reason_code="correction")
    view = AlertsView(ledger.database.engine, ledger.keys, ledger.settings)
    ViewRunner(ledger, AlertsProjection(view=view), page_size=1).rebuild()
    one_by_one = view_rows(view)

    ViewRunner(ledger, AlertsProjection(view=view), page_size=page_size).rebuild()

    assert view_rows(view) == one_by_one
    assert len(one_by_one["alert_intervals"]) > 5
