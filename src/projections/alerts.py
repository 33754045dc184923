"""Alerts: the automatic warnings the municipality asked for.

Every alert depends on today's date, so all of them are evaluated at query
time from the current belief (nothing is stored that could go stale before a
scheduler runs): the projection here only keeps the few employment facts the
worker alerts need; housing and occupancy come from the residence projection.
It folds a page of events in memory (the facts of the page's workers, loaded
in one query) and writes them with one statement per kind of change; it reads
no personal field, so the runner does not open them for it.
Thresholds are settings; `docs/alerts.md` says where each rule comes from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Connection, Date, Engine, MetaData, String, Table, bindparam, select, update

from ledger.database import reading
from ledger.domain.floor_area_norms import floor_area_norm_on
from ledger.domain.housing_location import LimitBasis
from ledger.domain.staleness import stale_registration
from ledger.domain.transfer import employer_after
from ledger.domain.values import ADULT_AGE, PopulationRegister, years_after
from ledger.domain.worker import Worker
from ledger.keystore import KeyStore
from ledger.sealing import SubjectKeys
from ledger.settings import Settings
from projections.brp_alerts import BrpFacts, BrpThresholds, Stay, brp_alerts
from projections.occupancy import (
    LocationHistory,
    location_history,
    not_assessed,
    over_capacity,
    read_facts,
)
from projections.projection import LedgerProjection, handles
from projections.register_queries import lived_outside, opened_birth_dates
from projections.residence import location_facts, residence_history
from projections.storable import storable
from projections.view import View, insert_rows

metadata = MetaData()

alert_workers = Table(
    "alert_workers",
    metadata,
    Column("worker_id", String(32), primary_key=True),
    Column("employer_id", String(32), nullable=False),  # the employer in force now (after any transfer)
    Column("employer_since", Date, nullable=True),  # the date of the transfer to it; null: the registering one
    Column("employment_start", Date, nullable=False),
    Column("expected_end_date", Date, nullable=True),
    Column("contract_end", Date, nullable=True),
    Column("departed_on", Date, nullable=True),
    Column("confirmed_on", Date, nullable=True),  # the employer's latest confirmation (the database has it last)
    Column("brp_registered_on", Date, nullable=True),
    # The BRP facts of `projections.brp_alerts.BrpFacts` (issue 16): the latest registration's BRP address,
    # the latest deregistration (cleared by a registration recorded after it), temporary protection.
    Column("brp_bag_id", String(16), nullable=True),
    Column("brp_address_since", Date, nullable=True),
    Column("deregistered_on", Date, nullable=True),
    Column("temporary_protection_from", Date, nullable=True),
)


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


@dataclass(frozen=True)
class Alert:
    """One warning: what, about whom or what, since when, and a detail without personal data."""

    kind: AlertKind
    subject_id: UUID
    since: date
    detail: str
    housing_location_id: UUID | None = None
    employer_id: UUID | None = None


class AlertFactsView(View):
    """The employment facts of each worker that the worker alerts need."""

    name = "alerts"
    tables = (alert_workers,)


# The facts an event after the registration may change.
_MUTABLE_COLUMNS = (
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
)
# The BRP address and deregistration facts: the latest population-register event recorded sets them all.
_NO_BRP_ADDRESS: dict[str, Any] = {"brp_bag_id": None, "brp_address_since": None, "deregistered_on": None}
# An IN list of at most this many ids stays within SQLite's limit on parameters.
_IN_LIST = 1000


@dataclass
class AlertFactsPage:
    """The facts of a page's workers (loaded, or registered in the page), changed in memory until `write`."""

    conn: Connection
    rows: dict[str, dict[str, Any]]
    registered: list[str] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)

    def change(self, worker_id: UUID, **values: date | str | None) -> None:
        """Change facts of the worker (nothing if the view does not know it)."""
        worker = worker_id.hex
        row = self.rows.get(worker)
        if row is not None:
            row.update(values)
            self.changed.add(worker)

    def write(self) -> None:
        """Insert the workers registered in the page, then update the others that changed, a statement each."""
        if self.registered:
            insert_rows(self.conn, alert_workers, [self.rows[w] for w in self.registered])
        new = set(self.registered)
        updates = [
            {"b_worker_id": w, **{c: self.rows[w][c] for c in _MUTABLE_COLUMNS}} for w in sorted(self.changed - new)
        ]
        if updates:
            key = alert_workers.c.worker_id == bindparam("b_worker_id")
            self.conn.execute(update(alert_workers).where(key), updates)


