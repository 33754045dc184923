"""The labels of a report's groups: an employer's name, a location's address (codes have none).

A report grouped by location or employer labels its rows as it makes them,
from the directory view (`projections.labels`, one query per page of ids):
a table by location has a row per location and period, some 200 000 a year
by month at 100 000 workers, and labelling them afterwards made every row a
second time (docs/reports.md, *Speed*).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import Engine

from projections.labels import read_labels
from projections.reports.table import ReportGroup


def group_labels(engine: Engine, group_by: ReportGroup | None, keys: Iterable[str]) -> dict[str, str | None]:
    """Each key's label when the groups are locations or employers (None: not in the directory); else none."""
    if group_by not in (ReportGroup.HOUSING_LOCATION, ReportGroup.EMPLOYER):
        return {}
    ids = [UUID(key) for key in keys]
    found = read_labels(engine, **{"locations" if group_by is ReportGroup.HOUSING_LOCATION else "employers": ids})
    names = {**found.employers, **found.locations}
    return {key.hex: names.get(key) for key in ids}
