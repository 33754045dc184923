"""An employer's workers counted by their status on a day, from sums the register keeps per employer and day.

The register calls a worker active on D unless it is shredded, departed on or
before D and not housed on D (a housing change after the departure is a
return), or its contract ended on or before D (`projections.register`). So a
worker is active over a few spans of days: from the beginning until the
departure or the contract's end, and then while housed again before the
contract's end. The register keeps, per employer (the one now) and day, how
many of its workers' spans start there minus how many end there, and how many
workers it has (all counted on the first day): the active workers on D are the
sum up to D, the total the sum of all — one indexed sum over the employer's
days, whatever its number of workers, where counting its workers' rows took a
scan of the register on every request (issue 18, "Speed").

The register's page (`projections.register_page`) takes each changed worker's
spans out as they were and puts them in as they are; sums that come to nothing
are deleted, so the rows are the same however the events were paged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import Connection, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from ledger.persistence.database import in_chunks
from projections.register_tables import MAX_PAGE, register_employer_days, register_housing
from projections.residence import BEGINNING

Span = tuple[date, date | None]  # [from, to); to None: from then on


class StatusFacts(NamedTuple):
    """What a worker's status depends on, besides where it is housed: a register row's columns."""

    employer_id: str
    shredded: bool
    contract_end: date | None
    departed_on: date | None

    @classmethod
    def of(cls, row: Mapping[str, object]) -> StatusFacts:
        """The facts of a register row (as the page holds it)."""
        return cls(
            str(row["employer_id"]),
            bool(row["shredded"]),
            row["contract_end"],  # type: ignore[arg-type]
            row["departed_on"],  # type: ignore[arg-type]
        )


def active_spans(facts: StatusFacts, housed: Sequence[Span]) -> list[Span]:
    """The days the register calls the worker active, as disjoint spans; `housed`: its housing intervals."""
    if facts.shredded:
        return []
    end, departed = facts.contract_end, facts.departed_on
    if departed is None or (end is not None and departed >= end):
        return [(BEGINNING, end)]
    spans: list[Span] = [(BEGINNING, departed)] if departed > BEGINNING else []
    for start, stop in housed:  # housed again after the departure, until the contract's end
        first = max(start, departed)
        last = end if stop is None else stop if end is None else min(stop, end)
        if last is None or first < last:
            spans.append((first, last))
    return spans


class DaySums:
    """The changes a page makes to the per-employer, per-day sums."""

    def __init__(self) -> None:
        self.changes: defaultdict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])

    def count(self, facts: StatusFacts, housed: Sequence[Span], sign: int) -> None:
        """Add a worker's spans and the worker itself (`sign` 1), or take them out (-1)."""
        employer = facts.employer_id
        self.changes[employer, BEGINNING][1] += sign
        for start, stop in active_spans(facts, housed):
            self.changes[employer, start][0] += sign
            if stop is not None:
                self.changes[employer, stop][0] -= sign

    def write(self, conn: Connection) -> None:
        """Add the changes to the stored sums (one statement), then drop the sums that came to nothing."""
        rows = [
            {"employer_id": employer, "day": day, "active": active, "workers": workers}
            for (employer, day), (active, workers) in sorted(self.changes.items())
            if active or workers
        ]
        if not rows:
            return
        table = register_employer_days
        insert = postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)
        added = {
            "active": table.c.active + insert.excluded.active,
            "workers": table.c.workers + insert.excluded.workers,
        }
        conn.execute(insert.on_conflict_do_update(index_elements=list(table.primary_key), set_=added), rows)
        employers = sorted({employer for employer, _ in self.changes})
        for chunk in in_chunks(employers, MAX_PAGE):
            nothing = (table.c.active == 0) & (table.c.workers == 0)
            conn.execute(delete(table).where(table.c.employer_id.in_(chunk), nothing))


def recount(
    conn: Connection,
    before: Mapping[str, StatusFacts],
    after: Mapping[str, StatusFacts],
    housed_now: Mapping[str, list[Span]],
) -> None:
    """Move the sums from each worker's status as stored (`before`) to its status now (`after`).

    `before` has the workers the register held before the page; `housed_now`
    the housing intervals of those whose housing the page folded again. The
    housing intervals of the others are read from the register as stored,
    before the page writes its own.
    """
    moved = [w for w in sorted(after) if w in housed_now or before.get(w) != after[w]]
    stored = _stored_housing(conn, [w for w in moved if w in before])
    sums = DaySums()
    for worker in moved:
        if worker in before:
            sums.count(before[worker], stored.get(worker, []), -1)
        sums.count(after[worker], housed_now.get(worker, stored.get(worker, [])), 1)
    sums.write(conn)


def _stored_housing(conn: Connection, workers: Collection[str]) -> dict[str, list[Span]]:
    found: defaultdict[str, list[Span]] = defaultdict(list)
    h = register_housing.c
    for chunk in in_chunks(sorted(workers), MAX_PAGE):
        for worker, start, stop in conn.execute(
            select(h.worker_id, h.valid_from, h.valid_to).where(h.worker_id.in_(chunk))
        ):
            found[worker].append((start, stop))
    return found


def employer_counts(conn: Connection, employer_ids: Sequence[str], on: date) -> dict[str, tuple[int, int]]:
    """Active workers on `on` and all workers of each of these employers (hex ids) that has any."""
    d = register_employer_days.c
    active = func.sum(case((d.day <= on, d.active), else_=0))
    found: dict[str, tuple[int, int]] = {}
    for chunk in in_chunks(sorted(set(employer_ids))):
        statement = select(d.employer_id, active, func.sum(d.workers)).where(d.employer_id.in_(chunk))
        for employer, active_on, workers in conn.execute(statement.group_by(d.employer_id)):
            found[employer] = (int(active_on or 0), int(workers or 0))
    return found
