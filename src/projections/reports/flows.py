"""The flows report: per period and group, who came and went (registrations, stays, contract ends, departures).

- `workersRegistered`: registrations recorded within the period (by the day
  of the municipality's zone they were recorded on), grouped by what the
  registration said: the location it housed the worker at, the registering
  employer, the nationality;
- `housingStarts`, `housingEnds`: stays at a location that began, or ended
  (the first day no longer there), within the period — a move is an end at
  the old place and a start at the new one;
- `contractEnds`, `departures`: each worker's latest contract end or
  departure recorded (a later one corrects an earlier), dated within the
  period, grouped by where the worker was housed at the event: on the
  contract's last day, on the day before the departure.

All as known at `as_known_at`: the stays are the residence view's believed
then, the registrations, contract ends and departures the flows view's rows
recorded by then (`projections.reports.flow_events`). Grouped by employer,
a stay's start and end count for the employer of that day (after any
transfer). An event of a worker not housed in the municipality at it counts
in the period's total, in no group (a registration without housing here; a
contract end while living elsewhere).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Engine,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from ledger.persistence.database import UTCDateTime
from projections.reports.flow_events import CONTRACT_ENDED, DEPARTED, REGISTERED, flow_events
from projections.reports.labels import group_labels
from projections.reports.periods import Period
from projections.reports.sql import boundaries, by_period, day_number, fetched, number, report_reading, stays
from projections.reports.table import Measure, PeriodQuestion, ReportGroup, ReportTable, found_columns, totals_rows
from projections.residence_tables import location_facts

MEASURES = ("workersRegistered", "housingStarts", "housingEnds", "contractEnds", "departures")
# Each counts workers: any of them 1 to 4 makes a row small (docs/reports.md, Disclosure).
PEOPLE = MEASURES
# The key of a total: a null of the key's type, so that a union of rows with keys and totals has one type.
NO_GROUP = cast(null(), String)


def flows_report(engine: Engine, asked: PeriodQuestion, zone: ZoneInfo) -> ReportTable:
    """The flows per period (and group), with a total per period when grouped; locations and employers labelled.

    `zone` is the municipality's: a registration counts in the period holding
    the day it was recorded on there.
    """
    instants = [_instants(period, zone) for period in asked.periods]
    # The periods' first instants and the first instant after the last one.
    periods = [start for start, _ in instants] + [instants[-1][1]]
    found: list[tuple[int, str, str, Measure]] = []  # (period index, group key, measure, count)
    totals: dict[int, dict[str, Measure]] = {}
    with report_reading(engine) as conn:
        # Each event is in one group or in none (the null key): the period's total is the sum of them all.
        for index, key, measure, n in fetched(conn, union_all(*_measures(asked.group_by, asked, periods))):
            total = totals.setdefault(index, {})
            total[measure] = int(total.get(measure) or 0) + int(n)
            if key is not None and asked.group_by is not None:
                found.append((index, key, measure, int(n)))
        moves = _moves(fetched(conn, _stays(asked)), [d.toordinal() for d in boundaries(asked.periods)])
    for (index, key, measure), n in moves.items():
        if key is _TOTAL:
            totals.setdefault(index, {})[measure] = n
        else:
            found.append((index, key, measure, n))  # type: ignore[arg-type]
    if asked.group_by is None:
        return ReportTable("flows", MEASURES, totals_rows(asked.periods, totals, MEASURES), (), PEOPLE)
    group_by = asked.group_by
    return ReportTable(
        "flows",
        MEASURES,
        found_columns(asked.periods, found, MEASURES, lambda keys: group_labels(engine, group_by, keys)),
        totals_rows(asked.periods, totals, MEASURES),
        PEOPLE,
        asked.group_by,
    )


def _instants(period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The period's first instant and the first instant after it, in the municipality's zone, as UTC."""
    after = period.end + timedelta(days=1)
    return (
        datetime.combine(period.start, time(), tzinfo=zone).astimezone(UTC),
        datetime.combine(after, time(), tzinfo=zone).astimezone(UTC),
    )


def _measures(group: ReportGroup | None, asked: PeriodQuestion, periods: list[datetime]) -> list[Select[Any]]:
    """Registrations, contract ends and departures per period and group, each event in one group or none.

    The groups are joined outward: an event with no group (a registration
    housing no one here, a contract end of a worker living elsewhere) has a
    null key, so one statement gives the groups and, summed, the total. A
    worker lives at one place on a day (its stays do not overlap), so no
    event is in two groups.
    """
    # Housing starts and ends are counted from the stays in Python (`_moves`).
    return [
        _registered(group, asked, periods),
        _latest(CONTRACT_ENDED, "contractEnds", group, asked),
        _latest(DEPARTED, "departures", group, asked),
    ]


# The key a total's count is kept under in `_moves` (None is a key: a grouped stay may have none).
_TOTAL = object()


