"""The answers of the reports (`GET /reports/…`) as JSON: one table shape for every report.

The same table is given as CSV and XLSX (`api.report_formats`); the JSON
carries what the files leave implicit: which report, over which days, grouped
how, for whom (`disclosure`), and as known when.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field

from api.schemas.common import ApiModel, Instant
from projections.reports.capacity import CapacityGroup
from projections.reports.periods import Interval
from projections.reports.suppression import Disclosure
from projections.reports.table import Columns, Measure, ReportGroup, ReportRow, ReportTable

GROUP_KEY = (
    "The group: a housing location's or an employer's id (hex), a nationality (ISO 3166-1 alpha-3), a postcode area"
    " (four digits), a location's kind, or (the alerts report) a kind of alert; `null` in a total of all groups."
)
GROUP_LABEL = (
    "What a person reads beside the key: a location's address on one line, an employer's name; `Total` in a"
    " total; `null` for a code (a nationality, a postcode area, a kind)."
)


def _number(value: Measure) -> int | float | None:
    # Amounts are exact decimals inside; JSON has numbers (with at most two decimals for euros).
    return float(value) if isinstance(value, Decimal) else value


def rows_json(rows: Sequence[ReportRow]) -> list[dict[str, Any]]:
    """The rows as `ReportRowPublic.of(row).model_dump(mode="json", by_alias=True)` gives them, without a model each.

    A table by location has some 200 000 rows at 100 000 workers; a pydantic
    model each cost seconds (docs/reports.md, *Speed*). A test holds the two
    equal (tests/unit/test_report_formats_pinned.py).
    """
    if not isinstance(rows, Columns):
        return [_row_json(row) for row in rows]
    days: dict[date, str] = {}
    names = rows.measures
    return [
        {
            "periodStart": days.get(start) or days.setdefault(start, start.isoformat()),
            "periodEnd": days.get(end) or days.setdefault(end, end.isoformat()),
            "groupKey": key,
            "groupLabel": label,
            "measures": dict(zip(names, map(_number, values), strict=True)),
            "suppressed": suppressed,
        }
        for start, end, key, label, values, suppressed in rows.cells()
    ]


def _row_json(row: ReportRow) -> dict[str, Any]:
    return {
        "periodStart": row.period_start.isoformat(),
        "periodEnd": row.period_end.isoformat(),
        "groupKey": row.group_key,
        "groupLabel": row.group_label,
        "measures": {name: _number(value) for name, value in row.measures.items()},
        "suppressed": row.suppressed,
    }


def report_json(envelope: ApiModel, table: ReportTable) -> dict[str, Any]:
    """A report's JSON: `envelope` (made with no rows and no totals) dumped, with the table's rows and totals in it."""
    body = envelope.model_dump(mode="json", by_alias=True)
    body["rows"], body["totals"] = rows_json(table.rows), rows_json(table.totals)
    return body


class ReportRowPublic(ApiModel):
    """One period and one group (or the period's total) with the report's measures."""

    period_start: date = Field(description="The period's first day (the report's `from` for the first period).")
    period_end: date = Field(description="The period's last day, inclusive (the report's `to` for the last).")
    group_key: str | None = Field(description=GROUP_KEY)
    group_label: str | None = Field(description=GROUP_LABEL)
    measures: dict[str, int | float | None] = Field(
        description="The report's measures by name (see `measures` for their order); all `null` when suppressed."
    )
    suppressed: bool = Field(
        description="`disclosure=public`: the row counts 1 to 4 persons, or is suppressed beside one that does."
    )

    @classmethod
    def of(cls, row: ReportRow) -> ReportRowPublic:
        """A row of a report table."""
        return cls(
            period_start=row.period_start,
            period_end=row.period_end,
            group_key=row.group_key,
            group_label=row.group_label,
            measures={name: _number(value) for name, value in row.measures.items()},
            suppressed=row.suppressed,
        )


class PeriodReportPublic(ApiModel):
    """A report over periods: a row per period and group, and each period's total (docs/reports.md)."""

    report: str = Field(description="Which report.", examples=["headcounts"])
    first: date = Field(serialization_alias="from", description="The first day reported on.")
    last: date = Field(serialization_alias="to", description="The last day reported on (inclusive).")
    interval: Interval
    group_by: ReportGroup | None = Field(description="What the rows are grouped by; `null`: one row per period.")
    disclosure: Disclosure = Field(
        description="`internal`: as counted; `public`: small cells suppressed, so that the table may be published."
    )
    as_known_at: Instant = Field(description="The report counts the events recorded at or before this instant.")
    measures: list[str] = Field(description="The measures of each row, in the order of the CSV's columns.")
    rows: list[ReportRowPublic] = Field(description="One per period and group, in period and then key order.")
    totals: list[ReportRowPublic] = Field(
        description="One per period when grouped (counted, not summed: a worker in two groups is one person of it)."
    )

    @classmethod
    def of(
        cls,
        table: ReportTable,
        *,
        first: date,
        last: date,
        interval: Interval,
        disclosure: Disclosure,
        as_known_at: Instant,
        with_rows: bool = True,
    ) -> PeriodReportPublic:
        """The JSON answer of a period report's table (`with_rows` false: its rows and totals left empty)."""
        return cls(
            report=table.report,
            first=first,
            last=last,
            interval=interval,
            group_by=table.group_by,
            disclosure=disclosure,
            as_known_at=as_known_at,
            measures=list(table.measures),
            rows=[ReportRowPublic.of(row) for row in table.rows] if with_rows else [],
            totals=[ReportRowPublic.of(row) for row in table.totals] if with_rows else [],
        )


class CapacityReportPublic(ApiModel):
    """Every housing location on a day, over-full first, with totals per group and of all (docs/reports.md)."""

    report: str = Field(description="Which report.", examples=["capacity"])
    on: date = Field(description="The day reported on.")
    group_by: CapacityGroup | None = Field(description="What the totals are grouped by; `null`: one total.")
    as_known_at: Instant = Field(description="The report counts the events recorded at or before this instant.")
    measures: list[str] = Field(description="The measures of each row, in the order of the CSV's columns.")
    rows: list[ReportRowPublic] = Field(
        description="One per location (`groupKey` its id, `groupLabel` its address): the over-full first."
    )
    totals: list[ReportRowPublic] = Field(
        description="One per group (`groupKey` the postcode area or kind), then one of all locations (`Total`)."
    )

    @classmethod
    def of(
        cls,
        table: ReportTable,
        *,
        on: date,
        group_by: CapacityGroup | None,
        as_known_at: Instant,
        with_rows: bool = True,
    ) -> CapacityReportPublic:
        """The JSON answer of the capacity report (`with_rows` false: its rows and totals left empty)."""
        return cls(
            report=table.report,
            on=on,
            group_by=group_by,
            as_known_at=as_known_at,
            measures=list(table.measures),
            rows=[ReportRowPublic.of(row) for row in table.rows] if with_rows else [],
            totals=[ReportRowPublic.of(row) for row in table.totals] if with_rows else [],
        )
