"""The answer of `GET /alerts`: the warnings in force on a day, as known at an instant, a page at a time."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

from api.schemas.common import LOCATION_LABEL, ApiModel
from projections.alert_spans import Alert, AlertKind
from projections.labels import Labels


class AlertPublic(ApiModel):
    """One warning in force on the day asked."""

    kind: AlertKind
    subject_id: UUID = Field(description="The housing location or the worker the alert is about.")
    since: date
    detail: str
    housing_location_id: UUID | None
    housing_location_label: str | None = Field(default=None, description=LOCATION_LABEL)
    employer_id: UUID | None
    employer_name: str | None = Field(default=None, description="The employer's trade name.")

    @classmethod
    def of(cls, alert: Alert, labels: Labels | None = None) -> AlertPublic:
        """From the alerts query, its ids labelled."""
        labels = labels or Labels()
        return cls(
            kind=alert.kind,
            subject_id=alert.subject_id,
            since=alert.since,
            detail=alert.detail,
            housing_location_id=alert.housing_location_id,
            housing_location_label=labels.location(alert.housing_location_id),
            employer_id=alert.employer_id,
            employer_name=labels.employer(alert.employer_id),
        )


class AlertsPage(ApiModel):
    """A page of alerts in order of kind and subject."""

    items: list[AlertPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; `null` on the last page.")
