"""The alerts view's page: what a page of events touches, folded in memory, and the alert intervals it writes.

`open_page` reads, in a few queries, what the page's workers and locations
already have: their facts, housing entries, current stays, limits, the stays
at their locations and their current alert beliefs. Each event then changes
the facts as if it were alone, and the alerts of the subjects it touches are
worked out again over every day (`projections.alert_rules`), stamped with the
event's own recording instant (`BeliefRows`: what is no longer believed is
closed, what is new is added); `write` writes the page with one statement
per table and kind of change. A worker's housing change touches the
locations whose headcount it changes too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Connection, Select, bindparam, delete, select, update

from ledger.crypto.keystore import KeyStore
from ledger.crypto.sealing import SubjectKeys
from ledger.domain.floor_area_norms import norms_for_kind
from ledger.domain.timeline import Timeline
from ledger.domain.values import ADULT_AGE, years_after
from projections.alert_inputs import AlertRules, Entry, LimitEntry, open_minor_until, seal_minor_until, worker_facts
from projections.alert_rules import AlertKind, AlertSpan, location_spans, minor_spans, worker_spans
from projections.alert_tables import (
    alert_housing_entries,
    alert_intervals,
    alert_limit_entries,
    alert_locations,
    alert_stays,
    alert_workers,
)
from projections.brp_alerts import Stay
from projections.housing import OUTSIDE, fold_housing
from projections.occupancy import LocationFacts, LocationHistory, Resident, read_facts
from projections.residence_page import Belief, BeliefRows
from projections.view import insert_rows

# The facts an event after the registration may change.
MUTABLE_FACTS = (
    "employer_id",
    "employer_since",
    "contract_end",
    "departed_on",
    "brp_registered_on",
    "brp_bag_id",
    "brp_address_since",
    "deregistered_on",
    "temporary_protection_from",
    "expected_end_date",
    "confirmed_on",
    "sealed_minor_until",
)
# What a row of `alert_intervals` believes about its subject.
_BELIEF = ("kind", "valid_from", "valid_to", "since", "detail", "housing_location_id", "employer_id")
_MINOR = AlertKind.MINOR_IN_HOUSING.value
# A location's stays as its alerts count them: no employer plays a part.
_NOBODY = UUID(int=0)


class _Beliefs(BeliefRows):
    """The current alert beliefs of the loaded subjects: the minors' apart from the others'.

    A minor's alert is worked out again only when its housing or employer
    changes (its 18th birthday is opened for that), the others on every event.
    """

    def __init__(self, *, minors: bool) -> None:
        super().__init__(alert_intervals, "subject_id", _BELIEF)
        self.minors = minors

    def load(self, conn: Connection, owners: Collection[str]) -> None:
        c = alert_intervals.c
        for chunk in _chunks(sorted(owners)):
            kind = (c.kind == _MINOR) if self.minors else (c.kind != _MINOR)
            rows = conn.execute(
                select(c.row_id, c.subject_id, *(c[name] for name in _BELIEF)).where(
                    c.subject_id.in_(chunk), c.recorded_to.is_(None), kind
                )
            )
            for row_id, owner, *belief in rows:
                self.current[owner][tuple(belief)] = row_id

    def forget(self, owner: str) -> None:
        """Drop every belief of `owner`, stored or of this page, without closing it: its rows are deleted."""
        self.current.pop(owner, None)
        self.inserts = [row for row in self.inserts if row["subject_id"] != owner]


class AlertsPage:
    """What a page of events touches, read in a few queries, and the rows it writes."""

    def __init__(self, conn: Connection, keys: SubjectKeys, store: KeyStore, rules: AlertRules) -> None:
        # `keys`: the page's sealed events' subjects' (looked up by the runner); `store`: for a batch of others.
        self.conn, self.keys, self.store, self.rules = conn, keys, store, rules
        self.facts: dict[str, dict[str, Any]] = {}  # worker -> its `alert_workers` row
        self.registered: list[str] = []
        self.changed: set[str] = set()
        self.entries: dict[str, list[Entry]] = defaultdict(list)
        self.stays: dict[str, list[Stay]] = defaultdict(list)  # worker -> its stays here
        self.outside: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
        self.minor_until: dict[str, date | None] = {}  # worker -> its 18th birthday (opened)
        self.at: dict[str, dict[str, list[Stay]]] = defaultdict(dict)  # location -> worker -> its stays there
        self.locations: dict[str, LocationFacts] = {}
        self.limits: dict[str, list[LimitEntry]] = defaultdict(list)
        self.alerts = _Beliefs(minors=False)
        self.minors = _Beliefs(minors=True)
        self.added: dict[Any, list[dict[str, Any]]] = defaultdict(list)  # rows of the tables only inserted into
        self.restayed: set[str] = set()  # workers whose `alert_stays` rows are written again
        self.shredded: set[str] = set()  # workers whose minor alerts are deleted

    # -- reading ---------------------------------------------------------------------------------

    def load(self, *, workers: set[str], minors: set[str], movers: set[str], locations: set[str]) -> None:
        """Read what the page needs and has not got from its own events.

        The facts, housing entries and alert beliefs of `workers`; the opened
        18th birthdays and minor alerts of the `minors` (whose minor alerts are
        worked out again); the facts, limits, stays and alert beliefs of
        `locations` and of every location in the `movers`' timelines (a
        housing change may change the headcount of any of them).
        """
        for row in self._rows(select(alert_workers), alert_workers.c.worker_id, workers):
            self.facts[row.worker_id] = dict(row._mapping)
        entries = select(alert_housing_entries).order_by(alert_housing_entries.c.seq)
        locations = set(locations)
        for row in self._rows(entries, alert_housing_entries.c.worker_id, workers):
            self.entries[row.worker_id].append(
                Entry(row.seq, row.valid_from, row.housing_location_id, row.is_departure, row.outside_municipality)
            )
            if row.worker_id in movers and row.housing_location_id is not None:
                locations.add(row.housing_location_id)
        for worker in workers:
            self._fold(worker)
        self._open_minor_until(minors)
        for row in self._rows(select(alert_stays), alert_stays.c.housing_location_id, locations):
            self.at[row.housing_location_id].setdefault(row.worker_id, []).append(
                (row.housing_location_id, row.valid_from, row.valid_to)
            )
        for row in self._rows(select(alert_locations), alert_locations.c.housing_location_id, locations):
            self.locations[row.housing_location_id] = read_facts(row)
        limits = select(alert_limit_entries).order_by(alert_limit_entries.c.seq)
        for row in self._rows(limits, alert_limit_entries.c.housing_location_id, locations):
            self.limits[row.housing_location_id].append(LimitEntry(row.seq, row.valid_from, row.max_occupants))
        self.alerts.load(self.conn, workers | locations)
        self.minors.load(self.conn, minors)

    def _rows(self, statement: Select[Any], column: Any, keys: Collection[str]) -> Iterable[Any]:
        for chunk in _chunks(sorted(keys)):
            yield from self.conn.execute(statement.where(column.in_(chunk)))

    def _open_minor_until(self, workers: Collection[str]) -> None:
        """The 18th birthdays of these workers, opened with one key lookup (None: none known, or shredded)."""
        sealed = {w: self.facts[w]["sealed_minor_until"] for w in workers if w in self.facts}
        found = {UUID(w) for w, token in sealed.items() if token is not None}
        data_keys = self.store.data_keys(found)
        for worker, token in sealed.items():
            data_key = data_keys.get(UUID(worker))
            opened = None if token is None or data_key is None else open_minor_until(data_key, worker, token)
            self.minor_until[worker] = opened

    # -- changing --------------------------------------------------------------------------------

    def register(self, worker: str, row: dict[str, Any], born: date | None) -> None:
        """A worker registered in this page: its facts, and its 18th birthday sealed under its key."""
        adult_on = None if born is None else years_after(born, ADULT_AGE)
        data_key = None if adult_on is None else self.keys.data_key(UUID(worker))
        sealed = None if adult_on is None or data_key is None else seal_minor_until(data_key, worker, adult_on)
        self.facts[worker] = {**row, "sealed_minor_until": sealed}
        self.minor_until[worker] = adult_on if sealed is not None else None
        self.registered.append(worker)

    def change(self, worker_id: UUID, **values: Any) -> bool:
        """Change facts of the worker; False if the view does not know it."""
        worker = worker_id.hex
        row = self.facts.get(worker)
        if row is None:
            return False
        row.update(values)
        self.changed.add(worker)
        return True

    def housing_entry(self, worker: str, entry: Entry, recorded: datetime) -> None:
        """One more input of the worker's housing timeline: its stays, and the headcounts they change."""
        self.entries[worker].append(entry)
        self.added[alert_housing_entries].append({"worker_id": worker, **entry._asdict()})
        before = set(self.stays[worker])
        self._fold(worker)
        after = set(self.stays[worker])
        if before == after:
            return
        self.restayed.add(worker)
        for location in sorted({s[0] for s in before ^ after}):
            self.at[location][worker] = [s for s in self.stays[worker] if s[0] == location]
            self.location_changed(location, recorded)

    def _fold(self, worker: str) -> None:
        timeline = fold_housing(self.entries[worker])
        intervals = [(i.value, i.valid_from, i.valid_to) for i in timeline.intervals()]
        self.stays[worker] = [(v, start, end) for v, start, end in intervals if v is not None and v != OUTSIDE]
        self.outside[worker] = [(start, end) for v, start, end in intervals if v == OUTSIDE]

    def location_registered(self, location: str, facts: LocationFacts, row: dict[str, Any]) -> None:
        """A location registered in this page: its facts."""
        self.locations[location] = facts
        self.added[alert_locations].append(row)

    def limit_entry(self, location: str, entry: LimitEntry, recorded: datetime) -> None:
        """One more input of the location's limit timeline."""
        self.limits[location].append(entry)
        self.added[alert_limit_entries].append({"housing_location_id": location, **entry._asdict()})
        self.location_changed(location, recorded)

    def forget_minor(self, worker: str) -> None:
        """A shredded worker: its 18th birthday and every minor alert it had are gone, not closed."""
        self.minors.forget(worker)
        self.shredded.add(worker)
        self.minor_until[worker] = None

    # -- working out the alerts -------------------------------------------------------------------

    def worker_changed(self, worker: str, recorded: datetime, *, minor: bool = False) -> None:
        """Believe the worker's alerts worked out again from `recorded` on (its minor alerts too, if `minor`)."""
        row = self.facts.get(worker)
        if row is None:
            return
        facts = worker_facts(row)
        spans = worker_spans(facts, self.stays[worker], self.rules.terms, self.outside[worker])
        self.alerts.replace(worker, {_belief(s) for s in spans}, recorded, _row(worker))
        if minor:
            adult_on, stays = self.minor_until.get(worker), self.stays[worker]
            found = (
                [] if adult_on is None else minor_spans(facts.worker_id, stays, facts.employer_id, adult_on=adult_on)
            )
            self.minors.replace(worker, {_belief(s) for s in found}, recorded, _row(worker))

    def location_changed(self, location: str, recorded: datetime) -> None:
        """Believe the location's alerts worked out again from `recorded` on (none while it is unknown)."""
        facts, limits = self.locations.get(location), self.limits.get(location)
        spans: list[AlertSpan] = []
        if facts is not None and limits:
            timeline: Timeline[int | None] = Timeline()
            for seq, start, maximum in limits:
                timeline.record(start, maximum, seq)
            history = LocationHistory(
                # Only the days count: whose stay it is plays no part in a location's alerts.
                stays=tuple(
                    Resident(_NOBODY, start, end, _NOBODY)
                    for _, stays in sorted(self.at[location].items())
                    for _, start, end in stays
                ),
                limits=tuple((i.valid_from, i.valid_to, i.value) for i in timeline.intervals()),
                facts=facts,
                norms=norms_for_kind(self.rules.norms, facts.kind),
            )
            registered_on = facts.registered_at.astimezone(self.rules.zone).date()
            spans = location_spans(UUID(location), history, registered_on=registered_on)
        self.alerts.replace(location, {_belief(s) for s in spans}, recorded, _row(location))

    # -- writing ---------------------------------------------------------------------------------

    def write(self) -> None:
        """Write the page: one statement per table and kind of change."""
        conn = self.conn
        if self.registered:
            insert_rows(conn, alert_workers, [self.facts[w] for w in self.registered])
        updates = [
            {"b_worker_id": w, **{c: self.facts[w][c] for c in MUTABLE_FACTS}}
            for w in sorted(self.changed - set(self.registered))
        ]
        if updates:
            conn.execute(update(alert_workers).where(alert_workers.c.worker_id == bindparam("b_worker_id")), updates)
        for table, rows in self.added.items():
            insert_rows(conn, table, rows)
        for chunk in _chunks(sorted(self.restayed - set(self.registered))):  # a new worker has none stored
            conn.execute(delete(alert_stays).where(alert_stays.c.worker_id.in_(chunk)))
        stays = [
            {"worker_id": w, "housing_location_id": loc, "valid_from": start, "valid_to": end}
            for w in sorted(self.restayed)
            for loc, start, end in self.stays[w]
        ]
        insert_rows(conn, alert_stays, stays)
        self.alerts.write(conn)
        self.minors.write(conn)
        i = alert_intervals.c
        for chunk in _chunks(sorted(self.shredded)):
            conn.execute(delete(alert_intervals).where(i.subject_id.in_(chunk), i.kind == _MINOR))


def _belief(span: AlertSpan) -> Belief:
    location = None if span.housing_location_id is None else span.housing_location_id.hex
    employer = None if span.employer_id is None else span.employer_id.hex
    # A row's belief: what `_BELIEF` names, in that order (the valid_from second, as `BeliefRows` sorts by it).
    return cast(Belief, (span.kind.value, span.valid_from, span.valid_to, span.since, span.detail, location, employer))


def _row(subject: str) -> Any:
    def row(belief: Belief) -> dict[str, Any]:
        return {"subject_id": subject, **dict(zip(_BELIEF, belief, strict=True))}

    return row


def _chunks(keys: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(keys), 500):
        yield keys[start : start + 500]
