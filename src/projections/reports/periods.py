"""The periods of a report: calendar days, ISO weeks, months, quarters or years, clipped to [from, to].

A report from 10 March to 30 June by month has the periods 10 to 31 March,
April, May and June: periods follow the calendar, and the first and last are
cut to the days asked (both inclusive), so a total over the periods is a
total over exactly [from, to]. A week is the ISO 8601 week, Monday to Sunday
(ISO 8601-1:2019 § 3.2.2; Python's `date.isocalendar`), as the CBS and the
municipality count weeks.

A report has at most `MAX_PERIODS` periods: a year by day (366) fits, and no
table a person reads has more columns of time than that; a longer span is
asked with a longer interval. Beyond it the request is refused (400 naming
`to`) rather than answered slowly or cut short in silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from ledger.errors import RuleViolated

MAX_PERIODS = 400


class Interval(StrEnum):
    """How long each period of a report is (the API's `interval`)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, order=True)
class Period:
    """The days `start` to `end`, both inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days + 1


def calendar_start(day: date, interval: Interval) -> date:
    """The first day of the calendar period of `interval` that holds `day` (a Monday for a week)."""
    if interval is Interval.DAY:
        return day
    if interval is Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval is Interval.MONTH:
        return day.replace(day=1)
    if interval is Interval.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


_LENGTH = {
    Interval.DAY: relativedelta(days=1),
    Interval.WEEK: relativedelta(weeks=1),
    Interval.MONTH: relativedelta(months=1),
    Interval.QUARTER: relativedelta(months=3),
    Interval.YEAR: relativedelta(years=1),
}


def count_periods(first: date, last: date, interval: Interval) -> int:
    """How many periods [first, last] has by `interval` (0 when `last` is before `first`), without listing them."""
    if last < first:
        return 0
    start, end = calendar_start(first, interval), calendar_start(last, interval)
    if interval is Interval.DAY:
        return (end - start).days + 1
    if interval is Interval.WEEK:
        return (end - start).days // 7 + 1
    months = (end.year - start.year) * 12 + end.month - start.month
    return months // {Interval.MONTH: 1, Interval.QUARTER: 3, Interval.YEAR: 12}[interval] + 1


def periods(first: date, last: date, interval: Interval) -> list[Period]:
    """The calendar periods of `interval` from `first` to `last` (inclusive), the first and last clipped.

    400 naming `to` when `last` is before `first`, or when there would be more
    than `MAX_PERIODS` periods.
    """
    check_span(first, last, interval)
    found: list[Period] = []
    start = calendar_start(first, interval)
    while start <= last:
        following = start + _LENGTH[interval]
        found.append(Period(max(start, first), min(following - timedelta(days=1), last)))
        start = following
    return found


def check_span(first: date, last: date, interval: Interval) -> None:
    """Refuse (400 naming `to`) a span that ends before it starts or has more than `MAX_PERIODS` periods."""
    if last < first:
        raise RuleViolated.single("to", "before_from", "`to` must not be before `from`")
    if (count := count_periods(first, last, interval)) > MAX_PERIODS:
        raise RuleViolated.single(
            "to",
            "too_many_periods",
            f"from `from` to `to` by {interval.value} is {count} periods; a report has at most {MAX_PERIODS}: "
            "ask a shorter span or a longer interval",
        )