class AlertFactsProjection(LedgerProjection[AlertFactsView]):
    """Keeps employment dates, departures and BRP registrations per worker, a page at a time."""

    name = "alerts"
    # No personal field is read here: the runner leaves them sealed and looks up no keys.
    opens_personal_data: ClassVar[bool] = False

    def open_page(self, conn: Connection, events: Sequence[Any], keys: SubjectKeys | None) -> AlertFactsPage:
        """Load the facts of the workers the page's events touch (those it registers have none yet)."""
        registered = {e.originator_id.hex for e in events if isinstance(e, Worker.Registered)}
        known = sorted({e.originator_id.hex for e in events if type(e) in self.handlers} - registered)
        rows: dict[str, dict[str, Any]] = {}
        for i in range(0, len(known), _IN_LIST):
            chunk = known[i : i + _IN_LIST]
            for row in conn.execute(select(alert_workers).where(alert_workers.c.worker_id.in_(chunk))):
                rows[row.worker_id] = dict(row._mapping)
        return AlertFactsPage(conn, rows)

    def close_page(self, page: AlertFactsPage) -> None:
        """Write what the page's events changed."""
        page.write()

    @handles(Worker.Registered)
    def registered(self, page: AlertFactsPage, event: Worker.Registered, position: int) -> None:
        worker = event.originator_id.hex
        page.rows[worker] = {
            "worker_id": worker,
            "employer_id": event.employer_id.hex,
            "employer_since": None,
            "employment_start": event.employment_start,
            "expected_end_date": event.expected_end_date,
            "contract_end": None,
            "departed_on": None,
            "brp_registered_on": None,
            "confirmed_on": None,
            **_NO_BRP_ADDRESS,
            "temporary_protection_from": None,
        }
        page.registered.append(worker)

    @handles(Worker.EmployerChanged)
    def employer_changed(self, page: AlertFactsPage, event: Worker.EmployerChanged, position: int) -> None:
        # An alert carries the employer of today, the one in force now (ledger.domain.transfer).
        row = page.rows.get(event.originator_id.hex)
        if row is not None and employer_after(row["employer_since"] or date.min, event.valid_from):
            page.change(event.originator_id, employer_id=event.employer_id.hex, employer_since=event.valid_from)

    @handles(Worker.ContractEnded)
    def contract_ended(self, page: AlertFactsPage, event: Worker.ContractEnded, position: int) -> None:
        page.change(event.originator_id, contract_end=event.end_date)

    @handles(Worker.Departed)
    def departed(self, page: AlertFactsPage, event: Worker.Departed, position: int) -> None:
        page.change(event.originator_id, departed_on=event.departed_on)

    @handles(Worker.RegistrationConfirmed)
    def confirmed(self, page: AlertFactsPage, event: Worker.RegistrationConfirmed, position: int) -> None:
        page.change(event.originator_id, confirmed_on=event.confirmed_on, expected_end_date=event.expected_end_date)

    @handles(Worker.PopulationRegisterRecorded)
    def population_register(
        self, page: AlertFactsPage, event: Worker.PopulationRegisterRecorded, position: int
    ) -> None:
        if event.register != PopulationRegister.BRP:
            # An RNI registration does not end the "without BRP" alerts; it ends a BRP address.
            page.change(event.originator_id, **_NO_BRP_ADDRESS)
            return
        bag_id = None if event.address_bag_id is None else storable(event.address_bag_id, alert_workers.c.brp_bag_id)
        address = {"brp_bag_id": bag_id, "brp_address_since": event.address_since}
        page.change(event.originator_id, **(_NO_BRP_ADDRESS | address))
        row = page.rows.get(event.originator_id.hex)
        current = None if row is None else row["brp_registered_on"]
        if current is None or event.registered_on < current:
            page.change(event.originator_id, brp_registered_on=event.registered_on)

    @handles(Worker.PopulationDeregistered)
    def deregistered(self, page: AlertFactsPage, event: Worker.PopulationDeregistered, position: int) -> None:
        page.change(event.originator_id, **(_NO_BRP_ADDRESS | {"deregistered_on": event.deregistered_on}))

    @handles(Worker.TemporaryProtectionRecorded)
    def protected(self, page: AlertFactsPage, event: Worker.TemporaryProtectionRecorded, position: int) -> None:
        page.change(event.originator_id, temporary_protection_from=event.valid_from)


