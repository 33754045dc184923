"""The alerts view (issue 18): the alerts as intervals of days, as known when, kept by the projection runner.

The projection folds each worker's employment and BRP facts and housing, and
each location's facts, limits and stays, and works out the alerts of every
subject an event touches over every day (`projections.alert_rules`): one row
per alert and run of days it holds alike, with the instants it was believed
(docs/alerts.md, docs/projections.md). An alert that begins with the passing
of time is an interval whose first day lies ahead: nothing is recomputed at
night, and `GET /alerts` reads it for any day as known at any instant
(`projections.alerts`).

The thresholds and the floor-area norms are settings, and the intervals are
worked out under them. The view records which (`fingerprint`): a runner that
finds the view built under other settings empties it and builds it again
from the first event (`before_catch_up`), and a reader under other settings
than the view's is refused (`AlertsViewSettingsChanged`) rather than shown
alerts its settings do not raise.

The birth date is read from the registration (the runner opens the page's
personal fields for this view): only the 18th birthday is kept, sealed under
the worker's key; a shredded worker's minor alerts are deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine, delete, insert, select

from ledger.crypto.keystore import KeyStore
from ledger.crypto.sealing import SubjectKeys
from ledger.domain.housing_location import HousingLocation
from ledger.domain.transfer import employer_after
from ledger.domain.values import PopulationRegister
from ledger.domain.worker import Worker
from ledger.settings import Settings
from projections.alert_inputs import AlertRules, Entry, LimitEntry
from projections.alert_page import AlertsPage
from projections.alert_rules import AlertTerms
from projections.alert_tables import (
    alert_housing_entries,
    alert_intervals,
    alert_limit_entries,
    alert_locations,
    alert_settings,
    alert_stays,
    alert_workers,
)
from projections.occupancy import LocationFacts
from projections.projection import LedgerProjection, handles
from projections.residence import BEGINNING
from projections.storable import storable
from projections.tracking import projection_tracking
from projections.view import View

log = structlog.get_logger()

NAME = "alerts"
# The rules' own version: a change to what they raise makes every view built before it rebuild itself.
RULES_VERSION = 1
# The BRP address and deregistration facts: the latest population-register event recorded sets them all.
_NO_BRP_ADDRESS: dict[str, Any] = {"brp_bag_id": None, "brp_address_since": None, "deregistered_on": None}


class AlertsViewSettingsChanged(Exception):
    """The alerts view was worked out under other alert settings than the reader's (503 until it is rebuilt)."""

    def __init__(self) -> None:
        super().__init__(
            "the alerts were worked out under other alert settings (thresholds, floor-area norms, time zone) than"
            " this process's; they are rebuilt by the projection runner that follows them"
        )


