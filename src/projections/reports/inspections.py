"""The inspections report: per period, inspections by outcome, findings by kind, sanctions by kind and against whom.

- `inspections`, then one count per outcome (`inspectionsCompliant`,
  `inspectionsViolations`): the inspections held within the period (by the
  day inspected);
- one count per coded finding (`findingsOvercrowding`, …): how often each was
  found in those inspections;
- `sanctions`, one count per kind (`sanctionsWarning`, …) and per whom they
  are against (`sanctionsAgainstEmployer`, `sanctionsAgainstOwner`): the
  sanctions imposed within the period (by the day imposed);
- `amountEur`: their amounts summed (exact decimals; a sanction without an
  amount adds nothing).

As known at `as_known_at`: what was recorded by then (the inspections view's
rows; an inspection and its sanctions are recorded once). Inspections are
few (hundreds a year), so the rows of the span are read and counted here,
not grouped by the database. Counts of inspections and sanctions count no
person: the report has no measure that suppression looks at.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine, select

from ledger.domain.values import Finding, Outcome, SanctionKind, SanctionTarget
from ledger.persistence.database import reading
from projections.inspection_queries import inspection_records, inspection_sanctions
from projections.reports.periods import Period
from projections.reports.table import Measure, ReportRow, ReportTable


def _camel(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


OUTCOMES = {outcome.value: f"inspections{_camel(outcome.value)}" for outcome in Outcome}
FINDINGS = {finding.value: f"findings{_camel(finding.value)}" for finding in Finding}
KINDS = {kind.value: f"sanctions{_camel(kind.value)}" for kind in SanctionKind}
TARGETS = {target.value: f"sanctionsAgainst{_camel(target.value)}" for target in SanctionTarget}
MEASURES = (
    "inspections",
    *OUTCOMES.values(),
    *FINDINGS.values(),
    "sanctions",
    *KINDS.values(),
    *TARGETS.values(),
    "amountEur",
)


def inspections_report(engine: Engine, report_periods: Sequence[Period], as_known_at: datetime) -> ReportTable:
    """The inspections and sanctions per period, as recorded by `as_known_at`; one row per period."""
    first, last = report_periods[0].start, report_periods[-1].end
    r, s = inspection_records.c, inspection_sanctions.c
    counts: list[dict[str, Measure]] = [
        {**dict.fromkeys(MEASURES, 0), "amountEur": Decimal("0.00")} for _ in report_periods
    ]
    starts = [period.start for period in report_periods]
    with reading(engine) as conn:
        for inspected_on, outcome, findings in conn.execute(
            select(r.inspected_on, r.outcome, r.findings).where(
                r.recorded_at <= as_known_at, r.inspected_on >= first, r.inspected_on <= last
            )
        ):
            cell = counts[_index(starts, inspected_on)]
            _add(cell, "inspections")
            _add(cell, OUTCOMES.get(outcome))
            for finding in filter(None, findings.split(",")):
                _add(cell, FINDINGS.get(finding))
        for imposed_on, kind, against, amount in conn.execute(
            select(s.imposed_on, s.kind, s.against, s.amount_eur).where(
                s.recorded_at <= as_known_at, s.imposed_on >= first, s.imposed_on <= last
            )
        ):
            cell = counts[_index(starts, imposed_on)]
            _add(cell, "sanctions")
            _add(cell, KINDS.get(kind))
            _add(cell, TARGETS.get(against))
            if amount is not None:
                cell["amountEur"] = Decimal(str(cell["amountEur"])) + Decimal(amount)
    rows = [ReportRow(p.start, p.end, None, None, cell) for p, cell in zip(report_periods, counts, strict=True)]
    return ReportTable("inspections", MEASURES, tuple(rows))


def _index(starts: list[date], day: date) -> int:
    """The period holding `day` (the last one starting on or before it)."""
    return bisect.bisect_right(starts, day) - 1


def _add(cell: dict[str, Measure], name: str | None) -> None:
    # A code this version does not know (a later one's) counts in `inspections` or `sanctions` only.
    if name is not None:
        cell[name] = int(cell[name] or 0) + 1
