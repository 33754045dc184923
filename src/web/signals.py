"""Signalen (`/signalen`): the alerts inbox, read-only, filtered by kind, location and employer, a page at a time.

An alert closes when its cause ends (docs/alerts.md): nobody closes one here,
so the page has no form but its filters (a GET form: kinds and ids are no
personal data). The alerts are the API's (`GET /alerts`, the same query and
filters, labelled as the API labels them), in the API's order, kind then
subject, `PAGE_SIZE` at a time with a cursor after the last one shown. Alerts
about a worker are data about that person: the alerts shown are logged as the
API logs its answer (housing supervision, read, per worker). The filters'
choices are the locations and employers that have alerts, by address and name;
reading those choices shows nobody, so it is not logged.

The alerts query answers for today as known now (it does not travel in time
yet), so while the time-travel control is set the page says so.

The counts by kind (for the location and employer chosen, every kind) are a
live block (`web.live`): its fragment `/signalen/cijfers` refreshes them while
the page is open. Counts name no one and are not logged; the list of alerts,
which is logged, is read again only when the person asks (filter, page, reload).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from api.auth import Principal
from api.deps import ProcessingDep, ServicesDep
from api.parameters import scoped_employer
from api.routers.alerts import about_people
from api.schemas.alerts import AlertPublic
from api.services import Services
from ledger.audit.processing_log import Activity, Operation
from projections.alert_rules import Alert, AlertKind
from projections.alerts import alerts
from projections.labels import Labels, read_labels
from web.access import STAFF_PAGES, live_user, page_user
from web.errors import error_page
from web.live import Live, fragment, live, poll, views_position
from web.moment import TimeTravel, time_travel
from web.templating import moment_label, page_language, query, render

router = APIRouter(include_in_schema=False)

StaffPage = Annotated[Principal, Depends(page_user(STAFF_PAGES))]
LiveStaff = Annotated[Principal, Depends(live_user(STAFF_PAGES))]
COUNTS = "/signalen/cijfers"

PAGE_SIZE = 50
KINDS = [kind.value for kind in AlertKind]
_KIND = TypeAdapter(AlertKind)
_ID = TypeAdapter(UUID)


@dataclass(frozen=True)
class Filters:
    """The inbox's filters as typed (query names as the API's), the ones read, and refusals by field."""

    typed: dict[str, str]
    kind: AlertKind | None = None
    housing_location_id: UUID | None = None
    employer_id: UUID | None = None
    after: tuple[str, str] | None = None
    errors: dict[str, str] = field(default_factory=dict)


def read_filters(request: Request) -> Filters:
    """The filters in the request's query, checked as the API checks them (`kind`, `housingLocationId`, …)."""
    params = request.query_params
    typed = {name: params.get(name, "").strip() for name in ("kind", "housingLocationId", "employerId")}
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, adapter in (("kind", _KIND), ("housingLocationId", _ID), ("employerId", _ID)):
        if typed[name]:
            try:
                values[name] = adapter.validate_python(typed[name])
            except ValidationError as e:
                errors[name] = str(e.errors()[0]["type"])
    after = None
    if cursor := params.get("cursor", "").strip():
        kind, _, subject = cursor.partition(".")
        if kind not in KINDS or len(subject) != 32 or any(c not in "0123456789abcdef" for c in subject):
            errors["cursor"] = "cursor"
        after = (kind, subject)
    return Filters(
        typed={name: value for name, value in typed.items() if value},
        kind=values.get("kind"),
        housing_location_id=values.get("housingLocationId"),
        employer_id=values.get("employerId"),
        after=after,
        errors=errors,
    )


def in_force(services: Services, principal: Principal, filters: Filters) -> list[Alert]:
    """The alerts the API's `GET /alerts` answers for these filters, in its order (kind, then subject)."""
    found = alerts(
        services.ledger.database.engine,
        services.settings,
        today=services.ledger.today(),
        kind=filters.kind,
        housing_location_id=filters.housing_location_id,
        employer_id=scoped_employer(principal, filters.employer_id),
        keys=services.ledger.keys,
    )
    return sorted(found, key=_key)


def counts_by_kind(services: Services, principal: Principal, filters: Filters) -> dict[str, int]:
    """How many alerts of each kind are in force for the location and employer filters (every kind; no names)."""
    found = alerts(
        services.ledger.database.engine,
        services.settings,
        today=services.ledger.today(),
        housing_location_id=filters.housing_location_id,
        employer_id=scoped_employer(principal, filters.employer_id),
        keys=services.ledger.keys,
    )
    return dict(sorted(Counter(alert.kind.value for alert in found).items()))


