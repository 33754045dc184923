"""Valid-time timelines: what holds from which date on; and the housing timeline of a worker.

A fact recorded "from `valid_from` on" holds until the next later `valid_from`
of the same timeline; of two entries with the same `valid_from`, the one
recorded later wins (docs/time.md). Worker housing and the
occupancy limit of a housing location both follow this rule. A worker's
housing adds its departures (`housing_timeline`): the one home of that rule,
for the aggregate, every view, the demo and the benchmark.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from dateutil.relativedelta import relativedelta

T = TypeVar("T")
V = TypeVar("V")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One recorded fact: `value` from `valid_from` on; `seq` orders recordings."""

    valid_from: date
    value: T
    seq: int


@dataclass(frozen=True)
class Interval(Generic[T]):
    """A half-open interval [valid_from, valid_to); `valid_to` None = still open."""

    valid_from: date
    valid_to: date | None
    value: T


class Timeline(Generic[T]):
    """The entries of one timeline, in recording order."""

    def __init__(self) -> None:
        self._entries: list[Entry[T]] = []

    def record(self, valid_from: date, value: T, seq: int) -> None:
        """Record that `value` holds from `valid_from` on (seq = recording order)."""
        self._entries.append(Entry(valid_from, value, seq))

    def with_entry(self, valid_from: date, value: T, seq: int) -> Timeline[T]:
        """A copy of this timeline with one more entry."""
        copy: Timeline[T] = Timeline()
        copy._entries = [*self._entries, Entry(valid_from, value, seq)]
        return copy

    def __bool__(self) -> bool:
        return bool(self._entries)

    def _effective(self) -> list[Entry[T]]:
        """The winning entry per `valid_from`, in valid-time order."""
        winners: dict[date, Entry[T]] = {}
        for entry in self._entries:
            current = winners.get(entry.valid_from)
            if current is None or entry.seq > current.seq:
                winners[entry.valid_from] = entry
        return [winners[d] for d in sorted(winners)]

    def value_on(self, day: date, default: T) -> T:
        """What holds on `day`; `default` before the first entry."""
        value = default
        for entry in self._effective():
            if entry.valid_from > day:
                break
            value = entry.value
        return value

    def intervals(self) -> list[Interval[T]]:
        """Consecutive half-open intervals, adjacent equal values merged."""
        result: list[Interval[T]] = []
        for entry in self._effective():
            if result and result[-1].value == entry.value:
                continue
            if result:
                last = result[-1]
                result[-1] = Interval(last.valid_from, entry.valid_from, last.value)
            result.append(Interval(entry.valid_from, None, entry.value))
        return result


@dataclass(frozen=True)
class Move(Generic[V]):
    """One recorded input of a worker's housing: where it lives from `valid_from` on, or its departure that day.

    `seq` orders the recordings (the aggregate's version). `housing` is the
    place (None: nowhere here); a departure names none.
    """

    valid_from: date
    seq: int
    housing: V | None = None
    departure: bool = False


def housing_timeline(moves: Iterable[Move[V]]) -> Timeline[V | None]:
    """Where a worker lives over time, folded from its moves in any order (docs/time.md).

    A housing change holds from its date until the next later one, the later
    recorded wins on the same date; only the latest departure recorded counts
    (a later one corrects an earlier one) and ends housing from its date; a
    housing change dated after the departure (a return) counts from its own date.
    """
    timeline: Timeline[V | None] = Timeline()
    departure: Move[V] | None = None
    for move in moves:
        if not move.departure:
            timeline.record(move.valid_from, move.housing, move.seq)
        elif departure is None or move.seq > departure.seq:
            departure = move
    if departure is None:
        return timeline
    return timeline.with_entry(departure.valid_from, None, departure.seq)


def months_after(day: date, months: int) -> date:
    """The same day `months` calendar months on (or back), or that month's last day (31 January + 1 = 28/29 February).

    The one month rule of the ledger: stale registrations, legal holds' review dates
    and retention periods all count calendar months with it.
    """
    return day + relativedelta(months=months)
