"""`by_period` puts a day in its one period, in SQL, on both backends: as `bisect` does in Python.

The reports put each stay's beginning and end in its period with it instead
of joining every stay to every period (docs/reports.md, *Speed*); a wrong
branch of its nested `CASE`s would move a change into the next period.
"""

from __future__ import annotations

import bisect
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import Date, Integer, column, select, values

from ledger.application.service import Ledger
from ledger.persistence.database import reading
from projections.reports.periods import Interval, periods
from projections.reports.sql import boundaries, by_period, number


@pytest.mark.parametrize("interval", list(Interval))
def test_each_day_lands_in_the_period_that_holds_it(ledger: Ledger, interval: Interval) -> None:
    rng = random.Random(f"lookup-{interval}")
    first = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
    asked = periods(first, first + timedelta(days=rng.randrange(1, 390)), interval)
    bounds = boundaries(asked)
    # Days before, on and after every boundary, and some at random (seeded), around and beyond the span.
    days = [b + timedelta(days=d) for b in bounds for d in (-1, 0, 1)]
    days += [first + timedelta(days=rng.randrange(-30, 430)) for _ in range(60)]
    asked_days = values(column("n", Integer), column("day", Date), name="days").data(list(enumerate(days))).cte("days")
    d = asked_days.c
    with reading(ledger.database.engine) as conn:
        got = [index for _, index in conn.execute(select(d.n, by_period(d.day, bounds, number)).order_by(d.n))]
    assert got == [bisect.bisect_right(bounds, day) - 1 for day in days]