def _live(services: Services, travel: TimeTravel, filters: Filters, position: int) -> Live:
    """The counts' polling, with the location and employer filters (ids: no personal data in the address)."""
    return live(
        services,
        travel,
        position,
        COUNTS,
        housingLocationId=filters.typed.get("housingLocationId"),
        employerId=filters.typed.get("employerId"),
    )


def _key(alert: Alert) -> tuple[str, str]:
    return (alert.kind.value, alert.subject_id.hex)


@dataclass(frozen=True)
class Choices:
    """What the location and employer filters offer: those with alerts in force, by address and by name."""

    locations: list[tuple[str, str]]
    employers: list[tuple[str, str]]


def choices(services: Services, principal: Principal) -> Choices:
    """The locations and employers that have alerts in force (their labels only: no person is shown)."""
    every = alerts(
        services.ledger.database.engine,
        services.settings,
        today=services.ledger.today(),
        employer_id=scoped_employer(principal, None),
        keys=services.ledger.keys,
    )
    labels = read_labels(
        services.ledger.database.engine,
        employers=[a.employer_id for a in every],
        locations=[a.housing_location_id for a in every],
    )
    return Choices(
        locations=_sorted_labels(labels.locations, {a.housing_location_id for a in every}),
        employers=_sorted_labels(labels.employers, {a.employer_id for a in every}),
    )


def _sorted_labels(known: Any, ids: set[UUID | None]) -> list[tuple[str, str]]:
    return sorted(((str(i), known.get(i) or str(i)) for i in ids if i is not None), key=lambda c: c[1])


@router.get("/signalen")
def inbox(request: Request, services: ServicesDep, principal: StaffPage, processing: ProcessingDep) -> Response:
    """The alerts in force, filtered, a page at a time; bad filters are shown at their field (400)."""
    travel = time_travel(request, services)
    filters = read_filters(request)
    zone, language = services.settings.timezone, page_language(request)
    context: dict[str, Any] = {
        "travel": travel,
        "zone": zone,
        "known_at_label": moment_label(travel.moment.as_known_at, zone, language),
        "filters": filters,
        "kinds": KINDS,
        "choices": choices(services, principal),
        "items": None,
        "next_query": None,
    }
    if filters.errors.keys() - {"cursor"} or travel.errors:
        return render(request, "signals.html", context, status=400)
    if filters.errors:
        return error_page(request, 400)
    position = views_position(services)  # before the alerts are read (web.live)
    context["counts"] = counts_by_kind(services, principal, filters)
    context["live"] = _live(services, travel, filters, position)
    found = in_force(services, principal, filters)
    if filters.after is not None:
        found = [alert for alert in found if _key(alert) > filters.after]
    page = found[:PAGE_SIZE]
    processing.record(Activity.HOUSING_SUPERVISION, Operation.READ, *about_people(page))
    labels: Labels = read_labels(
        services.ledger.database.engine,
        employers=[a.employer_id for a in page],
        locations=[a.housing_location_id for a in page],
    )
    context["items"] = [AlertPublic.of(alert, labels) for alert in page]
    if len(found) > PAGE_SIZE:
        last = page[-1]
        cursor = f"{last.kind.value}.{last.subject_id.hex}"
        context["next_query"] = query(**filters.typed, cursor=cursor, on=travel.on, asKnownAt=travel.as_known_at)
    context["first_query"] = query(**filters.typed, on=travel.on, asKnownAt=travel.as_known_at)
    context["paged"] = filters.after is not None
    context["about_workers"] = set(about_people(page))
    return render(request, "signals.html", context)


@router.get(COUNTS)
def alert_counts(request: Request, services: ServicesDep, principal: LiveStaff) -> Response:
    """The inbox's counts by kind alone: 204 while the read models have not moved past the `position` asked."""
    travel = time_travel(request, services)
    filters = read_filters(request)
    position = poll(request, services)
    if isinstance(position, Response):
        return position
    if travel.errors or filters.errors:
        return error_page(request, 400)
    counts = counts_by_kind(services, principal, filters)
    return fragment(
        request, "_alert_counts.html", {"counts": counts, "live": _live(services, travel, filters, position)}
    )
