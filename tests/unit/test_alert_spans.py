"""The alert rules over intervals (`AlertSpan`s) answer, for every day, what the rules per day answered (issue 18).

The alerts view stores each alert as the interval of days on which it holds
(`projections.alert_rules.worker_spans`, `minor_spans`, `location_spans`);
`tests/alerts_oracle.py` keeps the rules as they were written for one day. For
any facts, stays and terms, and any day, the spans that hold that day, read on
that day, are exactly the alerts the old rules raised that day: the same kind,
subject, since, detail, location and employer. No database: the views are
checked against the same oracle in tests/integration/test_alert_view.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.housing_location import housing_location_id_for
from ledger.domain.staleness import StalePeriods
from ledger.domain.values import ADULT_AGE, years_after
from projections.alert_rules import Alert, AlertSpan, AlertTerms, WorkerFacts, location_spans, minor_spans, worker_spans
from projections.brp_alerts import BrpFacts, BrpThresholds, Stay
from projections.occupancy import LocationFacts, LocationHistory, Resident
from projections.residence import BEGINNING
from tests import alerts_oracle as oracle

EXAMPLES = settings(max_examples=400, deadline=None, derandomize=True)
DAY0 = date(2025, 1, 1)
HOME_BAG_ID = "0420010000000001"
HOME = housing_location_id_for(HOME_BAG_ID).hex  # the BRP address of the facts that name one
OTHER = housing_location_id_for("0420010000000002").hex
THIRD = housing_location_id_for("0420010000000003").hex
OUTSIDE = "outside"
WORKER, EMPLOYER = UUID(int=1), UUID(int=2)
LOCATION = UUID(int=3)

offsets = st.integers(min_value=-60, max_value=900)


def a_day(offset: int) -> date:
    return DAY0 + timedelta(days=offset)


@st.composite
def timelines(draw: st.DrawFn) -> tuple[list[Stay], list[tuple[date, date | None]]]:
    """A worker's stays here and its intervals outside the municipality: one timeline, so they never overlap."""
    stays: list[Stay] = []
    outside: list[tuple[date, date | None]] = []
    day = a_day(draw(st.integers(min_value=-30, max_value=200)))
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        value = draw(st.sampled_from([HOME, OTHER, THIRD, OUTSIDE, None]))
        length = draw(st.integers(min_value=1, max_value=250))
        end = None if draw(st.integers(min_value=0, max_value=4)) == 0 else day + timedelta(days=length)
        if value == OUTSIDE:
            outside.append((day, end))
        elif value is not None:
            stays.append((value, day, end))
        if end is None:
            break
        day = end
    return stays, outside


optional_days = st.one_of(st.none(), offsets.map(a_day))


@st.composite
def worker_facts(draw: st.DrawFn) -> WorkerFacts:
    start = a_day(draw(st.integers(min_value=-30, max_value=300)))
    expected = draw(optional_days)
    bag = draw(st.sampled_from([None, HOME_BAG_ID, "0420010000000002"]))
    return WorkerFacts(
        worker_id=WORKER,
        employer_id=EMPLOYER,
        employment_start=start,
        expected_end_date=expected,
        contract_end=draw(optional_days),
        departed_on=draw(optional_days),
        brp=BrpFacts(
            brp_registered_on=draw(optional_days),
            expected_end_date=expected,
            brp_bag_id=bag,
            brp_address_since=None if bag is None else draw(offsets.map(a_day)),
            deregistered_on=draw(optional_days),
            temporary_protection_from=draw(optional_days),
        ),
        confirmed_on=draw(optional_days),
    )


terms = st.builds(
    AlertTerms,
    housed_after_contract_days=st.integers(min_value=0, max_value=30),
    stale_periods=st.builds(StalePeriods, st.integers(min_value=1, max_value=8), st.just(3)),
    brp=st.builds(
        BrpThresholds,
        months_without_brp=st.integers(min_value=1, max_value=6),
        registration_days=st.integers(min_value=0, max_value=10),
        expected_stay_months=st.integers(min_value=1, max_value=6),
        address_days=st.integers(min_value=0, max_value=10),
    ),
)


def key(alert: Alert) -> tuple[object, ...]:
    return (alert.kind, alert.subject_id, alert.since, alert.detail, alert.housing_location_id, alert.employer_id)


def read_on(spans: list[AlertSpan], day: date, stays: list[Stay]) -> list[tuple[object, ...]]:
    return sorted((key(s.alert_on(day, stays)) for s in spans if s.holds_on(day)), key=repr)


def the_oracle(alerts: list[Alert]) -> list[tuple[object, ...]]:
    return sorted((key(a) for a in alerts), key=repr)


# The days asked about: before, during and long after the facts.
days_to_ask = st.lists(st.integers(min_value=-60, max_value=1100), min_size=1, max_size=40).map(
    lambda offsets: [a_day(n) for n in offsets]
)