def alerts(
    engine: Engine,
    settings: Settings,
    *,
    today: date,
    kind: AlertKind | None = None,
    housing_location_id: UUID | None = None,
    employer_id: UUID | None = None,
    keys: KeyStore | None = None,
) -> list[Alert]:
    """Every alert in force today (as known now), optionally filtered.

    `minor_in_housing` needs the workers' birth dates, which are personal data
    sealed in the register view: they are opened with `keys`, for the workers
    housed today only; without `keys` that kind is not evaluated.
    """
    now = datetime.now(UTC)
    with reading(engine) as conn:
        found = [*_location_alerts(conn, settings, today, now), *_worker_alerts(conn, settings, today)]
        if keys is not None and kind in (None, AlertKind.MINOR_IN_HOUSING):
            found += _minor_alerts(conn, keys, today)
    return sorted(
        (
            a
            for a in found
            if (kind is None or a.kind == kind)
            and (housing_location_id is None or a.housing_location_id == housing_location_id)
            and (employer_id is None or a.employer_id == employer_id)
        ),
        key=lambda a: (a.kind.value, a.since, a.subject_id.hex),
    )


def _location_alerts(conn: Connection, settings: Settings, today: date, now: datetime) -> list[Alert]:
    found = []
    norms = settings.floor_area_norms_m2
    for row in conn.execute(select(location_facts)):
        location, facts = UUID(row.housing_location_id), read_facts(row)
        history = location_history(conn, location, now, norms, facts)
        if history is not None:
            found += location_alerts(settings, location, history, today)
    return found


def location_alerts(settings: Settings, location: UUID, history: LocationHistory, today: date) -> list[Alert]:
    """The alerts about one location on `today`, from its history as believed at some instant.

    `alerts` asks as known now; a location's own answer asks on its `on` as
    known at its `asKnownAt` (`projections.location_queries`).
    """
    found = []
    facts = history.facts
    headcount, (maximum, basis) = history.headcount_on(today), history.limit_on(today)
    since = history.since(today, over_capacity)
    if since is not None:
        detail = f"{headcount} occupants, {maximum} permitted"
        if basis == LimitBasis.FLOOR_AREA_NORM:
            norm = floor_area_norm_on(history.norms, today)  # the norm of the location's kind
            detail += f" (no limit set by the municipality: {facts.floor_area_m2} m² at {norm:g} m² a person)"
        found.append(Alert(AlertKind.OVER_CAPACITY, location, since, detail, housing_location_id=location))
    if maximum is None:
        found.append(_not_assessed_alert(settings, location, history, today))
    if facts.floor_area_m2 is not None:
        found += _floor_area_alert(location, facts.floor_area_m2, history, today)
    return found


