"""Request bodies of the enforcement writes: inspections and the sanctions after them.

As for housing, the schemas check shape, types and the enumerations; the value
rules (no inspection in the future, an amount for a fine, a deadline for an
order subject to penalty, whom a sanction names) are the domain's and are
documented here for OpenAPI.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from pydantic import Field

from api.schemas import patterns
from api.schemas.common import RequestModel, WholeNumber
from api.schemas.workers import IsoDate
from ledger.domain.values import Finding, Outcome, SanctionKind, SanctionTarget


class InspectionCreate(RequestModel):
    """An inspection of a registered housing location."""

    housing_location_id: UUID = Field(description="The inspected housing location (it must be registered).")
    inspected_on: IsoDate = Field(description="The day of the inspection; not in the future.", examples=["2026-06-10"])
    occupants_found: WholeNumber = Field(
        description="How many people were found living there, 0-10000.",
        examples=[9],
        json_schema_extra={"minimum": 0, "maximum": 10_000},
    )
    findings: list[Finding] = Field(
        description="Coded findings, each at most once; at least one when the outcome is `violations`.",
        examples=[["overcrowding", "fire_safety"]],
    )
    outcome: Outcome = Field(description="The overall outcome.")
    notes: str | None = Field(
        default=None,
        description="Free-text notes. They may describe people, so they are personal data: sealed at rest "
        "and erased when the supervision retention period ends.",
        json_schema_extra={"maxLength": 10_000},
    )


class SanctionCreate(RequestModel):
    """A sanction imposed after an inspection that found violations."""

    kind: SanctionKind = Field(
        description="The instrument: a warning, an order subject to penalty (last onder dwangsom) "
        "or an administrative fine (bestuurlijke boete)."
    )
    against: SanctionTarget = Field(description="Who the sanction is imposed on.")
    employer_id: UUID | None = Field(
        default=None,
        description="The employer the sanction is imposed on (a registered employer); required with "
        "`against: employer`, not taken with `against: owner`.",
    )
    owner_kvk_number: str | None = Field(
        default=None,
        description="KvK number of the owner the sanction is imposed on, 8 digits (white space around them is "
        "ignored); required with `against: owner`, not taken with `against: employer`.",
        examples=["34781256"],
        json_schema_extra={"pattern": patterns.KVK_NUMBER},
    )
    amount_eur: Decimal | None = Field(
        default=None,
        description="Amount in euros, more than 0, at most 2 decimals and at most the municipality's maximum "
        "(`LEDGER_SANCTION_MAX_AMOUNT_EUR`, default 100000), as a JSON number or a decimal string; "
        "required for an administrative fine and an order subject to penalty.",
        examples=["2500.00"],
    )
    deadline: IsoDate | None = Field(
        default=None,
        description="The term to comply (begunstigingstermijn): not in the past, at most a year ahead; "
        "required for an order subject to penalty.",
        examples=["2026-07-15"],
    )
