"""The overview's location figures and month-start headcounts against the computations they replaced (issue 19).

Property: `projections.location_figures` — the totals over every location
(how many, how many over capacity, the places permitted and taken where the
maximum is known), the first few locations in need of attention, and the
workers housed on several days at once — equals what the overview worked out
before: every location's record read through the list of locations to its
end (`projections.location_queries`, the answer `GET /housing-locations`
gives) summed and sorted in Python, and the headcounts of `GET /headcounts`
and the headcounts report's `headcountAtStart`; whatever the norms, kinds,
limits, moves, day and instant asked, with ties among the full (a maximum of
0 included).
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application.service import Ledger
from ledger.persistence.database import reading
from ledger.settings import Settings
from projections.headcounts import GroupBy, headcounts
from projections.location_figures import LocationTotals, housed_on, location_figures
from projections.location_queries import Asked, LocationFilter, LocationRecord, locations
from projections.reports.headcounts import headcounts_report
from projections.reports.periods import Interval, periods
from projections.reports.table import PeriodQuestion
from tests.factories import a_bag_id, a_world, an_address, register_worker
from tests.integration.test_list_queries import DAYS, KINDS, NORMS, _catch_up, _location_commands
from tests.location_commands import apply_location_command

_PAGE = 500


def _every_record(ledger: Ledger, asked: Asked) -> list[LocationRecord]:
    """Every location's record, page after page, as the overview read them before (and `GET /housing-locations`)."""
    found: list[LocationRecord] = []
    while True:
        page = locations(
            ledger.database.engine, asked, LocationFilter(), limit=_PAGE, after=found[-1].id if found else None
        )
        found += page
        if len(page) < _PAGE:
            return found


def _old_totals(found: list[LocationRecord]) -> LocationTotals:
    assessed = [record for record in found if record.max_occupants is not None]
    return LocationTotals(
        locations=len(found),
        over_capacity=sum(1 for record in found if record.capacity.over_capacity),
        places_permitted=sum(record.max_occupants or 0 for record in assessed),
        places_taken=sum(record.headcount for record in assessed),
    )


def _old_attention(found: list[LocationRecord], count: int) -> list[tuple[UUID, str, int, int | None, int | None]]:
    """The overview's former ranking: a stable sort of the list (in id order) by over-full, fullest, address."""

    def key(record: LocationRecord) -> tuple[int, float, str]:
        return (-(record.capacity.over_by or 0), -(record.capacity.utilisation or 0.0), record.label)

    in_need = [r for r in found if r.capacity.over_capacity or (r.capacity.utilisation or 0) >= 1]
    return [(r.id, r.label, r.headcount, r.max_occupants, r.capacity.over_by) for r in sorted(in_need, key=key)[:count]]


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_overviews_location_figures_equal_every_record_summed_and_sorted(
    ledger: Ledger, data: st.DataObject
) -> None:
    world = a_world(ledger)
    places = [
        ledger.register_housing_location(
            bag_id=a_bag_id(),
            # Few streets and numbers: equal addresses too, ranked then in the list's (id) order.
            address=an_address(street=data.draw(st.sampled_from(["Westerstraat", "Oosterstraat"]))),
            kind=data.draw(st.sampled_from(KINDS)),
            max_occupants=data.draw(st.one_of(st.none(), st.integers(1, 2))),
            floor_area_m2=data.draw(st.one_of(st.none(), st.integers(1, 40))),
        ).id
        for _ in range(5)
    ]
    workers = [register_worker(ledger, world) for _ in range(6)]
    instants = [datetime.now(UTC)]
    for command in data.draw(st.lists(_location_commands(len(workers), len(places)), max_size=14)):
        apply_location_command(ledger, command, workers, places)
        instants.append(datetime.now(UTC))
    _catch_up(ledger)
    norms = Settings.model_validate(ledger.settings.model_dump() | {"floor_area_norms_m2": NORMS})
    engine = ledger.database.engine

    for _ in range(3):
        on, at = data.draw(DAYS), data.draw(st.sampled_from(instants))
        found = _every_record(ledger, Asked(on=on, as_known_at=at, settings=norms))
        count = data.draw(st.integers(0, 4))
        with reading(engine) as conn:
            totals, in_need = location_figures(conn, on, at, norms.floor_area_norms_m2, count)
        assert totals == _old_totals(found)
        assert [(r.id, r.label, r.headcount, r.max_occupants, r.capacity.over_by) for r in in_need] == _old_attention(
            found, count
        )

        months = periods(on.replace(day=1, month=1), on, Interval.MONTH)
        days = [on, *(period.start for period in months)]
        with reading(engine) as conn:
            counted = housed_on(conn, days, at)
        report = headcounts_report(engine, PeriodQuestion(months, None, at))
        assert counted[0] == headcounts(engine, group_by=GroupBy.HOUSING_LOCATION, on=on, as_known_at=at).total
        assert counted[1:] == [int(row.measures["headcountAtStart"] or 0) for row in report.totals or report.rows]
