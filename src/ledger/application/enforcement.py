"""Enforcement: inspections, sanctions, and the legal holds that keep a worker's or an inspection's data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from ledger.application.core import LedgerCore, Receipt
from ledger.domain.employer import Employer
from ledger.domain.housing_location import HousingLocation
from ledger.domain.inspection import Inspection
from ledger.domain.timeline import months_after
from ledger.domain.worker import Worker


class Enforcement(LedgerCore):
    """The enforcement commands: inspections, sanctions, legal holds."""

    def record_inspection(
        self,
        *,
        housing_location_id: UUID,
        inspected_on: date,
        occupants_found: int,
        findings: list[str],
        outcome: str,
        notes: str | None = None,
    ) -> Receipt:
        """Record an inspection of a registered housing location."""
        self._require(HousingLocation, housing_location_id, "housing_location_id")
        inspection = Inspection.record(
            housing_location_id=housing_location_id,
            inspected_on=inspected_on,
            occupants_found=occupants_found,
            findings=findings,
            outcome=outcome,
            notes=notes,
            today=self.today(),
        )
        return self._save(inspection)

    def impose_sanction(
        self,
        inspection_id: UUID,
        *,
        kind: str,
        against: str,
        employer_id: UUID | None = None,
        owner_kvk_number: str | None = None,
        amount_eur: Decimal | None = None,
        deadline: date | None = None,
        expected_version: int | None = None,
    ) -> Receipt:
        """Impose a sanction after an inspection that found violations, on a registered employer or an owner."""
        if employer_id is not None:
            self._require(Employer, employer_id, "employer_id")
        return self._change(
            Inspection,
            inspection_id,
            expected_version,
            lambda inspection: inspection.impose_sanction(
                kind=kind,
                against=against,
                employer_id=employer_id,
                owner_kvk_number=owner_kvk_number,
                amount_eur=amount_eur,
                deadline=deadline,
                max_amount_eur=self.settings.sanction_max_amount_eur,
                today=self.today(),
            ),
        )

    def place_inspection_legal_hold(
        self,
        inspection_id: UUID,
        *,
        case_reference: str,
        reason: str,
        review_on: date | None = None,
        expected_version: int | None = None,
    ) -> Receipt:
        """Place a legal hold on an inspection: its notes are kept past their retention until it is lifted."""
        today = self.today()
        review = review_on or months_after(today, self.settings.legal_hold_review_months)
        return self._change(
            Inspection,
            inspection_id,
            expected_version,
            lambda inspection: inspection.place_legal_hold(case_reference, reason, review_on=review, today=today),
        )

    def lift_inspection_legal_hold(
        self, inspection_id: UUID, *, case_reference: str, expected_version: int | None = None
    ) -> Receipt:
        """Lift the legal hold of a closed case from an inspection."""
        return self._change(
            Inspection, inspection_id, expected_version, lambda inspection: inspection.lift_legal_hold(case_reference)
        )

    def place_legal_hold(
        self,
        worker_id: UUID,
        *,
        case_reference: str,
        reason: str,
        review_on: date | None = None,
        expected_version: int | None = None,
    ) -> Receipt:
        """Place a legal hold: the worker's data must not be erased while the case is open.

        Without `review_on` the hold is due for review the configured period
        from today (`LEDGER_LEGAL_HOLD_REVIEW_MONTHS`).
        """
        today = self.today()
        review = review_on or months_after(today, self.settings.legal_hold_review_months)
        return self._change(
            Worker,
            worker_id,
            expected_version,
            lambda worker: worker.place_legal_hold(case_reference, reason, review_on=review, today=today),
        )

    def lift_legal_hold(self, worker_id: UUID, *, case_reference: str, expected_version: int | None = None) -> Receipt:
        """Lift the legal hold of a closed case."""
        return self._change(Worker, worker_id, expected_version, lambda worker: worker.lift_legal_hold(case_reference))