def old_facts(w: WorkerFacts) -> oracle.WorkerFacts:
    b = w.brp
    brp = oracle.BrpFacts(
        b.brp_registered_on,
        b.expected_end_date,
        b.brp_bag_id,
        b.brp_address_since,
        b.deregistered_on,
        b.temporary_protection_from,
    )
    return oracle.WorkerFacts(
        w.worker_id,
        w.employer_id,
        w.employment_start,
        w.expected_end_date,
        w.contract_end,
        w.departed_on,
        brp,
        w.confirmed_on,
    )


@EXAMPLES
@given(facts=worker_facts(), housing=timelines(), terms=terms, data=st.data())
def test_a_workers_spans_read_on_any_day_are_the_alerts_the_rules_raised_that_day(
    facts: WorkerFacts,
    housing: tuple[list[Stay], list[tuple[date, date | None]]],
    terms: AlertTerms,
    data: st.DataObject,
) -> None:
    stays, outside = housing
    spans = worker_spans(facts, stays, terms, outside)

    for day in data.draw(days_to_ask):
        expected = oracle.worker_alerts(old_facts(facts), stays, day, terms, outside)
        assert read_on(spans, day, stays) == the_oracle(expected), day


@EXAMPLES
@given(housing=timelines(), born=st.integers(min_value=-8000, max_value=0), data=st.data())
def test_a_minors_spans_read_on_any_day_are_the_alerts_the_rule_raised_that_day(
    housing: tuple[list[Stay], list[tuple[date, date | None]]], born: int, data: st.DataObject
) -> None:
    stays, _ = housing
    birth_date = DAY0 + timedelta(days=born)
    spans = minor_spans(WORKER, stays, EMPLOYER, adult_on=years_after(birth_date, ADULT_AGE))

    for day in data.draw(days_to_ask):
        found = oracle.minor_alert(WORKER, birth_date, stays, day, EMPLOYER)
        assert read_on(spans, day, stays) == the_oracle([] if found is None else [found]), day


def test_a_minors_span_does_not_end_on_the_18th_birthday_it_is_told_apart_from() -> None:
    # The 18th birthday would give the birth date: the span keeps it apart (`until`), never as its end.
    stays: list[Stay] = [(HOME, date(2026, 4, 1), date(2026, 9, 1))]

    (span,) = minor_spans(WORKER, stays, EMPLOYER, adult_on=date(2026, 7, 14))

    assert (span.valid_from, span.valid_to, span.until) == (date(2026, 4, 1), date(2026, 9, 1), date(2026, 7, 14))
    assert span.holds_on(date(2026, 7, 13)) and not span.holds_on(date(2026, 7, 14))


@st.composite
def location_histories(draw: st.DrawFn) -> LocationHistory:
    stays = []
    for n in range(draw(st.integers(min_value=0, max_value=7))):
        start = a_day(draw(st.integers(min_value=-30, max_value=500)))
        end = None if draw(st.booleans()) else start + timedelta(days=draw(st.integers(min_value=1, max_value=300)))
        stays.append(Resident(UUID(int=100 + n), start, end, EMPLOYER))
    limits: list[tuple[date, date | None, int | None]] = []
    start = BEGINNING
    # A timeline from the beginning of time: the last limit is open.
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        maximum = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=5)))
        end = max(start, DAY0 - timedelta(days=90)) + timedelta(days=draw(st.integers(min_value=1, max_value=300)))
        limits.append((start, end, maximum))
        start = end
    limits.append((start, None, draw(st.one_of(st.none(), st.integers(min_value=0, max_value=5)))))
    norms = {date(1900, 1, 1): draw(st.sampled_from([6.0, 7.5, 10.0, 12.0]))}
    if draw(st.booleans()):
        norms[a_day(draw(st.integers(min_value=0, max_value=600)))] = draw(st.sampled_from([10.0, 15.0]))
    if draw(st.integers(min_value=0, max_value=5)) == 0:
        norms = {}  # a kind without a norm
    facts = LocationFacts(
        kind=draw(st.sampled_from(["dwelling", "caravan_site", "hotel_pension"])),
        floor_area_m2=draw(st.one_of(st.none(), st.integers(min_value=1, max_value=120))),
        proposed_max_occupants=draw(st.one_of(st.none(), st.integers(min_value=1, max_value=9))),
        registered_at=datetime(2025, 3, 1, tzinfo=UTC),
    )
    return LocationHistory(tuple(stays), tuple(limits), facts, norms)


@EXAMPLES
@given(history=location_histories(), registered=offsets, data=st.data())
def test_a_locations_spans_read_on_any_day_are_the_alerts_the_rules_raised_that_day(
    history: LocationHistory, registered: int, data: st.DataObject
) -> None:
    registered_on = a_day(registered)
    spans = location_spans(LOCATION, history, registered_on=registered_on)

    for day in data.draw(days_to_ask):
        expected = oracle.location_alerts(LOCATION, history, day, registered_on=registered_on)
        assert read_on(spans, day, []) == the_oracle(expected), day


@EXAMPLES
@given(history=location_histories(), data=st.data())
def test_since_when_a_condition_holds_is_what_walking_the_changes_back_gave(
    history: LocationHistory, data: st.DataObject
) -> None:
    for day in data.draw(days_to_ask):
        for condition in (oracle.over_capacity, oracle.not_assessed):
            assert history.since(day, condition) == oracle._since(history, day, condition)
