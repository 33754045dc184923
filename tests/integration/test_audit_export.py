"""`ledger audit export`: pseudonymised by default; opened only for a reason, logged with a destruction date."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

from cli.audit_commands import export_events
from ledger.application.service import Ledger
from ledger.audit.exports import ExportOpening, event_page, export_opening
from ledger.audit.processing_log import ProcessingLog
from tests.factories import a_world, register_worker


def _exported(ledger: Ledger, opening: ExportOpening | None = None) -> tuple[int, list[dict[str, Any]], str]:
    out = io.StringIO()
    written = export_events(ledger, 0, out, opening=opening)
    return written, [json.loads(line) for line in out.getvalue().splitlines()], out.getvalue()


def test_the_export_is_pseudonymised_by_default_as_the_feed_is_and_logs_nothing(ledger: Ledger) -> None:
    worker = register_worker(ledger, a_world(ledger), family_name="Exportowska")

    written, documents, text = _exported(ledger)

    assert written == len(documents) == ledger.recorder.max_notification_id()
    assert "Exportowska" not in text
    (registered,) = [d for d in documents if d["type"] == "Worker.Registered"]
    assert registered["data"]["familyName"].startswith("pseudonym:")
    assert documents == event_page(ledger, after=0, limit=500, opened=False).documents
    assert ProcessingLog(ledger.database.engine).lines(subject_id=worker) == []


def test_an_opened_export_is_logged_per_person_with_its_reason_and_destruction_date(ledger: Ledger) -> None:
    world = a_world(ledger)
    workers = [register_worker(ledger, world, family_name=name) for name in ("Exportowska", "Nowak")]
    opening = export_opening("accuracy_check", today=ledger.today(), settings=ledger.settings, actor="os:auditor")

    written, documents, text = _exported(ledger, opening)

    assert opening.destroy_on == date(2026, 7, 15)  # 30 days after the ledger's 2026-06-15
    assert "Exportowska" in text and written == len(documents)
    lines = ProcessingLog(ledger.database.engine).lines(actor="os:auditor")
    assert sorted(line.subject_id for line in lines) == sorted(workers)
    assert {(line.processing_activity, line.operation, line.reason_code, line.destroy_on) for line in lines} == {
        ("PA-04-audit", "export", "accuracy_check", date(2026, 7, 15))
    }
