"""GET /reports/flows: registrations, stays begun and ended, contract ends and departures per period and group.

Both backends, on the scenario of test_reports (Anna and Bogdan at the
dwelling from 1 April, Bogdan moving to the other location on 16 May,
Cezary at the other location from 1 April until he leaves on 11 May), with
Anna's contract ending on 20 May.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import Api
from tests.factories import World, a_person, an_employment
from tests.integration.api.test_reports import get, ok, refused, world  # noqa: F401 (the fixture)

MEASURES = ("workersRegistered", "housingStarts", "housingEnds", "contractEnds", "departures")
APRIL_AND_MAY = {"from": "2026-04-01", "to": "2026-05-31", "interval": "month"}


def flows(rows: list[dict[str, Any]]) -> dict[tuple[str, str | None], tuple[Any, ...]]:
    return {(r["periodStart"], r["groupKey"]): tuple(r["measures"][m] for m in MEASURES) for r in rows}


def test_flows_by_location_per_month(api: Api, world: World) -> None:  # noqa: F811 (the fixture)
    ledger = api.services.ledger
    registered = [
        e for e in ledger.recorder.select_notifications(start=1, limit=1000) if e.topic.endswith("Registered")
    ]
    anna_id = next(e.originator_id for e in registered if e.topic.endswith("Worker.Registered"))  # the first
    ledger.end_contract(anna_id, end_date=date(2026, 5, 20), reason=None)

    report = ok(get(api, "/reports/flows", groupBy="housingLocation", **APRIL_AND_MAY))

    assert report["report"] == "flows"
    assert report["measures"] == list(MEASURES)
    dwelling, other = world.location_id.hex, world.other_location_id.hex
    assert flows(report["rows"]) == {
        # April: everyone moves in (Cezary's stay at the dwelling was corrected away the day it was recorded).
        ("2026-04-01", dwelling): (0, 2, 0, 0, 0),
        ("2026-04-01", other): (0, 1, 0, 0, 0),
        # May: Bogdan leaves the dwelling for the other location, Cezary leaves the municipality from the other,
        # Anna's contract ends while she lives at the dwelling.
        ("2026-05-01", dwelling): (0, 0, 1, 1, 0),
        ("2026-05-01", other): (0, 1, 1, 0, 1),
    }
    assert flows(report["totals"]) == {("2026-04-01", None): (0, 3, 0, 0, 0), ("2026-05-01", None): (0, 1, 2, 1, 1)}


def test_registrations_count_on_the_day_they_were_recorded(api: Api, world: World) -> None:  # noqa: F811
    events = api.services.ledger.recorder.select_notifications(start=1, limit=1000)
    workers = [e for e in events if e.topic.endswith("Worker.Registered")]
    recorded = {api.services.ledger.mapper.to_domain_event(e).timestamp for e in workers}
    days = {instant.astimezone(ZoneInfo(api.settings.timezone)).date() for instant in recorded}
    first, last = min(days), max(days)

    report = ok(
        get(api, "/reports/flows", groupBy="nationality", interval="day", **{"from": str(first), "to": str(last)})
    )

    registered: dict[str | None, int] = {}
    for row in report["rows"]:
        registered[row["groupKey"]] = registered.get(row["groupKey"], 0) + row["measures"]["workersRegistered"]
    assert registered == {"POL": 2, "ROU": 1}
    assert sum(t["measures"]["workersRegistered"] for t in report["totals"]) == 3
    # Before they were recorded, as known then: none.
    before = min(recorded) - timedelta(microseconds=1)
    earlier = ok(get(api, "/reports/flows", asKnownAt=before.isoformat(), **{"from": str(first), "to": str(last)}))
    assert sum(r["measures"]["workersRegistered"] for r in earlier["rows"]) == 0
    assert before < datetime.now(UTC)


def test_the_totals_are_the_same_under_every_grouping(api: Api, world: World) -> None:  # noqa: F811
    # One more worker, housed nowhere here, whose contract ends: in no location's group, in the totals all the same.
    ledger = api.services.ledger
    unhoused = ledger.register_worker(employer_id=world.employer_id, person=a_person(), employment=an_employment())
    ledger.end_contract(unhoused.id, end_date=date(2026, 5, 20), reason=None)
    events = ledger.recorder.select_notifications(start=1, limit=1000)
    recorded = [ledger.mapper.to_domain_event(e).timestamp for e in events if e.topic.endswith("Worker.Registered")]
    last = max(instant.astimezone(ZoneInfo(api.settings.timezone)).date() for instant in recorded)
    period = {"from": "2026-04-01", "to": str(max(last, date(2026, 5, 31))), "interval": "month"}

    def measured(report: dict[str, Any], part: str) -> dict[str, tuple[Any, ...]]:
        return {r["periodStart"]: tuple(r["measures"][m] for m in MEASURES) for r in report[part]}

    ungrouped = measured(ok(get(api, "/reports/flows", **period)), "rows")
    assert sum(registered for registered, *_ in ungrouped.values()) == 4
    assert sum(ends for *_, ends, _departures in ungrouped.values()) == 1
    for group_by in ("housingLocation", "employer", "nationality", "kind", "postcodeArea"):
        assert measured(ok(get(api, "/reports/flows", groupBy=group_by, **period)), "totals") == ungrouped, group_by
    rows = ok(get(api, "/reports/flows", groupBy="housingLocation", **period))["rows"]
    assert sum(r["measures"]["workersRegistered"] for r in rows) == 3  # the fourth lives nowhere here
    assert sum(r["measures"]["contractEnds"] for r in rows) == 0


def test_a_departure_counts_as_known_at(api: Api, world: World) -> None:  # noqa: F811
    departures = api.services.ledger.recorder.select_notifications(start=1, limit=1000)
    departed = [e for e in departures if e.topic.endswith("Worker.Departed")]
    instant = api.services.ledger.mapper.to_domain_event(departed[-1]).timestamp
    before = (instant - timedelta(microseconds=1)).isoformat()

    now = ok(get(api, "/reports/flows", **APRIL_AND_MAY))
    then = ok(get(api, "/reports/flows", asKnownAt=before, **APRIL_AND_MAY))

    assert flows(now["rows"])[("2026-05-01", None)][4] == 1
    assert flows(then["rows"])[("2026-05-01", None)][4] == 0
    # As known then Cezary still lived at the other location: no stay of his ended in May.
    assert flows(then["rows"])[("2026-05-01", None)][2] == 1


def test_flows_as_csv_and_public(api: Api, world: World) -> None:  # noqa: F811
    answer = get(api, "/reports/flows", accept="text/csv", groupBy="kind", disclosure="public", **APRIL_AND_MAY)
    assert answer.status_code == 200, answer.text
    records = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    assert records[0] == ["periodStart", "periodEnd", "groupKey", "groupLabel", *MEASURES]
    # A handful of people: every cell is small.
    assert {tuple(r[4:]) for r in records[1:]} == {("<5",) * 5}
    assert refused(get(api, "/reports/flows", groupBy="employer", disclosure="public", **APRIL_AND_MAY)) == [
        ("groupBy", "identifying_group")
    ]


def test_flows_write_no_processing_log_line(api: Api, world: World) -> None:  # noqa: F811
    assert get(api, "/reports/flows", groupBy="employer", **APRIL_AND_MAY).status_code == 200
    assert api.services.processing_log.lines(actor="test-registrar") == []
