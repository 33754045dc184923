"""Every read model of the ledger, in one list: what the runner runs and rebuilds.

Views are built on the ledger's own engine; a view that needs the key store
(to seal what it keeps of personal data) gets it here.
"""

from __future__ import annotations

from typing import Any

from ledger.application.service import Ledger
from projections.alert_facts import AlertFactsProjection, AlertFactsView
from projections.directory import DirectoryProjection, DirectoryView
from projections.inspections import InspectionsProjection, InspectionsView
from projections.projection import LedgerProjection
from projections.register import RegisterView
from projections.register_projection import RegisterProjection
from projections.reports.flow_events import FlowsProjection, FlowsView
from projections.residence import ResidenceProjection, ResidenceView
from projections.runner import ViewRunner


def build_projections(ledger: Ledger) -> list[LedgerProjection[Any]]:
    """One projection per read model, each with its view."""
    engine = ledger.database.engine
    return [
        ResidenceProjection(view=ResidenceView(engine)),
        RegisterProjection(view=RegisterView(engine, ledger.keys)),
        AlertFactsProjection(view=AlertFactsView(engine)),
        InspectionsProjection(view=InspectionsView(engine, ledger.keys)),
        DirectoryProjection(view=DirectoryView(engine)),
        FlowsProjection(view=FlowsView(engine)),
    ]


def build_view_runners(ledger: Ledger) -> list[ViewRunner]:
    """A runner per read model, fed from `ledger`'s notification log."""
    return [ViewRunner(ledger, projection) for projection in build_projections(ledger)]
