"""The operator's commands around the server: `ledger token`, a refused `ledger serve`, `ledger demo --if-empty`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from api.auth import DevelopmentTokens, Role
from ledger.domain.employer import employer_id_for
from ledger.settings import Settings
from tests.integration.ledger_process import ledger_command, ledger_env, run_ledger


def test_a_printed_token_is_one_the_development_server_accepts(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")

    printed = run_ledger(settings, "token", "--role", "employer", "--kvk", "34781256", "--sub", "hr-flexwerk")

    assert printed.returncode == 0, printed.stderr
    principal = DevelopmentTokens(settings).verify(printed.stdout.strip())
    assert (principal.sub, principal.roles) == ("hr-flexwerk", frozenset({Role.EMPLOYER}))
    assert principal.employer_id == employer_id_for("34781256")


def test_no_development_token_where_an_oidc_issuer_is_configured(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    env = ledger_env(settings) | {
        "LEDGER_OIDC_ISSUER": "https://login.medemblik.example/realms/ledger",
        "LEDGER_OIDC_CLIENT_ID": "ledger-pages",
        "LEDGER_OIDC_CLIENT_SECRET": "a-test-client-secret",
        "LEDGER_WEB_PUBLIC_URL": "https://ledger.medemblik.example",
    }

    refused = subprocess.run(
        ledger_command("token", "--role", "admin"), env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert refused.returncode == 1
    assert refused.stdout == ""
    assert "OIDC issuer" in refused.stderr


def test_an_employer_token_needs_a_kvk_number(tmp_path: Path) -> None:
    refused = run_ledger(Settings(data_dir=tmp_path / "var"), "token", "--role", "employer")
    assert refused.returncode == 2
    assert "--kvk" in refused.stderr


def test_serve_refuses_an_unmigrated_database_before_listening(settings: Settings) -> None:
    refused = run_ledger(settings, "serve", "--port", "1")
    assert refused.returncode == 1
    assert "ledger migrate" in refused.stderr


@pytest.mark.slow
def test_demo_if_empty_fills_an_empty_ledger_once(settings: Settings) -> None:
    assert run_ledger(settings, "migrate").returncode == 0

    first = run_ledger(settings, "demo", "--if-empty", "--workers", "5")
    second = run_ledger(settings, "demo", "--if-empty", "--workers", "5")

    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert first.stdout.startswith("demo: 5 workers")
    assert second.stdout == "demo: the ledger holds events already; nothing appended\n"
