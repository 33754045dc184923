"""Signalen (`/signalen`): the alerts inbox, read-only, filtered by kind, location and employer, a page at a time.

An alert closes when its cause ends (docs/alerts.md): nobody closes one here,
so the page has no form but its filters (a GET form: kinds and ids are no
personal data). The alerts are the API's (`GET /alerts`: the alerts view on
the time-travel control's day as known at its instant, the same query,
filters and cursor, labelled as the API labels them), in the API's order,
kind then subject, `PAGE_SIZE` at a time: the next page after the last one
shown (the API's own `nextCursor`), the previous one before the first
(`before`, read backwards). Alerts about a worker are data about that person:
the alerts shown are logged as the API logs its answer (housing supervision,
read, per worker). The filters' kinds are the fixed list; a location is
typed by postcode and house number, as on Locaties (`web.locations_by_address`;
a link or a next page names it by `housingLocationId`, and its fields then
show its address): a register of thousands of locations with alerts is no
list to choose from. The employers offered are those named by alerts in force
on that moment, by name.

The employers and the counts by kind come from one grouped reading of the
alerts in force, counted by kind and employer (`projections.alert_summary`),
kept while no view moves (`web.figure_memo`), and just after the views moved
the tally last counted while the new one is counted (the counts say when);
a location's counts are read by its index. The counts (for the location and
employer chosen, every kind, on the same moment) are a live block
(`web.live`): its fragment `/signalen/cijfers` refreshes them while the page
is open. Counts and choices name no one and are not logged; the list of
alerts, which is logged, is read again only when the person asks (filter,
page, reload).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from api.auth import Principal
from api.deps import ProcessingDep, ServicesDep
from api.parameters import scoped_employer
from api.routers.alerts import CURSOR, about_people
from api.schemas.alerts import AlertPublic
from api.scoping import employer_scope
from api.services import Services
from ledger.audit.processing_log import Activity, Operation
from projections.alert_spans import Alert, AlertKind
from projections.alert_summary import AlertTally, alert_counts, alert_tally
from projections.alerts import AlertKey, AlertQuery, alert_page
from projections.labels import read_labels
from web.access import STAFF_PAGES, live_user, page_user
from web.errors import error_page
from web.figure_memo import Counted, figure_memo
from web.live import Live, fragment, live, poll, views_position
from web.locations_by_address import chosen_location
from web.moment import TimeTravel, time_travel
from web.templating import clock_label, moment_label, page_language, query, render

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
    """The inbox's filters as the form shows them, the ones read, and refusals by field.

    `typed` holds the form's fields (`kind`, `postcode`, `huisnummer`,
    `employerId`); a location named by its id shows its own address there.
    """

    typed: dict[str, str]
    kind: AlertKind | None = None
    housing_location_id: UUID | None = None
    employer_id: UUID | None = None
    after: AlertKey | None = None
    before: AlertKey | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def asked(self) -> dict[str, str]:
        """The query that asks these filters again (the API's names; a location by its id, not the address typed)."""
        found = {
            "kind": self.kind.value if self.kind else "",
            "housingLocationId": str(self.housing_location_id or ""),
            "employerId": str(self.employer_id or ""),
        }
        return {name: value for name, value in found.items() if value}


def read_filters(request: Request, services: Services, travel: TimeTravel) -> Filters:
    """The filters in the request's query, checked as the API checks them; the location by address or id."""
    params = request.query_params
    typed = {name: params.get(name, "").strip() for name in ("kind", "employerId")}
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, adapter in (("kind", _KIND), ("employerId", _ID)):
        if typed[name]:
            try:
                values[name] = adapter.validate_python(typed[name])
            except ValidationError as e:
                errors[name] = str(e.errors()[0]["type"])
    location = chosen_location(services, params, travel.moment)
    typed |= {"postcode": location.postcode, "huisnummer": location.house_number}
    if location.refusal:
        errors["postcode"] = location.refusal
    keys: dict[str, AlertKey] = {}
    for name in ("cursor", "before"):
        if text := params.get(name, "").strip():
            try:
                kind, subject = CURSOR.split(str(CURSOR.decode(text)))  # the API's cursor, both ways
                keys[name] = (AlertKind(kind), subject)
            except ValueError:
                errors[name] = "cursor"
    return Filters(
        typed={name: value for name, value in typed.items() if value},
        kind=values.get("kind"),
        housing_location_id=location.location_id,
        employer_id=values.get("employerId"),
        after=keys.get("cursor"),
        before=keys.get("before"),
        errors=errors,
    )


def asked_of(principal: Principal, filters: Filters, travel: TimeTravel) -> AlertQuery:
    """The question `GET /alerts` asks for these filters on the control's moment (an employer's scope as there)."""
    return AlertQuery(
        on=travel.moment.on,
        as_known_at=travel.moment.as_known_at,
        kind=filters.kind,
        housing_location_id=filters.housing_location_id,
        employer_id=scoped_employer(principal, filters.employer_id),
        employed_now_by=employer_scope(principal),
    )


def tally(request: Request, services: Services, principal: Principal, travel: TimeTravel) -> AlertTally:
    """Every alert in force on the moment, counted by kind and employer; kept while the views stand still."""
    return figure_memo(request.app.state).figures(services, travel, *_tally_of(services, principal, travel))


def latest_tally(request: Request, services: Services, principal: Principal, travel: TimeTravel) -> Counted[AlertTally]:
    """As `tally`, or, just after the views moved, the one last counted while the new one is counted (the page's)."""
    return figure_memo(request.app.state).latest(
        services, travel, *_tally_of(services, principal, travel), behind=services.settings.web_figures_behind_seconds
    )


def _tally_of(
    services: Services, principal: Principal, travel: TimeTravel
) -> tuple[Hashable, Callable[[], AlertTally]]:
    # The memo's name for the tally (one per employer scope) and its counting.
    unfiltered = asked_of(principal, Filters(typed={}), travel)
    engine, keys, settings = services.ledger.database.engine, services.ledger.keys, services.settings
    return ("alert-tally", unfiltered.employed_now_by), lambda: alert_tally(engine, keys, settings, unfiltered)


def counts_by_kind(
    request: Request,
    services: Services,
    principal: Principal,
    filters: Filters,
    travel: TimeTravel,
    every: AlertTally | None = None,
) -> dict[str, int]:
    """How many alerts of each kind are in force on the moment for the location and employer filters (no names).

    Without a location they are every alert's, or one employer's, from the
    tally (`every`, when the caller has it already); a location's few alerts
    are counted by the location's index, and no tally is read for them.
    """
    asked = asked_of(
        principal,
        Filters(typed={}, housing_location_id=filters.housing_location_id, employer_id=filters.employer_id),
        travel,
    )
    if asked.housing_location_id is not None:
        return alert_counts(services.ledger.database.engine, services.ledger.keys, services.settings, asked)
    return (every if every is not None else tally(request, services, principal, travel)).by_kind(asked.employer_id)


def _live(services: Services, travel: TimeTravel, filters: Filters, position: int) -> Live:
    """The counts' polling, with the location and employer filters (ids: no personal data in the address)."""
    return live(
        services,
        travel,
        position,
        COUNTS,
        housingLocationId=filters.asked.get("housingLocationId"),
        employerId=filters.asked.get("employerId"),
    )


def employer_choices(services: Services, every: AlertTally) -> list[tuple[str, str]]:
    """The employers named by alerts in force, by name (a company's name: no person is shown)."""
    known = read_labels(services.ledger.database.engine, employers=every.employers).employers
    return sorted(((str(i), known.get(i) or str(i)) for i in every.employers), key=lambda c: c[1])


def _location_label(services: Services, filters: Filters) -> str | None:
    """The chosen location's address on one line, shown beside its fields."""
    if filters.housing_location_id is None:
        return None
    return read_labels(services.ledger.database.engine, locations=[filters.housing_location_id]).location(
        filters.housing_location_id
    )


def _cursor(alert: Alert) -> str:
    return CURSOR.encode_key(alert.kind.value, alert.subject_id)


@router.get("/signalen")
def inbox(request: Request, services: ServicesDep, principal: StaffPage, processing: ProcessingDep) -> Response:
    """The alerts in force on the moment, filtered, a page at a time; bad filters are shown at their field (400)."""
    travel = time_travel(request, services)
    filters = read_filters(request, services, travel)
    zone, language = services.settings.timezone, page_language(request)
    context: dict[str, Any] = {
        "travel": travel,
        "zone": zone,
        "known_at_label": moment_label(travel.moment.as_known_at, zone, language),
        "filters": filters,
        "kinds": KINDS,
        "employers": [],
        "location_label": _location_label(services, filters),
        "items": None,
        "next_query": None,
        "previous_query": None,
        "counted_at_label": None,
    }
    if travel.errors:
        return render(request, "signals.html", context, status=400)
    position = views_position(services)  # before the alerts are read (web.live)
    counted = latest_tally(request, services, principal, travel)
    every = counted.answer
    context["employers"] = employer_choices(services, every)
    if filters.errors.keys() - {"cursor", "before"}:
        return render(request, "signals.html", context, status=400)
    if filters.errors:
        return error_page(request, 400)
    context["counts"] = counts_by_kind(request, services, principal, filters, travel, every)
    if counted.behind:
        # The counts poll from the tally's counting, so the first poll brings the new ones; the note says when.
        position = min(position, counted.position)
        if filters.housing_location_id is None:
            context["counted_at_label"] = clock_label(counted.counted_at, zone, language)
    context["live"] = _live(services, travel, filters, position)
    found = alert_page(
        services.ledger.database.engine,
        services.ledger.keys,
        services.settings,
        asked_of(principal, filters, travel),
        limit=PAGE_SIZE + 1,  # one more tells whether there is a page beyond
        after=filters.after,
        before=filters.before,
    )
    if filters.before is not None:
        page = found[-PAGE_SIZE:]
        more_before, more_after = len(found) > PAGE_SIZE, bool(page)
    else:
        page = found[:PAGE_SIZE]
        more_before, more_after = filters.after is not None, len(found) > PAGE_SIZE
    processing.record(Activity.HOUSING_SUPERVISION, Operation.READ, *about_people(page))
    labels = read_labels(
        services.ledger.database.engine,
        employers=[a.employer_id for a in page],
        locations=[a.housing_location_id for a in page],
    )
    context["items"] = [AlertPublic.of(alert, labels) for alert in page]
    kept = {**filters.asked, "on": travel.on, "asKnownAt": travel.as_known_at}
    if page and more_after:
        context["next_query"] = query(**kept, cursor=_cursor(page[-1]))
    if page and more_before:
        context["previous_query"] = query(**kept, before=_cursor(page[0]))
    context["first_query"] = query(**kept)
    context["paged"] = filters.after is not None or filters.before is not None
    context["about_workers"] = set(about_people(page))
    return render(request, "signals.html", context)


@router.get(COUNTS)
def counts_fragment(request: Request, services: ServicesDep, principal: LiveStaff) -> Response:
    """The inbox's counts by kind alone: 204 while the read models have not moved past the `position` asked."""
    travel = time_travel(request, services)
    filters = read_filters(request, services, travel)
    position = poll(request, services)
    if isinstance(position, Response):
        return position
    if travel.errors or filters.errors:
        return error_page(request, 400)
    counts = counts_by_kind(request, services, principal, filters, travel)
    return fragment(
        request,
        "_alert_counts.html",
        {
            "travel": travel,
            "counts": counts,
            "counted_at_label": None,
            "live": _live(services, travel, filters, position),
        },
    )
