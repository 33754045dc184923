"""The answer of `GET /alerts`: the warnings in force today."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

from api.schemas.common import ApiModel
from projections.alert_rules import Alert, AlertKind


class AlertPublic(ApiModel):
    """One warning in force today."""

    kind: AlertKind
    subject_id: UUID = Field(description="The housing location or the worker the alert is about.")
    since: date
    detail: str
    housing_location_id: UUID | None
    employer_id: UUID | None

    @classmethod
    def of(cls, alert: Alert) -> AlertPublic:
        """From the alerts query."""
        return cls(
            kind=alert.kind,
            subject_id=alert.subject_id,
            since=alert.since,
            detail=alert.detail,
            housing_location_id=alert.housing_location_id,
            employer_id=alert.employer_id,
        )


class AlertsPublic(ApiModel):
    """The alerts in force today."""

    items: list[AlertPublic]
