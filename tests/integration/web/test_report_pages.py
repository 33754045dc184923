"""Rapportages (`/rapportages`): each report of issue 18 as a page — its table is the API's answer to the same
question, its downloads the API's files, the public variant the API's suppressed one, a bad question shown at its
field — and no processing-log line (docs/web.md § Rapportages, docs/reports.md)."""

from __future__ import annotations

import csv
import io
from datetime import date
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.auth import DevelopmentTokens, Role
from tests.factories import a_bag_id, a_kvk_number, an_address
from tests.integration.web.site import sign_in
from tests.integration.web.test_overview import V1, caught_up, hire, services_of

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def housed(site: TestClient) -> None:
    """Eight workers at two locations (six and two) from April, one moving in May."""
    ledger = services_of(site).ledger
    employer = ledger.register_employer(kvk_number=a_kvk_number(), name="Flexwerk Westfriesland B.V.")
    big = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Dorpsstraat"), kind="dwelling", max_occupants=6
    )
    small = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(street="Kerkstraat"), kind="other", max_occupants=1
    )
    for _ in range(6):
        hire(ledger, employer.id, big.id, housed_from=date(2026, 4, 1))
    for _ in range(2):
        hire(ledger, employer.id, small.id, housed_from=date(2026, 4, 10))
    caught_up(site)