def fingerprint(settings: Settings) -> str:
    """What identifies the settings the alerts are worked out under: thresholds, norms, zone, the rules' version."""
    terms = AlertTerms.of(settings)
    described = {
        "rules": RULES_VERSION,
        "housed_after_contract_days": terms.housed_after_contract_days,
        "unconfirmed_months": terms.stale_periods.unconfirmed_months,
        "brp": [
            terms.brp.months_without_brp,
            terms.brp.registration_days,
            terms.brp.expected_stay_months,
            terms.brp.address_days,
        ],
        "norms": {
            kind: {d.isoformat(): n for d, n in sorted(by.items())} for kind, by in settings.floor_area_norms_m2.items()
        },
        "timezone": settings.timezone,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def built_under(conn: Connection) -> str | None:
    """The fingerprint of the settings the view was built under (None: not built yet)."""
    c = alert_settings.c
    return conn.execute(select(c.fingerprint).where(c.view_name == NAME)).scalar()


def check_settings(conn: Connection, settings: Settings) -> None:
    """Refuse (`AlertsViewSettingsChanged`) when the view was built under other settings than `settings`."""
    built = built_under(conn)
    if built is not None and built != fingerprint(settings):
        raise AlertsViewSettingsChanged


class AlertsView(View):
    """The alert intervals and the facts they are worked out from; reads are `projections.alerts`."""

    name = NAME
    tables = (alert_workers, alert_housing_entries, alert_stays, alert_locations, alert_limit_entries, alert_intervals)

    def __init__(self, engine: Engine, keys: KeyStore, settings: Settings) -> None:
        super().__init__(engine)
        self.keys = keys
        self.settings = settings
        self.rules = AlertRules(AlertTerms.of(settings), settings.floor_area_norms_m2, ZoneInfo(settings.timezone))
        self.fingerprint = fingerprint(settings)

    def before_catch_up(self) -> None:
        """Built under other settings (or by code before them): empty the view, to be built again from the start."""
        with self.engine.connect() as conn:
            built = built_under(conn)
        if built == self.fingerprint:
            return
        if built is None and self.max_tracking_id_any() is None:
            self._record_fingerprint()  # a new view: nothing to empty
            return
        log.info("alerts_rebuilt_for_settings", view=self.name)
        self.reset()

    def max_tracking_id_any(self) -> int | None:
        """The view's position in any application's log (None: it has processed nothing)."""
        with self.engine.connect() as conn:
            c = projection_tracking.c
            return conn.execute(select(c.notification_id).where(c.view_name == self.name)).scalar()

    def reset(self) -> None:
        """Drop every row and the position, and record the settings it is to be built under."""
        super().reset()
        self._record_fingerprint()

    def _record_fingerprint(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(alert_settings).where(alert_settings.c.view_name == self.name))
            conn.execute(insert(alert_settings).values(view_name=self.name, fingerprint=self.fingerprint))


class AlertsProjection(LedgerProjection[AlertsView]):
    """Keeps each subject's alert intervals, worked out again for every event that touches it."""

    name = NAME
    # The registration's birth date gives the 18th birthday (sealed again here): the runner opens the page.
    opens_personal_data: ClassVar[bool] = True

    def open_page(self, conn: Connection, events: Sequence[Any], keys: SubjectKeys | None) -> AlertsPage:
        """Load what the page's events touch (nothing for what they register)."""
        created = {e.originator_id.hex for e in events if isinstance(e, Worker.Registered | HousingLocation.Registered)}
        workers: set[str] = set()
        minors: set[str] = set()
        movers: set[str] = set()
        locations: set[str] = set()
        for event in events:
            owner = event.originator_id.hex
            if type(event) not in self.handlers or owner in created:
                if isinstance(event, Worker.Registered | Worker.HousingAddressChanged | Worker.Departed):
                    _add(locations, getattr(event, "housing_location_id", None))
                continue
            if isinstance(event, HousingLocation.Registered | HousingLocation.OccupancyLimitChanged):
                locations.add(owner)
                continue
            workers.add(owner)
            if isinstance(event, Worker.HousingAddressChanged | Worker.Departed):
                movers.add(owner)
                _add(locations, getattr(event, "housing_location_id", None))
            if isinstance(event, Worker.HousingAddressChanged | Worker.Departed | Worker.EmployerChanged):
                minors.add(owner)
        page = AlertsPage(conn, self.view.keys if keys is None else keys, self.view.keys, self.view.rules)
        page.load(workers=workers, minors=minors, movers=movers, locations=locations)
        return page

    def close_page(self, page: AlertsPage) -> None:
        """Write what the page's events changed."""
        page.write()

    @handles(Worker.Registered)
    def registered(self, page: AlertsPage, event: Worker.Registered, position: int) -> None:
        worker = event.originator_id.hex
        row = {
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
        page.register(worker, row, event.birth_date if isinstance(event.birth_date, date) else None)
        if event.housing_valid_from is not None:
            location = None if event.housing_location_id is None else event.housing_location_id.hex
            outside = bool(event.housing_outside_municipality)
            entry = Entry(event.originator_version, event.housing_valid_from, location, False, outside)
            page.housing_entry(worker, entry, event.timestamp)
        page.worker_changed(worker, event.timestamp, minor=True)

    @handles(Worker.HousingAddressChanged)
    def housing_changed(self, page: AlertsPage, event: Worker.HousingAddressChanged, position: int) -> None:
        worker = event.originator_id.hex
        location = None if event.housing_location_id is None else event.housing_location_id.hex
        entry = Entry(event.originator_version, event.valid_from, location, False, bool(event.outside_municipality))
        page.housing_entry(worker, entry, event.timestamp)
        page.worker_changed(worker, event.timestamp, minor=True)

    @handles(Worker.Departed)
    def departed(self, page: AlertsPage, event: Worker.Departed, position: int) -> None:
        worker = event.originator_id.hex
        page.change(event.originator_id, departed_on=event.departed_on)
        page.housing_entry(
            worker, Entry(event.originator_version, event.departed_on, None, True, False), event.timestamp
        )
        page.worker_changed(worker, event.timestamp, minor=True)

    @handles(Worker.EmployerChanged)
    def employer_changed(self, page: AlertsPage, event: Worker.EmployerChanged, position: int) -> None:
        # An alert carries the employer of today, the one in force now (ledger.domain.transfer).
        row = page.facts.get(event.originator_id.hex)
        if row is not None and employer_after(row["employer_since"] or date.min, event.valid_from):
            page.change(event.originator_id, employer_id=event.employer_id.hex, employer_since=event.valid_from)
        page.worker_changed(event.originator_id.hex, event.timestamp, minor=True)

    @handles(Worker.ContractEnded)
    def contract_ended(self, page: AlertsPage, event: Worker.ContractEnded, position: int) -> None:
        if page.change(event.originator_id, contract_end=event.end_date):
            page.worker_changed(event.originator_id.hex, event.timestamp)

    @handles(Worker.RegistrationConfirmed)
    def confirmed(self, page: AlertsPage, event: Worker.RegistrationConfirmed, position: int) -> None:
        values = {"confirmed_on": event.confirmed_on, "expected_end_date": event.expected_end_date}
        if page.change(event.originator_id, **values):
            page.worker_changed(event.originator_id.hex, event.timestamp)

    @handles(Worker.PopulationRegisterRecorded)
    def population_register(self, page: AlertsPage, event: Worker.PopulationRegisterRecorded, position: int) -> None:
        if event.register != PopulationRegister.BRP:
            # An RNI registration does not end the "without BRP" alerts; it ends a BRP address.
            page.change(event.originator_id, **_NO_BRP_ADDRESS)
        else:
            bag = None if event.address_bag_id is None else storable(event.address_bag_id, alert_workers.c.brp_bag_id)
            address = {"brp_bag_id": bag, "brp_address_since": event.address_since}
            page.change(event.originator_id, **(_NO_BRP_ADDRESS | address))
            row = page.facts.get(event.originator_id.hex)
            current = None if row is None else row["brp_registered_on"]
            if current is None or event.registered_on < current:
                page.change(event.originator_id, brp_registered_on=event.registered_on)
        page.worker_changed(event.originator_id.hex, event.timestamp)

    @handles(Worker.PopulationDeregistered)
    def deregistered(self, page: AlertsPage, event: Worker.PopulationDeregistered, position: int) -> None:
        if page.change(event.originator_id, **(_NO_BRP_ADDRESS | {"deregistered_on": event.deregistered_on})):
            page.worker_changed(event.originator_id.hex, event.timestamp)

    @handles(Worker.TemporaryProtectionRecorded)
    def protected(self, page: AlertsPage, event: Worker.TemporaryProtectionRecorded, position: int) -> None:
        if page.change(event.originator_id, temporary_protection_from=event.valid_from):
            page.worker_changed(event.originator_id.hex, event.timestamp)

    @handles(Worker.PersonalDataShredded)
    def shredded(self, page: AlertsPage, event: Worker.PersonalDataShredded, position: int) -> None:
        # The 18th birthday is personal data: gone with the key, and the minor alerts it gave with it.
        if page.change(event.originator_id, sealed_minor_until=None):
            page.forget_minor(event.originator_id.hex)

    @handles(HousingLocation.Registered)
    def location_registered(self, page: AlertsPage, event: HousingLocation.Registered, position: int) -> None:
        location = event.originator_id.hex
        kind = storable(event.kind, alert_locations.c.kind)
        facts = LocationFacts(kind, event.floor_area_m2, event.proposed_max_occupants, event.timestamp)
        row = {
            "housing_location_id": location,
            "kind": kind,
            "floor_area_m2": event.floor_area_m2,
            "proposed_max_occupants": event.proposed_max_occupants,
            "registered_at": event.timestamp,
        }
        page.location_registered(location, facts, row)
        # The municipality's limit, or None: an employer's proposal is never a limit row.
        page.limit_entry(
            location, LimitEntry(event.originator_version, BEGINNING, event.max_occupants), event.timestamp
        )

    @handles(HousingLocation.OccupancyLimitChanged)
    def limit_changed(self, page: AlertsPage, event: HousingLocation.OccupancyLimitChanged, position: int) -> None:
        entry = LimitEntry(event.originator_version, event.valid_from, event.max_occupants)
        page.limit_entry(event.originator_id.hex, entry, event.timestamp)


def _add(found: set[str], location: Any) -> None:
    if location is not None:
        found.add(location.hex)
