"""GET /reports/headcounts: exact figures per period and group, as JSON, CSV and XLSX, suppressed for the public.

Both backends. The figures of the scenario below are worked out by hand in
the test's docstrings; the property test against a fold of the events is
tests/integration/test_report_headcounts_fold.py. Reports are counts: they
write no processing-log line.
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
from tests.conftest import Api
from tests.factories import World, a_kvk_number, a_world, register_worker

V1 = "/api/v1"
APRIL_TO_MAY = {"from": "2026-04-10", "to": "2026-05-31", "interval": "month"}


@pytest.fixture
def world(api: Api) -> World:
    """Anna and Bogdan at the dwelling, Cezary at the other location from 1 April (registered on 15 June).

    Bogdan moves to the other location on 16 May; Cezary leaves the municipality on 11 May.
    """
    ledger = api.services.ledger
    world = a_world(ledger)
    register_worker(ledger, world, family_name="Anna", nationality="POL")
    bogdan = register_worker(ledger, world, family_name="Bogdan", nationality="ROU")
    cezary = register_worker(ledger, world, family_name="Cezary", nationality="POL")
    ledger.change_housing(cezary, housing_location_id=world.other_location_id, valid_from=date(2026, 4, 1))
    ledger.change_housing(bogdan, housing_location_id=world.other_location_id, valid_from=date(2026, 5, 16))
    ledger.record_departure(cezary, departed_on=date(2026, 5, 11))
    return world


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
    return {
        (r["periodStart"], r["groupKey"]): tuple(
            r["measures"][m] for m in ("headcountAtStart", "distinctResidents", "personDays")
        )
        for r in rows
    }


def refused(answer: httpx.Response) -> list[tuple[str, str]]:
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return [(p["name"], p["code"]) for p in answer.json()["invalidParams"]]


def test_headcounts_by_location_per_month(api: Api, world: World) -> None:
    """10-30 April (21 days) and May (31 days).

    The dwelling: Anna and Bogdan all April (2, 2, 42); in May both at its start, Bogdan until 15 May (2, 2, 46).
    The other: Cezary all April (1, 1, 21); in May Cezary until 10 May and Bogdan from 16 May (1, 2, 26).
    """
    report = ok(get(api, "/reports/headcounts", groupBy="housingLocation", **APRIL_TO_MAY))

    assert report["report"] == "headcounts"
    assert (report["from"], report["to"], report["interval"], report["groupBy"]) == (
        "2026-04-10",
        "2026-05-31",
        "month",
        "housingLocation",
    )
    assert report["disclosure"] == "internal"
    assert report["measures"] == ["headcountAtStart", "distinctResidents", "personDays"]
    dwelling, other = world.location_id.hex, world.other_location_id.hex
    assert figures(report["rows"]) == {
        ("2026-04-10", dwelling): (2, 2, 42),
        ("2026-04-10", other): (1, 1, 21),
        ("2026-05-01", dwelling): (2, 2, 46),
        ("2026-05-01", other): (1, 2, 26),
    }
    assert [r["periodEnd"] for r in report["rows"]] == ["2026-04-30", "2026-04-30", "2026-05-31", "2026-05-31"]
    labels = {r["groupKey"]: r["groupLabel"] for r in report["rows"]}
    assert labels[dwelling].startswith("Dorpsstraat ") and labels[other].startswith("Kerkstraat ")
    assert not any(r["suppressed"] for r in report["rows"])
    # The totals are counted, not summed: Bogdan is one resident of May, in two places.
    assert figures(report["totals"]) == {("2026-04-10", None): (3, 3, 63), ("2026-05-01", None): (3, 3, 72)}
    assert {t["groupLabel"] for t in report["totals"]} == {"Total"}


def test_without_a_grouping_the_rows_are_the_municipality(api: Api, world: World) -> None:
    report = ok(get(api, "/reports/headcounts", **APRIL_TO_MAY))
    assert report["groupBy"] is None
    assert figures(report["rows"]) == {("2026-04-10", None): (3, 3, 63), ("2026-05-01", None): (3, 3, 72)}
    assert report["totals"] == []


def test_by_kind_and_by_nationality(api: Api, world: World) -> None:
    by_kind = ok(get(api, "/reports/headcounts", groupBy="kind", **APRIL_TO_MAY))
    assert figures(by_kind["rows"]) == {
        ("2026-04-10", "dwelling"): (2, 2, 42),
        ("2026-04-10", "short_stay_facility"): (1, 1, 21),
        ("2026-05-01", "dwelling"): (2, 2, 46),
        ("2026-05-01", "short_stay_facility"): (1, 2, 26),
    }
    by_nationality = ok(get(api, "/reports/headcounts", groupBy="nationality", **APRIL_TO_MAY))
    # Anna all the time and Cezary until 10 May; Bogdan all the time.
    assert figures(by_nationality["rows"]) == {
        ("2026-04-10", "POL"): (2, 2, 42),
        ("2026-04-10", "ROU"): (1, 1, 21),
        ("2026-05-01", "POL"): (2, 2, 41),
        ("2026-05-01", "ROU"): (1, 1, 31),
    }
    assert {r["groupLabel"] for r in by_nationality["rows"]} == {None}


def test_as_known_before_the_move_was_recorded(api: Api, world: World) -> None:
    # The fixed clock's instant is later than every write; the writes themselves are recorded with the real time.
    before = datetime.now(UTC)
    ledger = api.services.ledger
    newcomer = register_worker(ledger, world, family_name="Dorota", nationality="POL")
    now = ok(get(api, "/reports/headcounts", **APRIL_TO_MAY))
    then = ok(get(api, "/reports/headcounts", asKnownAt=before.isoformat(), **APRIL_TO_MAY))

    assert figures(now["rows"])[("2026-04-10", None)] == (4, 4, 84)
    assert figures(then["rows"])[("2026-04-10", None)] == (3, 3, 63)
    assert newcomer


def test_csv_reads_back_as_the_json_says(api: Api, world: World) -> None:
    answer = get(api, "/reports/headcounts", accept="text/csv", groupBy="housingLocation", **APRIL_TO_MAY)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith('attachment; filename="headcounts-')
    assert answer.content.startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    report = ok(get(api, "/reports/headcounts", groupBy="housingLocation", **APRIL_TO_MAY))
    as_json = [*report["rows"], *report["totals"]]
    assert len(records) == len(as_json) == 6
    for record, row in zip(records, as_json, strict=True):
        assert record["periodStart"] == row["periodStart"] and record["periodEnd"] == row["periodEnd"]
        assert record["groupKey"] == (row["groupKey"] or "")
        assert record["groupLabel"] == row["groupLabel"]
        assert {m: int(record[m]) for m in report["measures"]} == row["measures"]


def test_xlsx_has_typed_cells(api: Api, world: World) -> None:
    answer = get(api, "/reports/headcounts", accept=XLSX, groupBy="nationality", **APRIL_TO_MAY)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content))["headcounts"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "periodStart",
        "periodEnd",
        "groupKey",
        "groupLabel",
        "headcountAtStart",
        "distinctResidents",
        "personDays",
    )
    assert rows[1] == (datetime(2026, 4, 10), datetime(2026, 4, 30), "POL", None, 2, 2, 42)
    assert sheet.cell(row=2, column=2).is_date
    assert rows[-1][2:] == (None, "Total", 3, 3, 72)


def test_public_disclosure_suppresses_small_cells(api: Api, world: World) -> None:
    report = ok(get(api, "/reports/headcounts", groupBy="nationality", disclosure="public", **APRIL_TO_MAY))

    assert report["disclosure"] == "public"
    # Two and one person: every cell is small, and so is every total.
    assert all(r["suppressed"] and set(r["measures"].values()) == {None} for r in report["rows"])
    assert all(t["suppressed"] for t in report["totals"])
    answer = get(
        api, "/reports/headcounts", accept="text/csv", groupBy="nationality", disclosure="public", **APRIL_TO_MAY
    )
    records = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    assert records[1][4:] == ["<5", "<5", "<5"]


@pytest.mark.parametrize("group_by", ["housingLocation", "employer"])
def test_public_disclosure_by_location_or_employer_is_refused(api: Api, group_by: str) -> None:
    answer = get(api, "/reports/headcounts", groupBy=group_by, disclosure="public", **APRIL_TO_MAY)
    assert refused(answer) == [("groupBy", "identifying_group")]


def test_bad_spans_are_refused_naming_the_parameter(api: Api) -> None:
    assert refused(get(api, "/reports/headcounts", **{"from": "2026-05-02", "to": "2026-05-01"})) == [
        ("to", "before_from")
    ]
    too_long = {"from": "2026-01-01", "to": "2027-12-31", "interval": "day"}
    assert refused(get(api, "/reports/headcounts", **too_long)) == [("to", "too_many_periods")]
    names = [name for name, _ in refused(get(api, "/reports/headcounts", **{**APRIL_TO_MAY, "interval": "fortnight"}))]
    assert names == ["interval"]
    assert [name for name, _ in refused(get(api, "/reports/headcounts", to="2026-05-01"))] == ["from"]
    assert [name for name, _ in refused(get(api, "/reports/headcounts", groupBy="colour", **APRIL_TO_MAY))] == [
        "groupBy"
    ]


def test_an_accept_the_report_cannot_give_is_406(api: Api) -> None:
    answer = get(api, "/reports/headcounts", accept="application/xml", **APRIL_TO_MAY)
    assert answer.status_code == 406
    assert answer.headers["content-type"] == "application/problem+json"


def test_employers_may_not_read_reports(api: Api) -> None:
    assert get(api, "/reports/headcounts", role="employer", **APRIL_TO_MAY).status_code == 403


def test_a_report_writes_no_processing_log_line(api: Api, world: World) -> None:
    for accept in (None, "text/csv", XLSX):
        assert get(api, "/reports/headcounts", accept=accept, groupBy="employer", **APRIL_TO_MAY).status_code == 200
    assert api.services.processing_log.lines(actor="test-registrar") == []
