"""No plaintext personal data at rest or in logs: canaries planted, files and dumps scanned."""

from __future__ import annotations

import io
import subprocess
import uuid
from datetime import date
from pathlib import Path

import structlog

from ledger.application.service import Ledger
from ledger.logs import configure_logging
from ledger.settings import Settings
from projections.registry import build_view_runners
from tests.factories import a_person, a_world, an_employment, an_identity_document, letters, valid_bsn


def _plant_canaries(ledger: Ledger, count: int = 5) -> list[str]:
    world = a_world(ledger)
    canaries: list[str] = []
    for _ in range(count):
        tag = letters(uuid.uuid4().int % 26**10)  # names take letters only
        family, given, document, bsn = f"Canaryfam{tag}", f"Canarygiv{tag}", f"CAN{tag}", valid_bsn()
        receipt = ledger.register_worker(
            employer_id=world.employer_id,
            person=a_person(
                family_name=family,
                given_names=given,
                birth_date=date(1931, 7, 19),
                bsn=bsn,
                id_document=an_identity_document(number=document),
            ),
            employment=an_employment(),
            housing_location_id=world.location_id,
            housing_valid_from=date(2026, 4, 1),
        )
        reason, note = f"Canaryreason{tag}", f"Canarynote{tag}"
        ledger.end_contract(receipt.id, end_date=date(2026, 6, 30), reason=reason)
        ledger.place_legal_hold(receipt.id, case_reference=f"HH-{tag}", reason=note)
        canaries += [family, given, document, bsn, reason, note]
    notes = f"Canaryinspection{uuid.uuid4().hex[:10]}"
    ledger.record_inspection(
        housing_location_id=world.location_id,
        inspected_on=date(2026, 6, 1),
        occupants_found=3,
        findings=[],
        outcome="compliant",
        notes=notes,
    )
    return [*canaries, notes, "1931-07-19"]


def _database_bytes(settings: Settings) -> bytes:
    if settings.backend == "sqlite":
        files = sorted(settings.sqlite_path.parent.glob(settings.sqlite_path.name + "*"))
        assert files, "expected the SQLite database files"
        return b"".join(f.read_bytes() for f in files)
    url = settings.url
    dump = subprocess.run(
        [
            "pg_dump",
            "--host",
            url.host or "127.0.0.1",
            "--port",
            str(url.port or 5432),
            "--username",
            url.username or "postgres",
            url.database or "",
        ],
        check=True,
        capture_output=True,
    )
    return dump.stdout


def _contains(stored: bytes, canary: str) -> bool:
    # pg_dump writes bytea columns (the event state) as hex: look for both forms.
    raw = canary.encode()
    return raw in stored or raw.hex().encode() in stored


def test_canaries_never_reach_the_database(ledger: Ledger, settings: Settings) -> None:
    canaries = _plant_canaries(ledger)
    for runner in build_view_runners(ledger):  # the projections' tables are scanned too
        runner.catch_up()

    stored = _database_bytes(settings)

    assert stored, "the scan must have read something"
    found = [c for c in canaries if _contains(stored, c)]
    assert found == []


def test_a_scan_finds_a_canary_that_is_stored_in_plaintext(ledger: Ledger, settings: Settings) -> None:
    # The employer's trade name is not personal data and is stored in plain:
    # proof that the scan above would see a canary if one leaked.
    ledger.register_employer(kvk_number="87654321", name="Canaryemployer B.V.")
    assert _contains(_database_bytes(settings), "Canaryemployer")


def test_canaries_never_reach_the_logs(ledger: Ledger, tmp_path: Path) -> None:
    sink = io.StringIO()
    configure_logging("DEBUG")
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sink))
    try:
        canaries = _plant_canaries(ledger, count=2)
    finally:
        structlog.reset_defaults()
    logged = sink.getvalue()

    assert "events_recorded" in logged
    assert [c for c in canaries if c in logged] == []
