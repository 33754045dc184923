"""Alerts and alert spans: what the rules raise on a day, and the interval of days over which they raise it.

An `Alert` is what `GET /alerts` shows: a kind, a subject, since when, a
detail without personal data, and the location and employer it concerns. An
`AlertSpan` is the same alert over every day it holds, [valid_from, valid_to):
the rules (`projections.alert_rules`, `projections.location_alert_rules`,
`projections.brp_alerts`) work them out from a subject's facts once, and the
alerts view keeps them (docs/alerts.md). Two parts of a span may depend on the
day asked, and are worked out when it is read (`alert_on`): `since` None
means the day asked itself, `detail` None the days housed in the 6 months
before it (`projections.brp_alerts.four_months_detail`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

from projections.brp_alerts import Stay, four_months_detail


class AlertKind(StrEnum):
    """The kinds of alert (the API's `kind`)."""

    OVER_CAPACITY = "over_capacity"
    FLOOR_AREA_BELOW_NORM = "floor_area_below_norm"
    LIMIT_NOT_ASSESSED = "limit_not_assessed"
    NO_HOUSING = "no_housing"
    HOUSED_AFTER_CONTRACT_END = "housed_after_contract_end"
    NO_BRP_AFTER_FOUR_MONTHS = "no_brp_after_four_months"
    NO_BRP_AFTER_ARRIVAL = "no_brp_after_arrival"
    BRP_ADDRESS_DIFFERS = "brp_address_differs"
    DEREGISTERED_WHILE_HOUSED = "deregistered_while_housed"
    MINOR_IN_HOUSING = "minor_in_housing"
    STALE_REGISTRATION = "stale_registration"


# The kinds whose subject is a housing location; every other alert is about a worker (a person).
LOCATION_KINDS = frozenset({AlertKind.OVER_CAPACITY, AlertKind.FLOOR_AREA_BELOW_NORM, AlertKind.LIMIT_NOT_ASSESSED})


@dataclass(frozen=True)
class Alert:
    """One warning: what, about whom or what, since when, and a detail without personal data."""

    kind: AlertKind
    subject_id: UUID
    since: date
    detail: str
    housing_location_id: UUID | None = None
    employer_id: UUID | None = None


@dataclass(frozen=True)
class AlertSpan:
    """An alert over the days [valid_from, valid_to) (valid_to None: open) on which it holds alike.

    `until`, when set, ends the span too, on a day that must not be stored in
    the clear (a minor's 18th birthday gives the birth date): the view keeps it
    sealed, apart from the span.
    """

    kind: AlertKind
    subject_id: UUID
    valid_from: date
    valid_to: date | None
    since: date | None  # None: the day asked (docs/alerts.md, `limit_not_assessed`)
    detail: str | None  # None: counted on the day asked (`no_brp_after_four_months`)
    housing_location_id: UUID | None = None
    employer_id: UUID | None = None
    until: date | None = None

    def holds_on(self, day: date) -> bool:
        """Whether the alert is in force on `day`."""
        return (
            self.valid_from <= day
            and (self.valid_to is None or day < self.valid_to)
            and (self.until is None or day < self.until)
        )

    def alert_on(self, day: date, stays: Sequence[Stay] = ()) -> Alert:
        """The alert as read on `day` (a day it holds); `stays` are the worker's, for a detail counted that day."""
        return Alert(
            self.kind,
            self.subject_id,
            day if self.since is None else self.since,
            four_months_detail(stays, day) if self.detail is None else self.detail,
            housing_location_id=self.housing_location_id,
            employer_id=self.employer_id,
        )


def located(span: AlertSpan, stays: Sequence[Stay]) -> Iterator[AlertSpan]:
    """`span` cut where the worker's housing changes, each part naming the location of its days (None: none)."""
    cuts = sorted({d for _, start, end in stays for d in (start, end) if d is not None and _inside(span, d)})
    starts = [span.valid_from, *cuts]
    for start, end in zip(starts, [*cuts, span.valid_to], strict=True):
        here = next((s for s in stays if s[1] <= start and (s[2] is None or start < s[2])), None)
        yield replace(
            span, valid_from=start, valid_to=end, housing_location_id=location_uuid(here[0]) if here else None
        )


@functools.lru_cache(maxsize=65_536)
def location_uuid(hex_id: str) -> UUID:
    """A location's id from its hex (the same few locations, again and again: parsed once)."""
    return UUID(hex_id)


def _inside(span: AlertSpan, day: date) -> bool:
    return span.valid_from < day and (span.valid_to is None or day < span.valid_to)


def joined(spans: Sequence[AlertSpan]) -> list[AlertSpan]:
    """The spans with every two that meet and say the same joined into one: one row per alert and run."""
    found: list[AlertSpan] = []
    for span in spans:
        last = found[-1] if found else None
        if (
            last is not None
            and last.valid_to == span.valid_from
            and replace(last, valid_to=None) == replace(span, valid_from=last.valid_from, valid_to=None)
        ):
            found[-1] = replace(last, valid_to=span.valid_to)
        else:
            found.append(span)
    return found
