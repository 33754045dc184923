"""The labels of a report's groups: an employer's name, a location's address (codes have none).

A report grouped by location or employer labels its rows as it makes them,
from the directory view (a table by location has a row per location and
period, some 200 000 a year by month at 100 000 workers; labelling them
afterwards made every row a second time: docs/reports.md, *Speed*). A report
by location names most locations there are, so with more keys than an IN list
holds the directory is read whole (one scan) instead of in pages of ids; the
keys are the views' own (hex), looked up as they are, without a `UUID` each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, select

from ledger.persistence.database import IN_LIST_SIZE, in_chunks, reading
from projections.directory import directory_employers, directory_locations
from projections.labels import address_line
from projections.reports.table import ReportGroup


def group_labels(engine: Engine, group_by: ReportGroup | None, keys: Iterable[str]) -> dict[str, str | None]:
    """Each key's label when the groups are locations or employers (None: not in the directory); else none."""
    if group_by not in (ReportGroup.HOUSING_LOCATION, ReportGroup.EMPLOYER):
        return {}
    wanted = sorted(set(keys))
    labels: dict[str, str | None] = dict.fromkeys(wanted)
    if group_by is ReportGroup.EMPLOYER:
        e = directory_employers.c
        statement: Select[Any] = select(e.employer_id, e.name)
        key = e.employer_id
    else:
        loc = directory_locations.c
        statement = select(
            loc.housing_location_id,
            loc.street,
            loc.house_number,
            loc.house_letter,
            loc.house_number_addition,
            loc.postcode,
            loc.city,
        )
        key = loc.housing_location_id
    with reading(engine) as conn:
        for found in _found(conn, statement, key, wanted):
            if found[0] in labels:
                labels[found[0]] = found[1] if group_by is ReportGroup.EMPLOYER else address_line(*found[1:])
    return labels


def _found(conn: Connection, statement: Select[Any], key: Any, wanted: list[str]) -> Iterator[Any]:
    if len(wanted) > IN_LIST_SIZE:
        yield from conn.execute(statement)
        return
    # An expanding parameter: one placeholder per id, without a SQL literal made for each.
    chosen = statement.where(key.in_(bindparam("keys", expanding=True)))
    for chunk in in_chunks(wanted):
        yield from conn.execute(chosen, {"keys": list(chunk)})
