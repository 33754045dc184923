"""The alerts about a housing location as pure functions: its history in, its alerts over every day out.

Over capacity, the limit not assessed, the floor area below its norm
(docs/alerts.md gives each rule's source). A location's headcount and
permitted maximum only change where a stay or a limit begins or ends, or
another floor-area norm applies (`LocationHistory.segments`): each rule is
read once per such run of days, and `since` is the first day of the unbroken
run of days on which the rule holds. `location_alerts` reads the spans on one
day: what the location's own answer shows as its open alerts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from ledger.domain.housing_location import LimitBasis
from projections.alert_spans import Alert, AlertKind, AlertSpan, joined
from projections.occupancy import LocationHistory, Segment, not_assessed, over_capacity

Rule = Callable[[Segment], bool]  # whether an alert holds on a segment's days
Describe = Callable[[Segment], str]  # its detail on them


def location_alerts(location: UUID, history: LocationHistory, today: date, *, registered_on: date) -> list[Alert]:
    """Over capacity, the limit not assessed, the floor area below its norm: what holds today at `location`.

    `registered_on` is the day (in the municipality) the ledger learned of the location.
    """
    spans = location_spans(location, history, registered_on=registered_on)
    return [span.alert_on(today) for span in spans if span.holds_on(today)]


def location_spans(location: UUID, history: LocationHistory, *, registered_on: date) -> list[AlertSpan]:
    """The alerts about `location` over every day, in the order over capacity, not assessed, below the norm."""
    segments = history.segments()
    found = _runs(location, AlertKind.OVER_CAPACITY, segments, _over_capacity, lambda s: _over_detail(history, s))
    not_assessed_detail = _not_assessed_detail(history)
    for span in _runs(location, AlertKind.LIMIT_NOT_ASSESSED, segments, _not_assessed, lambda _s: not_assessed_detail):
        found += _from_registration(span, registered_on)
    floor_area = history.facts.floor_area_m2
    if floor_area is not None:

        def below_norm(segment: Segment) -> bool:
            # The norm of the location's kind that day (a caravan site's is not a dwelling's).
            norm, headcount = segment.norm, segment.headcount
            return headcount > 0 and norm is not None and floor_area / headcount < norm

        def below_detail(segment: Segment) -> str:
            per_person = floor_area / segment.headcount
            return f"{per_person:.1f} m² per person, norm {segment.norm:g} m²"

        found += _runs(location, AlertKind.FLOOR_AREA_BELOW_NORM, segments, below_norm, below_detail)
    return found


def _over_capacity(segment: Segment) -> bool:
    return over_capacity(segment.start, segment.headcount, segment.maximum)


def _not_assessed(segment: Segment) -> bool:
    return not_assessed(segment.start, segment.headcount, segment.maximum)


def _runs(location: UUID, kind: AlertKind, segments: list[Segment], holds: Rule, detail: Describe) -> list[AlertSpan]:
    """The segments on which `holds` holds, each since the first day of its unbroken run, alike ones joined."""
    found: list[AlertSpan] = []
    since: date | None = None
    for segment in segments:
        if not holds(segment):
            since = None
            continue
        since = since or segment.start
        found.append(
            AlertSpan(kind, location, segment.start, segment.end, since, detail(segment), housing_location_id=location)
        )
    return joined(found)


def _over_detail(history: LocationHistory, segment: Segment) -> str:
    detail = f"{segment.headcount} occupants, {segment.maximum} permitted"
    if segment.basis == LimitBasis.FLOOR_AREA_NORM:
        detail += (
            f" (no limit set by the municipality: {history.facts.floor_area_m2} m² at {segment.norm:g} m² a person)"
        )
    return detail


def _not_assessed_detail(history: LocationHistory) -> str:
    facts = history.facts
    if facts.floor_area_m2 is None:
        detail = "no limit set by the municipality and no floor area to derive one from"
    else:  # the settings hold no norm for this kind of location (docs/occupancy.md)
        detail = f"no limit set by the municipality and no floor-area norm for a {facts.kind}"
    if facts.proposed_max_occupants is not None:
        detail += f"; the registrant proposed {facts.proposed_max_occupants}"
    return detail


def _from_registration(span: AlertSpan, registered_on: date) -> list[AlertSpan]:
    """`limit_not_assessed` is not since a day before the location was registered.

    Unknown from the beginning of time, typically: since the day the ledger
    learned of the location, then; and on a day asked before that, since that
    day itself (`since` None), whatever clock recorded the registration.
    """
    assert span.since is not None
    parts = []
    if span.valid_from < registered_on:
        end = registered_on if span.valid_to is None else min(span.valid_to, registered_on)
        parts.append(_with(span, span.valid_from, end, None))
    if span.valid_to is None or span.valid_to > registered_on:
        parts.append(_with(span, max(span.valid_from, registered_on), span.valid_to, max(span.since, registered_on)))
    return parts


def _with(span: AlertSpan, start: date, end: date | None, since: date | None) -> AlertSpan:
    return AlertSpan(
        span.kind, span.subject_id, start, end, since, span.detail, housing_location_id=span.housing_location_id
    )