def _not_assessed_alert(settings: Settings, location: UUID, history: LocationHistory, today: date) -> Alert:
    # Unknown from the beginning of time, typically: since the day the ledger learned of the
    # location, then (never after today, whatever clock recorded the registration).
    registered_on = history.facts.registered_at.astimezone(ZoneInfo(settings.timezone)).date()
    run_start = history.since(today, not_assessed) or today
    since = min(max(run_start, registered_on), today)
    if history.facts.floor_area_m2 is None:
        detail = "no limit set by the municipality and no floor area to derive one from"
    else:  # the settings hold no norm for this kind of location (docs/occupancy.md)
        detail = f"no limit set by the municipality and no floor-area norm for a {history.facts.kind}"
    proposed = history.facts.proposed_max_occupants
    if proposed is not None:
        detail += f"; the registrant proposed {proposed}"
    return Alert(AlertKind.LIMIT_NOT_ASSESSED, location, since, detail, housing_location_id=location)


def _floor_area_alert(location: UUID, floor_area: int, history: LocationHistory, today: date) -> list[Alert]:
    # The norms of the location's kind (a caravan site's are not a dwelling's).
    def below_norm(day: date, headcount: int, _maximum: int | None) -> bool:
        norm = floor_area_norm_on(history.norms, day)
        return headcount > 0 and norm is not None and floor_area / headcount < norm

    since = history.since(today, below_norm)
    if since is None:
        return []
    per_person = floor_area / history.headcount_on(today)
    norm = floor_area_norm_on(history.norms, today)
    detail = f"{per_person:.1f} m² per person, norm {norm:g} m²"
    return [Alert(AlertKind.FLOOR_AREA_BELOW_NORM, location, since, detail, housing_location_id=location)]


@dataclass(frozen=True)
class _WorkerFacts:
    worker_id: UUID
    employer_id: UUID
    employment_start: date
    expected_end_date: date | None
    contract_end: date | None
    departed_on: date | None
    brp: BrpFacts
    confirmed_on: date | None


Interval = tuple[date, date | None]  # [valid_from, valid_to)


def _believed_stays(conn: Connection) -> dict[str, list[Stay]]:
    """Every worker's stays as currently believed, by worker (hex id)."""
    stays: dict[str, list[Stay]] = defaultdict(list)
    for row in conn.execute(
        select(
            residence_history.c.worker_id,
            residence_history.c.housing_location_id,
            residence_history.c.valid_from,
            residence_history.c.valid_to,
        ).where(residence_history.c.recorded_to.is_(None))
    ):
        stays[row.worker_id].append((row.housing_location_id, row.valid_from, row.valid_to))
    return stays


def _worker_alerts(conn: Connection, settings: Settings, today: date) -> list[Alert]:
    stays = _believed_stays(conn)
    outside = lived_outside(conn)  # the register's: living elsewhere is no stay here
    found: list[Alert] = []
    for row in conn.execute(select(alert_workers)):
        facts = _WorkerFacts(
            worker_id=UUID(row.worker_id),
            employer_id=UUID(row.employer_id),
            employment_start=row.employment_start,
            expected_end_date=row.expected_end_date,
            contract_end=row.contract_end,
            departed_on=row.departed_on,
            brp=BrpFacts(
                brp_registered_on=row.brp_registered_on,
                expected_end_date=row.expected_end_date,
                brp_bag_id=row.brp_bag_id,
                brp_address_since=row.brp_address_since,
                deregistered_on=row.deregistered_on,
                temporary_protection_from=row.temporary_protection_from,
            ),
            confirmed_on=row.confirmed_on,
        )
        found += _alerts_for_worker(
            facts, stays.get(row.worker_id, []), settings, today, outside.get(row.worker_id, [])
        )
    return found


