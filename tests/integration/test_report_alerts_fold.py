"""Property: the alerts report counts what the rules raised, day by day, as the ledger knew it then.

The oracle is the code that evaluated every alert for one day when asked
(`tests/alerts_oracle.py`), called right after the views caught up with the
events recorded up to an instant, for every day of the span and the day
before it: an alert of a kind about a subject is opened on a day it holds
and did not the day before, and closed on a day it no longer holds and did
the day before. The report, asked later as known at that instant, must count
exactly those per period and kind. It shares no code with the report's query
nor with the rules over intervals. Both backends (the `ledger` fixture),
random histories, spans and intervals.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application.service import Ledger
from projections.reports.alerts import alerts_report
from projections.reports.periods import Interval, periods
from tests.alerts_oracle import oracle_alerts
from tests.factories import a_kvk_number, a_world
from tests.integration.test_alert_view import BORN, DAYS, PAST, _apply, _catch_up, _commands, _locations

# Spans where the histories' alerts begin and end: arrivals in the first half of 2026, terms of days and months.
SPANS = st.tuples(
    st.integers(min_value=0, max_value=300).map(lambda n: date(2026, 1, 1) + timedelta(days=n)),
    st.integers(min_value=30, max_value=150),
)

Counts = Counter[tuple[int, str, str]]  # (period index, kind, "opened" or "closed") -> how many


def _said(ledger: Ledger, first: date, last: date) -> tuple[datetime, dict[date, set[tuple[str, UUID]]]]:
    """The instant, and the alerts (kind, subject) the rules raised on each day from the day before `first`."""
    _catch_up(ledger)
    instant = datetime.now(UTC)
    engine, keys, alert_settings = ledger.database.engine, ledger.keys, ledger.settings
    days = [first - timedelta(days=1) + timedelta(days=n) for n in range((last - first).days + 2)]
    return instant, {
        day: {(a.kind.value, a.subject_id) for a in oracle_alerts(engine, alert_settings, keys, today=day, now=instant)}
        for day in days
    }


def _counted(said: dict[date, set[tuple[str, UUID]]], first: date, last: date, interval: Interval) -> Counts:
    counts: Counts = Counter()
    for index, period in enumerate(periods(first, last, interval)):
        day = period.start
        while day <= period.end:
            before, now = said[day - timedelta(days=1)], said[day]
            counts.update((index, kind, "opened") for kind, _ in now - before)
            counts.update((index, kind, "closed") for kind, _ in before - now)
            day += timedelta(days=1)
    return counts


def _reported(ledger: Ledger, first: date, last: date, interval: Interval, instant: datetime) -> Counts:
    report_periods = periods(first, last, interval)
    table = alerts_report(ledger.database.engine, ledger.keys, ledger.settings, report_periods, instant)
    starts = [p.start for p in report_periods]
    counts: Counts = Counter()
    for row in table.rows:
        assert row.group_key is not None
        for measure in ("opened", "closed"):
            counts[(starts.index(row.period_start), row.group_key, measure)] += int(row.measures[measure] or 0)
    totals = {starts.index(t.period_start): t.measures for t in table.totals}
    for index in range(len(report_periods)):
        for measure in ("opened", "closed"):
            assert totals[index][measure] == sum(n for (i, _, m), n in counts.items() if (i, m) == (index, measure))
    return +counts


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_report_counts_the_alerts_the_rules_opened_and_closed_as_known_then(
    ledger: Ledger, data: st.DataObject
) -> None:
    world = a_world(ledger, max_occupants=1)
    second = ledger.register_employer(kvk_number=a_kvk_number(), name="Tweede B.V.").id
    locations = _locations(ledger, world)
    workers: list[UUID] = []
    start, length = data.draw(SPANS)
    first, last = start, start + timedelta(days=length)
    interval = data.draw(st.sampled_from([Interval.DAY, Interval.WEEK, Interval.MONTH]))
    hires = st.tuples(st.just("register"), st.one_of(st.none(), st.integers(0, 3)), PAST, BORN, st.none() | DAYS)
    for hire in data.draw(st.lists(hires, min_size=2, max_size=4)):
        _apply(ledger, world, second, locations, workers, hire)
    midway = _said(ledger, first, last)
    for command in data.draw(st.lists(_commands(len(locations)), min_size=1, max_size=8)):
        _apply(ledger, world, second, locations, workers, command)
    now = _said(ledger, first, last)

    for instant, said in (midway, now):
        assert _reported(ledger, first, last, interval, instant) == +_counted(said, first, last, interval)
