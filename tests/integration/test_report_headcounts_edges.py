"""The headcounts report on the histories its prefix sums could get wrong, against the plain fold of the events.

The report counts each stay as a change on the day it begins and on the day
it ends, each put in its one period (docs/reports.md, *Speed*). So the cases
here are the edges of that: a worker who leaves a group and comes back within
one period (once a resident), leaving with a gap or straight to another place
of the same group; stays that begin or end on a period's first day; stays
begun before the report and open after it; a transfer to another employer and
back within a period; periods by day over half a year (the deepest lookup),
by week and by month; as known now and as known before the later changes
were recorded. The oracle is the fold of `test_report_headcounts_fold`, which
shares no code with the report. Both backends.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, datetime
from typing import Any
from uuid import UUID

import pytest

from ledger.application.service import Ledger
from ledger.domain.housing_location import HousingLocation
from projections.reports.headcounts import MEASURES, headcounts_report
from projections.reports.periods import Interval, periods
from projections.reports.table import PeriodQuestion, ReportGroup
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner
from tests.factories import a_bag_id, a_kvk_number, a_person, an_address, an_employment
from tests.integration.test_report_headcounts_fold import Folded, expected, recorded_events

_HOUSE_NUMBERS = itertools.count(500)


def _history(ledger: Ledger) -> list[datetime]:
    """The workers below; the instants after the first registrations and after everything."""
    employers = [ledger.register_employer(kvk_number=a_kvk_number(), name=f"Bureau {n}").id for n in range(2)]
    a, b, c = (
        ledger.register_housing_location(
            bag_id=a_bag_id(),
            address=an_address(postcode=postcode, house_number=next(_HOUSE_NUMBERS)),
            kind=kind,
            max_occupants=20,
            floor_area_m2=200,
        ).id
        for postcode, kind in (("1671 AB", "dwelling"), ("1671 CD", "short_stay_facility"), ("1687 AA", "dwelling"))
    )

    def register(where: UUID, nationality: str, since: date) -> UUID:
        return ledger.register_worker(
            employer_id=employers[0],
            person=a_person(nationality=nationality),
            employment=an_employment(start_date=date(2025, 11, 1)),
            housing_location_id=where,
            housing_valid_from=since,
        ).id

    moving = register(a, "POL", date(2026, 2, 1))
    gap = register(b, "ROU", date(2026, 3, 1))  # begins on a period's first day
    transferred = register(c, "POL", date(2026, 1, 15))
    register(a, "BGR", date(2025, 12, 1))  # before the report, open after it
    early = datetime.now().astimezone()
    # Away to another place of the same postcode area and kind... and back, within March.
    ledger.change_housing(moving, housing_location_id=b, valid_from=date(2026, 3, 10))
    ledger.change_housing(moving, housing_location_id=a, valid_from=date(2026, 3, 20))
    ledger.record_departure(moving, departed_on=date(2026, 5, 1))  # ends on a period's first day
    # Out of the municipality and back to the same place, within March.
    ledger.change_housing(gap, housing_location_id=None, valid_from=date(2026, 3, 5))
    ledger.change_housing(gap, housing_location_id=b, valid_from=date(2026, 3, 25))
    # To the other employer and back, within March; then moved to the first place on a Monday.
    ledger.transfer_worker(transferred, employer_id=employers[1], valid_from=date(2026, 3, 12))
    ledger.transfer_worker(transferred, employer_id=employers[0], valid_from=date(2026, 3, 20))
    ledger.change_housing(transferred, housing_location_id=a, valid_from=date(2026, 4, 6))
    return [early, datetime.now().astimezone()]


@pytest.mark.parametrize("interval", [Interval.DAY, Interval.WEEK, Interval.MONTH])
def test_the_edges_equal_the_fold(ledger: Ledger, interval: Interval) -> None:
    instants = _history(ledger)
    ViewRunner(ledger, ResidenceProjection(view=ResidenceView(ledger.database.engine))).catch_up()
    events = recorded_events(ledger)
    places = {
        e.originator_id: (e.address.postcode, e.kind) for e in events if isinstance(e, HousingLocation.Registered)
    }
    by_worker: defaultdict[UUID, list[Any]] = defaultdict(list)
    for event in events:
        if type(event).__qualname__.startswith("Worker."):
            by_worker[event.originator_id].append(event)
    asked = periods(date(2026, 1, 1), date(2026, 6, 30), interval)
    for instant, group_by in itertools.product(instants, [None, *ReportGroup]):
        table = headcounts_report(ledger.database.engine, PeriodQuestion(asked, group_by, instant))
        folded = {w: Folded([e for e in history if e.timestamp <= instant]) for w, history in by_worker.items()}
        cells, totals = expected({w: f for w, f in folded.items() if f.employers}, places, group_by, asked)
        got_totals = table.totals if group_by is not None else table.rows
        assert {t.period_start: tuple(t.measures[m] for m in MEASURES) for t in got_totals} == {
            p.start: totals.get(p.start, (0, 0, 0)) for p in asked
        }, (instant, group_by)
        if group_by is not None:
            got = {(r.period_start, r.group_key): tuple(r.measures[m] for m in MEASURES) for r in table.rows}
            assert {key: value for key, value in got.items() if value != (0, 0, 0)} == cells, (instant, group_by)
