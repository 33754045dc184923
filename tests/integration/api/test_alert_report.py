"""GET /reports/alerts (issue 18): per period, the alerts opened and closed, by kind; JSON, CSV, XLSX; suppressed.

Both backends. The figures of the scenario below are worked out by hand in
the fixture's docstring; the property test against the alerts as the rules
raised them day by day is tests/integration/test_report_alerts_fold.py.
Reports are counts: they write no processing-log line.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import httpx
import openpyxl
import pytest

from api.report_formats import XLSX
from ledger.domain.population import BrpAddress
from tests.conftest import Api
from tests.factories import a_bag_id, a_kvk_number, a_person, an_address, an_employment

V1 = "/api/v1"
APRIL_TO_JUNE = {"from": "2026-04-01", "to": "2026-06-30", "interval": "month"}


@pytest.fixture
def before_the_move(api: Api) -> datetime:
    """Anna and Bogdan at a dwelling for one from 1 April, neither in the BRP; the instant before Bogdan moves.

    Over capacity from 1 April; each expects to stay past four months, so no
    BRP registration 5 days after arrival is an alert from 7 April. Bogdan
    moves to a place for twenty on 16 May: the dwelling is no longer over-full
    that day, but his BRP alert goes on (a move is no new arrival). Anna is
    registered in the BRP at the dwelling's address on 20 May: hers ends then.
    April to June by month: April opens 1 `over_capacity` and 2
    `no_brp_after_arrival`; May closes 1 of each; June has none.
    """
    ledger = api.services.ledger
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.").id
    bag_id = a_bag_id()
    dwelling = ledger.register_housing_location(
        bag_id=bag_id, address=an_address(), kind="dwelling", max_occupants=1, floor_area_m2=80
    ).id
    hostel = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Kerkstraat"), kind="short_stay_facility", max_occupants=20
    ).id
    anna, bogdan = (
        ledger.register_worker(
            employer_id=employer,
            person=a_person(family_name=name),
            employment=an_employment(),
            housing_location_id=dwelling,
            housing_valid_from=date(2026, 4, 1),
        ).id
        for name in ("Anna", "Bogdan")
    )
    instant = datetime.now(UTC)
    ledger.change_housing(bogdan, housing_location_id=hostel, valid_from=date(2026, 5, 16))
    address = BrpAddress(bag_id=bag_id, municipality_code="0420", since=date(2026, 5, 20))
    ledger.record_population_registration(anna, register="BRP", registered_on=date(2026, 5, 20), address=address)
    return instant


def get(api: Api, path: str, role: str = "registrar", accept: str | None = None, **params: Any) -> httpx.Response:
    """GET after every write so far (`minPosition`)."""
    params.setdefault("minPosition", api.services.ledger.recorder.max_notification_id() or 0)
    headers = api.auth(role, kvk=a_kvk_number() if role == "employer" else None)
    if accept is not None:
        headers["Accept"] = accept
    return api.client.get(f"{V1}{path}", params=params, headers=headers)


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def figures(rows: list[dict[str, Any]]) -> dict[tuple[str, str | None], tuple[Any, ...]]:
    return {(r["periodStart"], r["groupKey"]): (r["measures"]["opened"], r["measures"]["closed"]) for r in rows}


def test_alerts_opened_and_closed_per_month_by_kind(api: Api, before_the_move: datetime) -> None:
    report = ok(get(api, "/reports/alerts", **APRIL_TO_JUNE))

    assert (report["report"], report["from"], report["to"], report["interval"]) == (
        "alerts",
        "2026-04-01",
        "2026-06-30",
        "month",
    )
    assert report["measures"] == ["opened", "closed"]
    assert figures(report["rows"]) == {
        ("2026-04-01", "no_brp_after_arrival"): (2, 0),
        ("2026-04-01", "over_capacity"): (1, 0),
        ("2026-05-01", "no_brp_after_arrival"): (0, 1),
        ("2026-05-01", "over_capacity"): (0, 1),
        ("2026-06-01", "no_brp_after_arrival"): (0, 0),
        ("2026-06-01", "over_capacity"): (0, 0),
    }
    assert {r["groupLabel"] for r in report["rows"]} == {None}
    assert figures(report["totals"]) == {
        ("2026-04-01", None): (3, 0),
        ("2026-05-01", None): (0, 2),
        ("2026-06-01", None): (0, 0),
    }


def test_as_known_before_the_move_and_the_brp_registration(api: Api, before_the_move: datetime) -> None:
    then = ok(get(api, "/reports/alerts", asKnownAt=before_the_move.isoformat(), **APRIL_TO_JUNE))

    assert figures(then["totals"]) == {
        ("2026-04-01", None): (3, 0),
        ("2026-05-01", None): (0, 0),
        ("2026-06-01", None): (0, 0),
    }


def test_a_span_that_ends_while_the_alerts_go_on_closes_none(api: Api, before_the_move: datetime) -> None:
    by_week = ok(get(api, "/reports/alerts", **{"from": "2026-04-06", "to": "2026-04-19", "interval": "week"}))

    # Weeks of 6 and 13 April: the BRP alerts open on 7 April; the over-full dwelling was so before.
    assert figures(by_week["totals"]) == {("2026-04-06", None): (2, 0), ("2026-04-13", None): (0, 0)}


def test_csv_and_xlsx_read_back_as_the_json_says(api: Api, before_the_move: datetime) -> None:
    report = ok(get(api, "/reports/alerts", **APRIL_TO_JUNE))
    answer = get(api, "/reports/alerts", accept="text/csv", **APRIL_TO_JUNE)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    as_json = [*report["rows"], *report["totals"]]
    assert len(records) == len(as_json) == 9
    for record, row in zip(records, as_json, strict=True):
        assert (record["periodStart"], record["groupKey"]) == (row["periodStart"], row["groupKey"] or "")
        assert {m: int(record[m]) for m in report["measures"]} == row["measures"]
    sheet = openpyxl.load_workbook(io.BytesIO(get(api, "/reports/alerts", accept=XLSX, **APRIL_TO_JUNE).content))
    rows = list(sheet["alerts"].iter_rows(values_only=True))
    assert rows[0] == ("periodStart", "periodEnd", "groupKey", "groupLabel", "opened", "closed")
    assert rows[1] == (datetime(2026, 4, 1), datetime(2026, 4, 30), "no_brp_after_arrival", None, 2, 0)


def test_public_disclosure_suppresses_small_cells(api: Api, before_the_move: datetime) -> None:
    report = ok(get(api, "/reports/alerts", disclosure="public", **APRIL_TO_JUNE))

    assert report["disclosure"] == "public"
    shown = {(r["periodStart"], r["groupKey"]): r["suppressed"] for r in [*report["rows"], *report["totals"]]}
    # Counts of 1 to 4 alerts (about people) are small; zeros are shown, and June has nothing to hide.
    assert shown[("2026-04-01", "no_brp_after_arrival")] and shown[("2026-05-01", None)]
    assert not shown[("2026-06-01", None)]


def test_the_parameters_are_checked_and_the_report_is_the_municipalitys(api: Api) -> None:
    answer = get(api, "/reports/alerts", groupBy="kind", **APRIL_TO_JUNE)
    assert answer.status_code == 400 and [p["name"] for p in answer.json()["invalidParams"]] == ["groupBy"]
    answer = get(api, "/reports/alerts", **{"from": "2026-05-02", "to": "2026-05-01"})
    assert answer.status_code == 400 and [p["name"] for p in answer.json()["invalidParams"]] == ["to"]
    assert get(api, "/reports/alerts", accept="application/xml", **APRIL_TO_JUNE).status_code == 406
    assert get(api, "/reports/alerts", role="employer", **APRIL_TO_JUNE).status_code == 403


def test_the_report_writes_no_processing_log_line(api: Api, before_the_move: datetime) -> None:
    for accept in (None, "text/csv", XLSX):
        assert get(api, "/reports/alerts", accept=accept, **APRIL_TO_JUNE).status_code == 200
    assert api.services.processing_log.lines(actor="test-registrar") == []
