"""The served OpenAPI document passes the NL API Design Rules linter: 0 errors.

The linter is Logius' own Spectral ruleset (tests/contract/adr/, ADR
2.2.0-rc.1, the first to accept OpenAPI 3.1), run by the Spectral CLI at the
version package.json pins. Its warnings are printed (`pytest -s` or on
failure), not failed on.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.contract.node import ROOT, node_tool

RULESET = ROOT / "tests" / "contract" / "adr" / "logius-adr-linter-2.2.0-rc.1.yaml"
_SEVERITIES = {0: "error", 1: "warning", 2: "information", 3: "hint"}


def _lint(document: dict[str, Any], directory: Path) -> list[dict[str, Any]]:
    """Spectral's findings on the document (its JSON output)."""
    path = directory / "openapi.json"
    path.write_text(json.dumps(document, indent=2))
    report = directory / "spectral.json"
    command = [str(node_tool("spectral")), "lint", "--ruleset", str(RULESET), "--format", "json"]
    command += ["--output", str(report), "--fail-severity", "error", str(path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    # Exit status 1 means findings at the fail severity; anything else but 0 is Spectral failing to run.
    if done.returncode not in (0, 1) or not report.is_file():
        pytest.fail(f"spectral did not run ({done.returncode}):\n{done.stdout}\n{done.stderr}", pytrace=False)
    findings: list[dict[str, Any]] = json.loads(report.read_text() or "[]")
    return findings


def _line(finding: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in finding.get("path", [])) or "(document)"
    severity = _SEVERITIES.get(finding["severity"], finding["severity"])
    return f"{severity} {finding['code']} at {where}: {finding['message']}"


def test_the_served_document_has_no_adr_linter_errors(served_document: dict[str, Any], tmp_path: Path) -> None:
    findings = _lint(served_document, tmp_path)

    for finding in findings:
        if finding["severity"] != 0:
            print(_line(finding))  # the warnings are for reading, not for failing
    errors = [_line(finding) for finding in findings if finding["severity"] == 0]
    assert errors == [], f"{len(errors)} ADR linter errors:\n" + "\n".join(errors)


def test_the_linter_finds_errors_where_there_are_some(served_document: dict[str, Any], tmp_path: Path) -> None:
    # A linter run that cannot fail proves nothing: the document without its servers must be an error.
    broken = {key: value for key, value in served_document.items() if key != "servers"}

    codes = {finding["code"] for finding in _lint(broken, tmp_path) if finding["severity"] == 0}

    assert "oas3-api-servers" in codes
