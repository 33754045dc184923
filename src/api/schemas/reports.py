"""The answers of the reports (`GET /reports/…`) as JSON: one table shape for every report.

The same table is given as CSV and XLSX (`api.report_formats`); the JSON
carries what the files leave implicit: which report, over which days, grouped
how, for whom (`disclosure`), and as known when.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from api.schemas.common import ApiModel, Instant
from projections.reports.capacity import CapacityGroup
from projections.reports.periods import Interval
from projections.reports.suppression import Disclosure
from projections.reports.table import Measure, ReportGroup, ReportRow, ReportTable

GROUP_KEY = (
    "The group: a housing location's or an employer's id (hex), a nationality (ISO 3166-1 alpha-3), a postcode area"
    " (four digits) or a location's kind; `null` in a total of all groups."
)
GROUP_LABEL = (
    "What a person reads beside the key: a location's address on one line, an employer's name; `Total` in a"
    " total; `null` for a code (a nationality, a postcode area, a kind)."
)


def _number(value: Measure) -> int | float | None:
    # Amounts are exact decimals inside; JSON has numbers (with at most two decimals for euros).
    return float(value) if isinstance(value, Decimal) else value


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
    ) -> PeriodReportPublic:
        """The JSON answer of a period report's table."""
        return cls(
            report=table.report,
            first=first,
            last=last,
            interval=interval,
            group_by=table.group_by,
            disclosure=disclosure,
            as_known_at=as_known_at,
            measures=list(table.measures),
            rows=[ReportRowPublic.of(row) for row in table.rows],
            totals=[ReportRowPublic.of(row) for row in table.totals],
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
        cls, table: ReportTable, *, on: date, group_by: CapacityGroup | None, as_known_at: Instant
    ) -> CapacityReportPublic:
        """The JSON answer of the capacity report."""
        return cls(
            report=table.report,
            on=on,
            group_by=group_by,
            as_known_at=as_known_at,
            measures=list(table.measures),
            rows=[ReportRowPublic.of(row) for row in table.rows],
            totals=[ReportRowPublic.of(row) for row in table.totals],
        )
