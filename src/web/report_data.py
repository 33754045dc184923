"""The Rapportages page's question, read from its fields, and its table, made as the API's report routes make it.

The fields are the API's parameters under the API's names (`report`, `from`,
`to`, `interval`, `groupBy`, `disclosure`; `on` and `asKnownAt` from the
time-travel control), checked by the same rules (`projections.reports.periods`'
`check_span`, `api.reporting.check_disclosure`): a refusal is a code at its
field (`web.fields`), never an exception. The table comes from the same query
functions (which label the groups that are locations or employers), suppressed by
the same code (`projections.reports.suppression.suppress`), so the page, its chart and its
downloads show what `GET /api/v1/reports/…` answers (docs/reports.md,
docs/web.md § Rapportages). A report counts workers and shows none: nothing
here writes a processing-log line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from api.parameters import Moment
from api.reporting import check_disclosure
from api.services import Services
from ledger.errors import RuleViolated
from projections.labels import read_labels
from projections.reports.capacity import CapacityGroup, capacity_report
from projections.reports.flows import flows_report
from projections.reports.headcounts import headcounts_report
from projections.reports.inspections import inspections_report
from projections.reports.periods import Interval, Period, check_span, periods
from projections.reports.suppression import Disclosure, suppress
from projections.reports.table import PeriodQuestion, ReportGroup, ReportTable
from web.fields import Fields


class Report(StrEnum):
    """The reports of issue 18 (the API's `/reports/{name}`)."""

    HEADCOUNTS = "headcounts"
    FLOWS = "flows"
    CAPACITY = "capacity"
    INSPECTIONS = "inspections"


# The reports over periods take `groupBy` and `disclosure`; inspections neither; capacity a day and its own groups.
GROUPED = frozenset({Report.HEADCOUNTS, Report.FLOWS})
# The measures the chart draws, per report (of the totals: the municipality as a whole); the table has them all.
CHARTED = {
    Report.HEADCOUNTS: ("headcountAtStart", "distinctResidents"),
    Report.FLOWS: ("workersRegistered", "housingStarts", "housingEnds", "contractEnds", "departures"),
    Report.INSPECTIONS: ("inspections", "inspectionsViolations", "sanctions"),
    Report.CAPACITY: ("maxOccupants", "headcount"),
}
# The domain's names of the fields → the page's (the API's).
_FIELDS = {"group_by": "groupBy"}

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class ReportQuestion:
    """A report asked on the page, checked."""

    report: Report
    first: date
    last: date
    interval: Interval
    group_by: ReportGroup | CapacityGroup | None
    disclosure: Disclosure
    moment: Moment

    @property
    def file_name(self) -> str:
        """The download's name, as the API names it (without the extension)."""
        if self.report is Report.CAPACITY:
            return f"capacity-{self.moment.on.isoformat()}"
        return f"{self.report.value}-{self.first.isoformat()}-{self.last.isoformat()}"


def default_span(on: date) -> tuple[date, date]:
    """The span a page shows when none is asked: the twelve calendar months up to `on`, `on` included."""
    return on.replace(day=1) - relativedelta(months=11), on


def _choice(fields: Fields, name: str, kind: type[E], default: E | None) -> E | None:
    value = fields.value(name)
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        fields.errors[name] = "invalid_choice"
        return default


def read_question(fields: Fields, moment: Moment) -> ReportQuestion:
    """The question in the page's fields; its refusals, by code, in `fields.errors`."""
    report = _choice(fields, "report", Report, Report.HEADCOUNTS) or Report.HEADCOUNTS
    default_first, default_last = default_span(moment.on)
    first = fields.day("from", default=default_first) or default_first
    last = fields.day("to", default=default_last) or default_last
    interval = _choice(fields, "interval", Interval, Interval.MONTH) or Interval.MONTH
    disclosure = _choice(fields, "disclosure", Disclosure, Disclosure.INTERNAL) or Disclosure.INTERNAL
    group_by: ReportGroup | CapacityGroup | None
    if report is Report.CAPACITY:
        group_by = _choice(fields, "groupBy", CapacityGroup, None)
    else:
        group_by = _choice(fields, "groupBy", ReportGroup, None)
    if report not in GROUPED:
        # The API's inspections and capacity routes take no `disclosure` (docs/reports.md § Disclosure).
        if disclosure is Disclosure.PUBLIC:
            fields.errors.setdefault("disclosure", "internal_only")
        if report is Report.INSPECTIONS and group_by is not None:
            fields.errors.setdefault("groupBy", "not_applicable")
    if report is not Report.CAPACITY and not {"from", "to", "interval"} & fields.errors.keys():
        try:
            check_span(first, last, interval)
        except RuleViolated as refused:
            fields.refused_by(refused)
    if report in GROUPED and isinstance(group_by, ReportGroup) and "groupBy" not in fields.errors:
        try:
            check_disclosure(disclosure, group_by)
        except RuleViolated as refused:
            fields.refused_by(refused, _FIELDS)
    return ReportQuestion(report, first, last, interval, group_by, disclosure, moment)


def report_table(services: Services, question: ReportQuestion) -> ReportTable:
    """The report's table, labelled and (public) suppressed, as the API's route makes it."""
    engine = services.ledger.database.engine
    as_known_at = question.moment.as_known_at
    if question.report is Report.CAPACITY:
        group = question.group_by if isinstance(question.group_by, CapacityGroup) else None
        table = capacity_report(
            engine,
            on=question.moment.on,
            as_known_at=as_known_at,
            norms=services.settings.floor_area_norms_m2,
            group_by=group,
        )
        found = read_labels(engine, locations=[UUID(row.group_key) for row in table.rows if row.group_key])
        return table.labelled({key.hex: label for key, label in found.locations.items()})
    spans: list[Period] = periods(question.first, question.last, question.interval)
    if question.report is Report.INSPECTIONS:
        return inspections_report(engine, spans, as_known_at)
    grouped = question.group_by if isinstance(question.group_by, ReportGroup) else None
    asked = PeriodQuestion(spans, grouped, as_known_at)
    if question.report is Report.HEADCOUNTS:
        table = headcounts_report(engine, asked)
    else:
        table = flows_report(engine, asked, ZoneInfo(services.settings.timezone))
    return suppress(table) if question.disclosure is Disclosure.PUBLIC else table