def _stays(asked: PeriodQuestion) -> Select[Any]:
    """The stays' first and end days, of the piece a stay begins with and of the piece it ends with (else null).

    Grouped by employer the groups read the pieces of a stay cut at transfers
    (a transfer starts and ends no stay) and the total the whole stays, apart;
    other groupings read the same stays for both (by kind, joined with their
    location's facts, which the residence view records before any stay
    there). The first column says which: 0 the groups, 1 the total, 2 both.
    """
    first, last = asked.periods[0].start, asked.periods[-1].end

    def read(group: ReportGroup | None, counts_for: int) -> Select[Any]:
        # From the day before: a stay that ends on `first` (its last day the day before) ends within the report.
        h = stays(group, asked.as_known_at, first - timedelta(days=1), last).c
        began, ended = h.valid_from == h.stay_from, h.valid_to == h.stay_to
        return select(
            number(counts_for),
            h.group_key,
            case((began, day_number(h.stay_from)), else_=null()),
            case((ended, day_number(h.stay_to)), else_=null()),
        ).where(or_(and_(began, h.stay_from.between(first, last)), and_(ended, h.stay_to.between(first, last))))

    if asked.group_by is None:
        return read(None, 1)
    if asked.group_by is ReportGroup.EMPLOYER:
        return union_all(read(asked.group_by, 0), read(None, 1))  # type: ignore[return-value]
    return read(asked.group_by, 2)


def _moves(found: Iterable[tuple[Any, ...]], bounds: Sequence[int]) -> Counter[tuple[int, object, str]]:
    """The housing starts and ends per (period index, group key or `_TOTAL`, measure), from `_stays`' rows.

    `bounds` are the periods' first days and the day after the last, as day
    numbers: a day's period is found by a binary search of them. One pass,
    starts and ends apart and the totals in lists (some 125 000 stays at
    100 000 workers: the pass is most of the report's time in Python).
    """
    first, after = bounds[0], bounds[-1]
    starts: Counter[tuple[int, Any]] = Counter()
    ends: Counter[tuple[int, Any]] = Counter()
    total_starts, total_ends = [0] * (len(bounds) - 1), [0] * (len(bounds) - 1)
    for counts_for, key, began, ended in found:
        grouped = counts_for != 1 and key is not None
        if began is not None and first <= began < after:
            index = bisect_right(bounds, began) - 1
            if grouped:
                starts[index, key] += 1
            if counts_for:
                total_starts[index] += 1
        if ended is not None and first <= ended < after:
            index = bisect_right(bounds, ended) - 1
            if grouped:
                ends[index, key] += 1
            if counts_for:
                total_ends[index] += 1
    counted: Counter[tuple[int, object, str]] = Counter()
    for measure, by_group, totals in (("housingStarts", starts, total_starts), ("housingEnds", ends, total_ends)):
        for (index, key), n in by_group.items():
            counted[index, key, measure] = n
        for index, n in enumerate(totals):
            if n:
                counted[index, _TOTAL, measure] = n
    return counted


def _registered(group: ReportGroup | None, asked: PeriodQuestion, instants: list[datetime]) -> Select[Any]:
    f = flow_events.c
    source: Any = flow_events
    key: Any
    if group in (ReportGroup.POSTCODE_AREA, ReportGroup.KIND):
        source = source.outerjoin(location_facts, location_facts.c.housing_location_id == f.housing_location_id)
        key = location_facts.c.postcode_area if group is ReportGroup.POSTCODE_AREA else location_facts.c.kind
    elif group is None:
        key = NO_GROUP
    else:
        key = {
            ReportGroup.HOUSING_LOCATION: f.housing_location_id,
            ReportGroup.EMPLOYER: f.employer_id,
            ReportGroup.NATIONALITY: f.nationality,
        }[group]
    index = by_period(f.recorded_at, instants, number, UTCDateTime())
    return (
        select(
            index.label("idx"),
            key.label("group_key"),
            literal("workersRegistered").label("measure"),
            func.count().label("n"),
        )
        .select_from(source)
        .where(f.kind == REGISTERED, f.recorded_at >= instants[0], f.recorded_at < instants[-1])
        .where(f.recorded_at <= asked.as_known_at)
        .group_by(*_grouped(index, key))
    )


def _latest(kind: str, measure: str, group: ReportGroup | None, asked: PeriodQuestion) -> Select[Any]:
    """Each worker's latest event of `kind` recorded by the instant, dated within a period, by where it lived then."""
    f = flow_events.c
    first, last = asked.periods[0].start, asked.periods[-1].end
    latest = (
        select(f.worker_id, func.max(f.seq).label("seq"))
        .where(f.kind == kind, f.recorded_at <= asked.as_known_at)
        .group_by(f.worker_id)
        .subquery("latest")
    )
    events = (
        select(f.worker_id, f.on_day)
        .join(latest, and_(latest.c.worker_id == f.worker_id, latest.c.seq == f.seq))
        .where(f.on_day.between(first, last))
        .subquery("events")
    )
    e = events.c
    source: Any = events
    key: Any = NO_GROUP
    if group is not None:
        s = stays(group, asked.as_known_at, first - timedelta(days=1), last).alias("housed")
        h = s.c
        if kind == CONTRACT_ENDED:  # housed on the contract's last day
            housed = and_(h.valid_from <= e.on_day, or_(h.valid_to.is_(None), h.valid_to > e.on_day))
        else:  # housed on the day before the departure (its stay ends on the departure's day)
            housed = and_(h.valid_from < e.on_day, or_(h.valid_to.is_(None), h.valid_to >= e.on_day))
        source = source.outerjoin(s, and_(h.worker_id == e.worker_id, housed))
        key = h.group_key
    index = by_period(e.on_day, boundaries(asked.periods), number)
    return (
        select(index.label("idx"), key.label("group_key"), literal(measure).label("measure"), func.count().label("n"))
        .select_from(source)
        .group_by(*_grouped(index, key))
    )


def _grouped(index: Any, key: Any) -> list[Any]:
    """Group by the period, and by the key unless there is none (a constant is no column to group by)."""
    return [index] if key is NO_GROUP else [index, key]
