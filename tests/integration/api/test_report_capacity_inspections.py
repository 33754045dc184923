"""GET /reports/capacity (a day, every location, over-full first) and GET /reports/inspections (per period).

Both backends; JSON, CSV and XLSX; municipal roles only; no processing-log line.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from api.report_formats import XLSX
from ledger.domain.housing_location import Registrant
from tests.conftest import Api
from tests.factories import a_bag_id, a_world, an_address, register_worker
from tests.integration.api.test_reports import get, ok, refused

CAPACITY = ("maxOccupants", "headcount", "freePlaces", "overBy", "utilisation")


@pytest.fixture
def places(api: Api) -> dict[str, str]:
    """The dwelling (at most 4) with one worker, the other location (20) empty, a house for one with three, and a
    house an employer registered (no limit, no floor area: not assessed) with one; on 1 June.
    """
    ledger = api.services.ledger
    world = a_world(ledger)
    small = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(street="Molenweg", postcode="1687 AB", city="Wognum"),
        kind="dwelling",
        max_occupants=1,
        floor_area_m2=40,
    ).id
    unassessed = ledger.register_housing_location(
        bag_id=a_bag_id(),
        address=an_address(street="Oosterstraat"),
        kind="dwelling",
        max_occupants=10,
        floor_area_m2=None,
        registrant=Registrant(municipal=False, employer_id=world.employer_id),
    ).id
    workers = [register_worker(ledger, world) for _ in range(5)]
    for worker in workers[:3]:
        ledger.change_housing(worker, housing_location_id=small, valid_from=date(2026, 5, 1))
    ledger.change_housing(workers[4], housing_location_id=unassessed, valid_from=date(2026, 5, 1))
    return {
        "dwelling": world.location_id.hex,
        "other": world.other_location_id.hex,
        "small": small.hex,
        "unassessed": unassessed.hex,
    }


def measures(row: dict[str, Any], names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(row["measures"][name] for name in names)


def test_capacity_over_full_first_with_totals_per_postcode_area(api: Api, places: dict[str, str]) -> None:
    report = ok(get(api, "/reports/capacity", on="2026-06-01", groupBy="postcodeArea"))

    assert (report["report"], report["on"], report["groupBy"]) == ("capacity", "2026-06-01", "postcodeArea")
    assert report["measures"] == list(CAPACITY)
    rows = {r["groupKey"]: r for r in report["rows"]}
    assert report["rows"][0]["groupKey"] == places["small"]  # the one over capacity comes first
    assert report["rows"][0]["groupLabel"].startswith("Molenweg ")
    assert measures(rows[places["small"]], CAPACITY) == (1, 3, 0, 2, 3.0)
    assert measures(rows[places["dwelling"]], CAPACITY) == (4, 1, 3, 0, 0.25)
    assert measures(rows[places["other"]], CAPACITY) == (20, 0, 20, 0, 0.0)
    assert measures(rows[places["unassessed"]], CAPACITY) == (None, 1, None, None, None)
    assert all(r["periodStart"] == r["periodEnd"] == "2026-06-01" for r in report["rows"])
    totals = {t["groupKey"]: measures(t, CAPACITY) for t in report["totals"]}
    # Maxima, free places and overBy of the locations with a known maximum; every location's headcount.
    assert totals == {
        "1671": (24, 2, 23, 0, 0.0417),
        "1687": (1, 3, 0, 2, 3.0),
        None: (25, 5, 23, 2, 0.16),
    }
    assert report["totals"][-1]["groupLabel"] == "Total"


def test_capacity_as_csv_and_xlsx(api: Api, places: dict[str, str]) -> None:
    answer = get(api, "/reports/capacity", accept="text/csv", on="2026-06-01")
    assert answer.status_code == 200, answer.text
    records = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    assert records[0] == ["periodStart", "periodEnd", "groupKey", "groupLabel", *CAPACITY]
    assert records[1][2] == places["small"] and records[1][4:] == ["1", "3", "0", "2", "3.0"]
    assert records[-1] == ["2026-06-01", "2026-06-01", "", "Total", "25", "5", "23", "2", "0.16"]
    unassessed = next(r for r in records if r[2] == places["unassessed"])
    assert unassessed[4:] == ["", "1", "", "", ""]

    sheet = openpyxl.load_workbook(io.BytesIO(get(api, "/reports/capacity", accept=XLSX, on="2026-06-01").content))
    rows = list(sheet["capacity"].iter_rows(values_only=True))
    assert rows[1][:2] == (datetime(2026, 6, 1), datetime(2026, 6, 1))
    assert rows[1][4:] == (1, 3, 0, 2, 3)


def test_capacity_takes_no_grouping_by_person_and_no_disclosure(api: Api) -> None:
    assert [name for name, _ in refused(get(api, "/reports/capacity", groupBy="nationality"))] == ["groupBy"]
    assert [name for name, _ in refused(get(api, "/reports/capacity", disclosure="public"))] == ["disclosure"]


def test_inspections_per_month(api: Api) -> None:
    ledger = api.services.ledger
    world = a_world(ledger)

    def inspect(day: date, findings: list[str], outcome: str) -> Any:
        return ledger.record_inspection(
            housing_location_id=world.location_id,
            inspected_on=day,
            occupants_found=3,
            findings=findings,
            outcome=outcome,
        ).id

    inspect(date(2026, 5, 2), ["overcrowding", "fire_safety"], "violations")
    inspect(date(2026, 5, 20), [], "compliant")
    june = inspect(date(2026, 6, 10), ["overcrowding"], "violations")
    # Imposed today (the ledger's fixed day, 15 June).
    ledger.impose_sanction(june, kind="warning", against="employer", employer_id=world.employer_id)
    ledger.impose_sanction(
        june, kind="administrative_fine", against="owner", owner_kvk_number="34781256", amount_eur=Decimal("1250.50")
    )

    report = ok(get(api, "/reports/inspections", **{"from": "2026-05-01", "to": "2026-06-30", "interval": "month"}))

    assert report["report"] == "inspections" and report["groupBy"] is None
    may, jun = (r["measures"] for r in report["rows"])
    assert (may["inspections"], may["inspectionsCompliant"], may["inspectionsViolations"]) == (2, 1, 1)
    assert (may["findingsOvercrowding"], may["findingsFireSafety"], may["findingsHygiene"]) == (1, 1, 0)
    assert (may["sanctions"], may["amountEur"]) == (0, 0)
    assert (jun["inspections"], jun["inspectionsViolations"], jun["findingsOvercrowding"]) == (1, 1, 1)
    assert (jun["sanctions"], jun["sanctionsWarning"], jun["sanctionsAdministrativeFine"]) == (2, 1, 1)
    assert (jun["sanctionsOrderSubjectToPenalty"], jun["sanctionsAgainstEmployer"], jun["sanctionsAgainstOwner"]) == (
        0,
        1,
        1,
    )
    assert jun["amountEur"] == 1250.5
    answer = get(api, "/reports/inspections", accept="text/csv", **{"from": "2026-06-01", "to": "2026-06-30"})
    record = next(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    assert record["amountEur"] == "1250.50"
    assert [
        name
        for name, _ in refused(
            get(api, "/reports/inspections", groupBy="kind", to="2026-06-30", **{"from": "2026-06-01"})
        )
    ] == ["groupBy"]


@pytest.mark.parametrize("path", ["/reports/capacity", "/reports/inspections"])
def test_for_the_municipality_only_and_never_logged(api: Api, path: str) -> None:
    params = {"from": "2026-05-01", "to": "2026-06-30"} if path.endswith("inspections") else {}
    assert get(api, path, role="employer", **params).status_code == 403
    for role in ("registrar", "inspector", "auditor", "admin"):
        assert get(api, path, role=role, **params).status_code == 200
    assert [
        line
        for role in ("registrar", "inspector", "auditor", "admin")
        for line in api.services.processing_log.lines(actor=f"test-{role}")
    ] == []
