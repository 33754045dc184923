"""Property: the flows report's housing starts and ends equal a plain SQL count of the same stays.

Since 6 December 2026 the report counts a stay's start and end in one pass
over the stays in Python (`projections.reports.flows._moves`), for the groups
and the total at once. The oracle here is a different way to the same count:
the stays believed at the instant (`projections.reports.sql.stays`) joined
with the periods as a table of `VALUES`, counted per period and group by the
database — the join the report once made. Both backends, every grouping,
random histories (those of the headcounts' fold), periods and instants.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, func, select

from ledger.application.service import Ledger
from ledger.errors import Conflict, RuleViolated
from ledger.persistence.database import reading
from projections.reports.flow_events import FlowsProjection, FlowsView
from projections.reports.flows import flows_report
from projections.reports.periods import Interval, Period, periods
from projections.reports.sql import periods_table, stays
from projections.reports.table import PeriodQuestion, ReportGroup
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner
from tests.factories import a_bag_id, a_kvk_number, a_person, an_address, an_employment
from tests.integration.test_report_headcounts_fold import _HOUSE_NUMBERS, DAYS, PLACES, _commands


def counted(ledger: Ledger, asked: list[Period], group_by: ReportGroup | None, instant: datetime) -> Counter[Any]:
    """(measure, period start, group key or None for the total) -> the stays that began or ended then."""
    first, last = asked[0].start, asked[-1].end
    table = periods_table(asked)
    found: Counter[Any] = Counter()
    groupings = [(group_by, False), (None, True)] if group_by is not None else [(None, True)]
    with reading(ledger.database.engine) as conn:
        for grouping, total in groupings:
            housed = stays(grouping, instant, first - timedelta(days=1), last)
            h = housed.c
            for measure, day, piece in (
                ("housingStarts", h.stay_from, h.valid_from == h.stay_from),
                ("housingEnds", h.stay_to, h.valid_to == h.stay_to),
            ):
                statement = (
                    select(table.c.first, h.group_key, func.count())
                    .select_from(table)
                    .join(housed, and_(day >= table.c.first, day <= table.c.last))
                    .where(piece)
                    .group_by(table.c.first, h.group_key)
                )
                for start, key, n in conn.execute(statement):
                    if total or key is not None:
                        found[(measure, start, None if total else key)] += n
    return found


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_housing_starts_and_ends_equal_a_count_of_the_stays(ledger: Ledger, data: st.DataObject) -> None:
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
            continue
        instants.append(datetime.now().astimezone())
    engine = ledger.database.engine
    ViewRunner(ledger, ResidenceProjection(view=ResidenceView(engine))).catch_up()
    ViewRunner(ledger, FlowsProjection(view=FlowsView(engine))).catch_up()

    for _ in range(3):
        instant = data.draw(st.sampled_from(instants))
        first = data.draw(DAYS)
        last = first + timedelta(days=data.draw(st.integers(0, 120)))
        interval = data.draw(st.sampled_from([Interval.DAY, Interval.WEEK, Interval.MONTH]))
        group_by = data.draw(st.sampled_from([None, *ReportGroup]))
        asked = periods(first, last, interval)

        table = flows_report(engine, PeriodQuestion(asked, group_by, instant), ZoneInfo(ledger.settings.timezone))

        got: Counter[Any] = Counter()
        for rows, total in ((table.rows, group_by is None), (table.totals, True)):
            for row in rows:
                for measure in ("housingStarts", "housingEnds"):
                    if n := row.measures[measure]:
                        got[(measure, row.period_start, None if total else row.group_key)] += n
        assert got == counted(ledger, asked, group_by, instant)