class Rows(HTMLParser):
    """The report table's rows as a page shows them: `<tr data-period-start … data-group-key>` with
    `<td data-measure="NAME" data-value="V">` cells (empty `data-value`: unknown; `data-suppressed`: `<5`)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and "data-period-start" in a:
            self.rows.append(
                {
                    "periodStart": a["data-period-start"],
                    "periodEnd": a["data-period-end"],
                    "groupKey": a.get("data-group-key") or None,
                    "suppressed": "data-suppressed" in a,
                    "measures": {},
                }
            )
        elif tag == "td" and "data-measure" in a and self.rows:
            self.rows[-1]["measures"][a["data-measure"]] = a.get("data-value") or None


def shown_rows(page: httpx.Response) -> list[dict[str, Any]]:
    parser = Rows()
    parser.feed(page.text)
    return parser.rows


def api_report(site: TestClient, report: str, accept: str = "application/json", **params: str) -> httpx.Response:
    token = DevelopmentTokens(services_of(site).settings).issue(role=Role.AUDITOR, sub="test-api")
    answer = site.get(
        f"{V1}/reports/{report}", params=params, headers={"Authorization": f"Bearer {token}", "Accept": accept}
    )
    assert answer.status_code == 200, answer.text
    return answer


def _as_shown(value: Any) -> str | None:
    return None if value is None else str(value)


def api_rows(site: TestClient, report: str, **params: str) -> list[dict[str, Any]]:
    body = api_report(site, report, **params).json()
    return [
        {
            "periodStart": row["periodStart"],
            "periodEnd": row["periodEnd"],
            "groupKey": row["groupKey"],
            "suppressed": row["suppressed"],
            "measures": {name: _as_shown(row["measures"][name]) for name in body["measures"]},
        }
        for row in (*body["rows"], *body["totals"])
    ]


QUESTIONS = [
    ("headcounts", {"from": "2026-03-10", "to": "2026-06-30", "interval": "month"}),
    ("headcounts", {"from": "2026-04-01", "to": "2026-06-14", "interval": "week", "groupBy": "housingLocation"}),
    ("headcounts", {"from": "2026-01-01", "to": "2026-06-30", "interval": "quarter", "groupBy": "postcodeArea",
                    "disclosure": "public"}),
    ("flows", {"from": "2026-01-01", "to": "2026-06-30", "interval": "month", "groupBy": "employer"}),
    ("flows", {"from": "2026-01-01", "to": "2026-06-30", "interval": "month", "groupBy": "kind",
               "disclosure": "public"}),
    ("inspections", {"from": "2026-01-01", "to": "2026-06-30", "interval": "month"}),
    ("capacity", {"on": "2026-05-01", "groupBy": "kind"}),
]  # fmt: skip


@pytest.mark.parametrize(("report", "asked"), QUESTIONS)
def test_the_table_is_the_apis_answer_to_the_same_question(
    site: TestClient, housed: None, report: str, asked: dict[str, str]
) -> None:
    sign_in(site, "registrar")

    page = site.get("/rapportages", params={"report": report, **asked})

    assert page.status_code == 200, page.text
    expected = api_rows(site, report, **asked)
    assert expected, "the question must have rows"
    assert shown_rows(page) == expected
    assert 'src="/rapportages/grafiek.svg?' in page.text


def test_the_public_variant_suppresses_as_the_api_does(site: TestClient, housed: None) -> None:
    sign_in(site, "inspector")
    asked = {"report": "headcounts", "from": "2026-04-01", "to": "2026-05-31", "groupBy": "kind"}

    internal = shown_rows(site.get("/rapportages", params=asked))
    public = shown_rows(site.get("/rapportages", params={**asked, "disclosure": "public"}))

    assert not any(row["suppressed"] for row in internal)
    assert any(row["suppressed"] for row in public)  # the two at Kerkstraat ("other")
    assert all(value is None for row in public if row["suppressed"] for value in row["measures"].values())


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_downloads_are_the_apis_files(site: TestClient, housed: None, kind: str) -> None:
    sign_in(site, "auditor")
    asked = {"from": "2026-04-01", "to": "2026-06-30", "interval": "month", "groupBy": "housingLocation"}

    download = site.get(f"/rapportages/bestand.{kind}", params={"report": "headcounts", **asked})
    api = api_report(site, "headcounts", accept=CSV if kind == "csv" else XLSX, **asked)

    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == api.headers["content-type"]
    assert download.headers["content-disposition"] == api.headers["content-disposition"]
    if kind == "csv":
        assert download.content == api.content
        parsed = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert parsed[0][:4] == ["periodStart", "periodEnd", "groupKey", "groupLabel"]
        assert len(parsed) == 1 + 3 * 3  # three months by two locations, and three totals
    else:
        sheets = [load_workbook(io.BytesIO(body.content)).active for body in (download, api)]
        cells = [[[c.value for c in row] for row in sheet.iter_rows()] for sheet in sheets]
        assert cells[0] == cells[1]


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        ({"from": "2026-06-30", "to": "2026-01-01"}, "to"),
        ({"from": "2026-13-01", "to": "2026-06-30"}, "from"),
        ({"from": "2020-01-01", "to": "2026-06-30", "interval": "day"}, "to"),
        ({"groupBy": "employer", "disclosure": "public"}, "groupBy"),
        ({"interval": "fortnight"}, "interval"),
        ({"report": "capacity", "groupBy": "employer"}, "groupBy"),
    ],
)
def test_a_bad_question_is_shown_at_its_field(
    site: TestClient, housed: None, asked: dict[str, str], field: str
) -> None:
    sign_in(site, "registrar")
    asked = dict(asked)  # both backends' runs share the parameters: a pop here would change the next run's question

    page = site.get("/rapportages", params={"report": asked.pop("report", "headcounts"), **asked})

    assert page.status_code == 400
    assert f'id="{field}-error"' in page.text and f'aria-describedby="{field}-error' in page.text
    assert '<html lang="nl"' in page.text
    assert shown_rows(page) == []


def test_a_bad_question_downloads_nothing(site: TestClient, housed: None) -> None:
    sign_in(site, "registrar")

    answer = site.get(
        "/rapportages/bestand.csv", params={"report": "headcounts", "from": "2026-06-30", "to": "2026-01-01"}
    )

    assert answer.status_code == 400
    assert "text/html" in answer.headers["content-type"]


def test_reports_write_no_processing_log_line(site: TestClient, housed: None) -> None:
    sign_in(site, "admin")
    log = services_of(site).processing_log
    before = len(log.lines())

    for report in ("headcounts", "flows", "inspections", "capacity"):
        grouped = {} if report == "inspections" else {"groupBy": "kind"}
        assert site.get("/rapportages", params={"report": report, **grouped}).status_code == 200
        assert site.get("/rapportages/grafiek.svg", params={"report": report}).status_code == 200
        assert site.get("/rapportages/bestand.xlsx", params={"report": report}).status_code == 200

    assert len(log.lines()) == before


def test_the_chart_is_an_svg_with_its_own_policy(site: TestClient, housed: None) -> None:
    sign_in(site, "registrar")

    chart = site.get("/rapportages/grafiek.svg", params={"report": "flows", "from": "2026-01-01", "to": "2026-06-30"})

    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in chart.headers["content-security-policy"]
    assert "<svg" in chart.text
    assert chart.text.count('class="bar"') == 6 * 5  # six months, five measures of the municipality as a whole
