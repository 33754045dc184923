"""Property: the headcounts report equals a plain Python fold over the events recorded at or before T.

The fold below reads the events themselves — registrations, housing changes,
departures, transfers — and works out, day by day, where each worker lived and
for whom it worked, with the rule of docs/time.md written out here again (the
latest `validFrom` on or before the day wins, of one date the later recorded;
only the latest departure recorded counts). It shares no code with the
report's SQL, the views or the domain's timelines. Both backends (the
`ledger` fixture), every grouping, random periods and instants.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application.service import Ledger
from ledger.domain.housing_location import HousingLocation
from ledger.domain.worker import Worker
from ledger.errors import Conflict, RuleViolated
from projections.reports.headcounts import MEASURES, headcounts_report
from projections.reports.periods import MAX_PERIODS, Interval, count_periods, periods
from projections.reports.table import PeriodQuestion, ReportGroup
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner
from tests.factories import a_bag_id, a_kvk_number, a_person, an_address, an_employment

START = date(2026, 1, 1)
DAYS = st.integers(min_value=0, max_value=300).map(lambda n: START + timedelta(days=n))
LATER_DAYS = st.integers(min_value=90, max_value=300).map(lambda n: START + timedelta(days=n))
NATIONALITIES = ("POL", "ROU", "BGR")
# Each location's postcode area and kind, as registered below.
PLACES = (("1671 AB", "dwelling"), ("1671 CD", "short_stay_facility"), ("1687 AA", "dwelling"))
_HOUSE_NUMBERS = itertools.count(1)


def _commands(workers: int, places: int, employers: int) -> st.SearchStrategy[tuple[Any, ...]]:
    where = st.one_of(st.none(), st.integers(0, places - 1))
    return st.one_of(
        st.tuples(st.just("move"), st.integers(0, workers - 1), where, DAYS),
        st.tuples(st.just("depart"), st.integers(0, workers - 1), LATER_DAYS),
        st.tuples(st.just("transfer"), st.integers(0, workers - 1), st.integers(0, employers - 1), LATER_DAYS),
        st.tuples(st.just("register"), st.integers(0, places - 1), st.sampled_from(NATIONALITIES), DAYS),
    )


class Folded:
    """One worker as its events recorded by an instant say: where it lived and for whom, on any day."""

    def __init__(self, events: list[Any]) -> None:
        self.moves: list[tuple[date, int, UUID | None]] = []
        self.departures: list[tuple[date, int]] = []
        self.employers: list[tuple[date, int, UUID]] = []
        self.nationality = ""
        for event in events:
            seq = event.originator_version
            if isinstance(event, Worker.Registered):
                self.nationality = event.nationality
                self.employers.append((date.min, seq, event.employer_id))
                if event.housing_valid_from is not None:
                    here = None if event.housing_outside_municipality else event.housing_location_id
                    self.moves.append((event.housing_valid_from, seq, here))
            elif isinstance(event, Worker.HousingAddressChanged):
                here = None if event.outside_municipality else event.housing_location_id
                self.moves.append((event.valid_from, seq, here))
            elif isinstance(event, Worker.Departed):
                self.departures.append((event.departed_on, seq))
            elif isinstance(event, Worker.EmployerChanged):
                self.employers.append((event.valid_from, seq, event.employer_id))

    def housed_on(self, day: date) -> UUID | None:
        entries = list(self.moves)
        if self.departures:
            latest = max(self.departures, key=lambda d: d[1])  # a later departure corrects an earlier one
            entries.append((latest[0], latest[1], None))
        before = [e for e in entries if e[0] <= day]
        return max(before, key=lambda e: (e[0], e[1]))[2] if before else None

    def employer_on(self, day: date) -> UUID:
        return max((e for e in self.employers if e[0] <= day), key=lambda e: (e[0], e[1]))[2]


def recorded_events(ledger: Ledger) -> list[Any]:
    """Every event of the ledger, in the order recorded (the ledger outlives hypothesis' examples: all of them)."""
    events: list[Any] = []
    start = 1
    while page := ledger.recorder.select_notifications(start=start, limit=500):
        events += [ledger.mapper.to_domain_event(notification) for notification in page]
        start = page[-1].id + 1
    return events


def expected(
    workers: dict[UUID, Folded], places: dict[UUID, tuple[str, str]], group_by: ReportGroup | None, asked: Any
) -> tuple[dict[tuple[date, str], tuple[int, int, int]], dict[date, tuple[int, int, int]]]:
    """(period start, group) -> the three measures; period start -> the totals."""

    def group_of(worker: Folded, where: UUID, day: date) -> str:
        if group_by is ReportGroup.HOUSING_LOCATION:
            return where.hex
        if group_by is ReportGroup.EMPLOYER:
            return worker.employer_on(day).hex
        if group_by is ReportGroup.NATIONALITY:
            return worker.nationality
        if group_by is ReportGroup.POSTCODE_AREA:
            return places[where][0][:4]
        return places[where][1]

    cells: dict[tuple[date, str], tuple[int, int, int]] = {}
    totals: dict[date, tuple[int, int, int]] = {}
    for period in asked:
        at_start: defaultdict[str, set[UUID]] = defaultdict(set)
        residents: defaultdict[str, set[UUID]] = defaultdict(set)
        days: defaultdict[str, int] = defaultdict(int)
        for worker_id, worker in workers.items():
            for n in range(period.days):
                day = period.start + timedelta(days=n)
                where = worker.housed_on(day)
                if where is None:
                    continue
                keys = ["", group_of(worker, where, day)] if group_by is not None else [""]
                for key in keys:
                    residents[key].add(worker_id)
                    days[key] += 1
                    if n == 0:
                        at_start[key].add(worker_id)
        for key in residents:
            measures = (len(at_start[key]), len(residents[key]), days[key])
            if key == "":
                totals[period.start] = measures
            else:
                cells[(period.start, key)] = measures
    return cells, totals


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_report_equals_a_plain_fold_of_the_events(ledger: Ledger, data: st.DataObject) -> None:
    employers = [ledger.register_employer(kvk_number=a_kvk_number(), name=f"Uitzendbureau {n}").id for n in range(2)]
    locations = [
        ledger.register_housing_location(
            bag_id=a_bag_id(),
            address=an_address(postcode=postcode, house_number=next(_HOUSE_NUMBERS)),
            kind=kind,
            max_occupants=20,
            floor_area_m2=200,
        ).id
        for postcode, kind in PLACES
    ]

    def register(where: int, nationality: str, since: date) -> UUID:
        return ledger.register_worker(
            employer_id=employers[0],
            person=a_person(nationality=nationality),
            employment=an_employment(start_date=date(2026, 1, 1)),
            housing_location_id=locations[where],
            housing_valid_from=since,
        ).id

    workers = [register(0, "POL", date(2026, 2, 1)), register(1, "ROU", date(2026, 3, 15))]
    instants = [datetime.now().astimezone()]
    for command in data.draw(st.lists(_commands(4, len(locations), len(employers)), max_size=14)):
        try:
            if command[0] == "move":
                _, w, where, day = command
                target = None if where is None else locations[where]
                ledger.change_housing(workers[w % len(workers)], housing_location_id=target, valid_from=day)
            elif command[0] == "depart":
                ledger.record_departure(workers[command[1] % len(workers)], departed_on=command[2])
            elif command[0] == "transfer":
                _, w, employer, day = command
                ledger.transfer_worker(workers[w % len(workers)], employer_id=employers[employer], valid_from=day)
            else:
                _, where, nationality, day = command
                workers.append(register(where, nationality, day))
        except (RuleViolated, Conflict):
            continue  # a transfer after the registration ended, or one dated in the future: refused, nothing written
        instants.append(datetime.now().astimezone())
    ViewRunner(ledger, ResidenceProjection(view=ResidenceView(ledger.database.engine))).catch_up()
    events = recorded_events(ledger)
    # Every location and worker of every example so far: the report counts them all.
    places = {
        e.originator_id: (e.address.postcode, e.kind) for e in events if isinstance(e, HousingLocation.Registered)
    }
    by_worker: defaultdict[UUID, list[Any]] = defaultdict(list)
    for event in events:
        if type(event).__qualname__.startswith("Worker."):
            by_worker[event.originator_id].append(event)

    for _ in range(3):
        instant = data.draw(st.sampled_from(instants))
        first = data.draw(DAYS)
        last = first + timedelta(days=data.draw(st.integers(0, 120)))
        interval = data.draw(st.sampled_from([Interval.DAY, Interval.WEEK, Interval.MONTH, Interval.QUARTER]))
        assert count_periods(first, last, interval) <= MAX_PERIODS
        group_by = data.draw(st.sampled_from([None, *ReportGroup]))
        asked = periods(first, last, interval)

        table = headcounts_report(ledger.database.engine, PeriodQuestion(asked, group_by, instant))

        folded = {w: Folded([e for e in history if e.timestamp <= instant]) for w, history in by_worker.items()}
        folded = {w: f for w, f in folded.items() if f.employers}  # registered by the instant
        cells, totals = expected(folded, places, group_by, asked)
        got_totals = table.totals if group_by is not None else table.rows
        assert {t.period_start: tuple(t.measures[m] for m in MEASURES) for t in got_totals} == {
            p.start: totals.get(p.start, (0, 0, 0)) for p in asked
        }
        if group_by is None:
            continue
        got = {(r.period_start, r.group_key): tuple(r.measures[m] for m in MEASURES) for r in table.rows}
        # The table is rectangular: a zero row wherever a group seen in some period had nobody.
        assert {key: value for key, value in got.items() if value != (0, 0, 0)} == cells
        groups = {key for _, key in cells}
        assert {key for _, key in got} == groups
        assert len(got) == len(groups) * len(asked)
