"""Who employs a worker: on a day as known at an instant (for counts), and now (for who may see the worker).

A worker keeps its registration when it moves to another employer
(`ledger.domain.transfer`). The residence view keeps the transfers as a
bitemporal timeline (`employment_history`, rows only for workers transferred
at least once); everywhere else the registering employer holds, which every
residence row names. So the employer of a residence row on D as known at T is
the `employment_history` row valid on D and believed at T, or else the row's own
`employer_id` — one outer join, no row counted twice (a worker's believed
employments never overlap).

Counts per employer use the employer of the day (a worker transferred on 1 June
counts for the old employer in May). Seeing the worker — its name among the
occupants or residents of a location — follows the employer now: after a
transfer the old employer sees nothing of the worker any more, as on
`/workers/{id}` (docs/roles.md).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, CompoundSelect, Connection, FromClause, and_, func, select, union

from ledger.persistence.database import in_chunks
from projections.bitemporal import known_at, valid_on
from projections.residence_tables import employment_history, residence_history, residence_workers


def residence_with_employer(on: date, as_known_at: datetime) -> tuple[FromClause, ColumnElement[Any]]:
    """`residence_history` joined to the employment of day `on` as known at `as_known_at`, and that employer."""
    e, r = employment_history.c, residence_history.c
    joined = residence_history.outerjoin(
        employment_history,
        and_(e.worker_id == r.worker_id, valid_on(employment_history, on), known_at(employment_history, as_known_at)),
    )
    return joined, func.coalesce(e.employer_id, r.employer_id)


def homes_by_employer(
    employers: BindParameter[Any] | Collection[str], on: date, as_known_at: datetime | ColumnElement[Any]
) -> CompoundSelect[Any]:
    """Each (employer among `employers`, hex; a location housing its workers on `on` as known at `as_known_at`), once.

    The employer of the day, as `residence_with_employer` joins it, in two
    parts: a worker never transferred counts for the employer its residence
    rows name, a transferred one for its employment of that day. Each part is
    read through its own table's index by employer, instead of every worker's
    rows joined first and then filtered on the joined employer: a large
    employer's homes are a few of the view's rows, not a scan of all of them.
    `employers` and the moment may be bound parameters.
    """
    r, e = residence_history, employment_history
    transferred = select(e.c.worker_id).where(e.c.worker_id == r.c.worker_id, valid_on(e, on), known_at(e, as_known_at))
    stays = and_(valid_on(r, on), known_at(r, as_known_at))
    own = select(r.c.employer_id, r.c.housing_location_id).where(
        r.c.employer_id.in_(employers), stays, ~transferred.exists()
    )
    taken_over = (
        select(e.c.employer_id, r.c.housing_location_id)
        .select_from(e.join(r, r.c.worker_id == e.c.worker_id))
        .where(e.c.employer_id.in_(employers), valid_on(e, on), known_at(e, as_known_at), stays)
    )
    return union(own, taken_over)  # each pair once


def employers_now(conn: Connection, workers: Collection[str]) -> dict[str, str]:
    """The employer of each of these workers (hex ids) now, as the residence view currently believes."""
    ids = sorted(set(workers))
    found: dict[str, str] = {}
    for chunk in in_chunks(ids):
        w, e = residence_workers.c, employment_history.c
        for worker, employer in conn.execute(select(w.worker_id, w.employer_id).where(w.worker_id.in_(chunk))):
            found[worker] = employer
        # The transferred ones: their employment that is still open, as believed now.
        latest = select(e.worker_id, e.employer_id).where(
            e.worker_id.in_(chunk), e.valid_to.is_(None), e.recorded_to.is_(None)
        )
        for worker, employer in conn.execute(latest):
            found[worker] = employer
    return found