def _alerts_for_worker(
    w: _WorkerFacts, stays: list[Stay], settings: Settings, today: date, outside: Sequence[Interval] = ()
) -> list[Alert]:
    here = next((loc for loc, start, end in stays if start <= today and (end is None or today < end)), None)
    location = UUID(here) if here else None

    def alert(kind: AlertKind, since: date, detail: str) -> Alert:
        return Alert(kind, w.worker_id, since, detail, housing_location_id=location, employer_id=w.employer_id)

    found = []
    ended, departed, start = w.contract_end, w.departed_on, w.employment_start
    employed = start <= today and (ended is None or today <= ended) and (departed is None or today < departed)
    # A worker known to live outside the municipality (a commuter) is not unhoused (docs/alerts.md).
    elsewhere = any(begin <= today and (end is None or today < end) for begin, end in outside)
    if employed and location is None and not elsewhere:
        ends = [end for _, _, end in stays] + [end for _, end in outside]
        housing_ended = max((end for end in ends if end is not None and end <= today), default=start)
        found.append(alert(AlertKind.NO_HOUSING, max(start, housing_ended), "employed without registered housing"))
    if ended is not None and location is not None:
        limit = ended + timedelta(days=settings.alert_housed_after_contract_days + 1)
        if today >= limit:
            found.append(alert(AlertKind.HOUSED_AFTER_CONTRACT_END, limit, f"contract ended {ended.isoformat()}"))
    stale = stale_registration(
        employment_start=start,
        expected_end_date=w.expected_end_date,
        confirmed_on=w.confirmed_on,
        contract_end=ended,
        departed_on=departed,
        periods=settings.stale_periods,
    )
    if stale is not None and today >= stale.since:  # the rule and its source: ledger.domain.staleness
        found.append(alert(AlertKind.STALE_REGISTRATION, stale.since, f"{stale.describe()}; no end reported"))
    terms = BrpThresholds(
        months_without_brp=settings.alert_without_brp_months,
        registration_days=settings.alert_brp_registration_days,
        expected_stay_months=settings.alert_expected_stay_months,
        address_days=settings.alert_brp_address_days,
    )
    found += [alert(AlertKind(a.kind.value), a.since, a.detail) for a in brp_alerts(w.brp, stays, today, terms)]
    return found


def _minor_alerts(conn: Connection, keys: KeyStore, today: date) -> list[Alert]:
    # A worker under 18 housed today: a minor (jeugdige, Arbeidstijdenwet art. 1:3) in
    # migrant housing. Registration refuses anyone under 16 at the employment start.
    stays = _believed_stays(conn)
    housed = {w: s for w, s in stays.items() if _stay_on(s, today) is not None}
    employers = {
        row.worker_id: UUID(row.employer_id)
        for row in conn.execute(select(alert_workers.c.worker_id, alert_workers.c.employer_id))
        if row.worker_id in housed
    }
    found = []
    for worker, born in opened_birth_dates(conn, keys, housed).items():
        if today >= years_after(born, ADULT_AGE) or worker not in employers:
            continue
        here = _stay_on(housed[worker], today)
        assert here is not None  # housed today, by the filter above
        detail = "a worker under 18 in migrant housing"
        since = _housed_since(housed[worker], today)
        found.append(
            Alert(
                AlertKind.MINOR_IN_HOUSING,
                UUID(worker),
                since,
                detail,
                housing_location_id=UUID(here[0]),
                employer_id=employers[worker],
            )
        )
    return found


def _stay_on(stays: list[Stay], day: date) -> Stay | None:
    """The stay that holds on `day`, if any."""
    return next((s for s in stays if s[1] <= day and (s[2] is None or day < s[2])), None)


def _housed_since(stays: list[Stay], today: date) -> date:
    """The first day of the unbroken run of stays (any location) that holds today."""
    current = _stay_on(stays, today)
    assert current is not None
    since = current[1]
    starts = {end: start for _, start, end in stays if end is not None}
    while since in starts:  # a stay ended the day this run began: the run began earlier
        since = starts[since]
    return since
