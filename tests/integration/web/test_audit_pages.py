"""Audit (`/audit`): the chain's last checkpoint and a verification run in the background (never inside the
request), the event feed as `GET /audit/events` pages it, and the access log per subject as `GET /audit/access-log`
gives it, writing the same processing-log lines (docs/web.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.auth import DevelopmentTokens, Role
from ledger.audit.chain import AuditChain
from tests.factories import a_kvk_number
from tests.integration.web.site import csrf_token, figures, sign_in
from tests.integration.web.test_inspection_pages import Inspected, field_error, inspected
from tests.integration.web.test_overview import caught_up, services_of
from web.audit_verification import Run, verification_of

HTMX = {"HX-Request": "true"}

__all__ = ["inspected"]  # the fixture, used here too


def api_as_auditor(site: TestClient, path: str, **params: Any) -> Any:
    services = services_of(site)
    token = DevelopmentTokens(services.settings).issue(role=Role.AUDITOR, sub="test-api")
    answer: httpx.Response = site.get(f"/api/v1{path}", params=params, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_audit_page_shows_the_last_checkpoint(site: TestClient, inspected: Inspected) -> None:
    sign_in(site, "auditor")
    assert 'data-checkpoint="none"' in site.get("/audit").text

    ledger = services_of(site).ledger
    checkpoint = AuditChain(ledger.recorder, ledger.database.engine).checkpoint()
    assert checkpoint is not None

    page = site.get("/audit")
    assert page.status_code == 200
    assert figures(page)["checkpoint_position"] == checkpoint[0]


def test_a_verification_runs_in_the_background_and_its_outcome_is_the_apis(
    site: TestClient, inspected: Inspected
) -> None:
    sign_in(site, "auditor")
    started = site.post("/audit", data={"csrf_token": csrf_token(site.get("/audit"))})

    assert started.status_code == 303
    assert started.headers["location"] == "/audit"
    outcome = verification_of(site.app).wait(timeout=60)  # type: ignore[arg-type]
    assert outcome is not None

    page = site.get("/audit")
    expected = api_as_auditor(site, "/audit/verification")
    assert 'data-verification="ok"' in page.text
    assert figures(page)["verified_checked"] == expected["checked"]
    assert expected["ok"] is True


def test_the_verification_form_needs_the_csrf_token(site: TestClient, inspected: Inspected) -> None:
    sign_in(site, "auditor")
    assert site.post("/audit", data={}).status_code == 403
    assert verification_of(site.app).current() is None  # type: ignore[arg-type]


def test_the_event_feed_pages_as_the_api_does(site: TestClient, inspected: Inspected) -> None:
    sign_in(site, "admin")

    first = site.get("/audit/gebeurtenissen", params={"limit": 5})
    expected = api_as_auditor(site, "/audit/events", limit=5)
    assert first.status_code == 200
    assert [int(p) for p in re.findall(r'data-position="([0-9]+)"', first.text)] == [
        item["position"] for item in expected["items"]
    ]
    assert f'href="/audit/gebeurtenissen?after={expected["next"]}&amp;limit=5"' in first.text

    second = site.get("/audit/gebeurtenissen", params={"after": expected["next"], "limit": 5})
    following = api_as_auditor(site, "/audit/events", after=expected["next"], limit=5)
    assert [int(p) for p in re.findall(r'data-position="([0-9]+)"', second.text)] == [
        item["position"] for item in following["items"]
    ]


def _lines(page: httpx.Response) -> list[tuple[str, str, str, str]]:
    return re.findall(
        r'data-log-line data-actor="([^"]*)" data-activity="([^"]*)" data-operation="([^"]*)" data-subject="([^"]*)"',
        page.text,
    )


def test_the_access_log_of_a_subject_is_the_apis_and_reading_it_is_logged_as_the_api_logs_it(
    site: TestClient, inspected: Inspected
) -> None:
    services = services_of(site)
    sign_in(site, "inspector")
    assert site.get(f"/inspecties/{inspected.with_notes}").status_code == 200  # an enforcement read to find
    site.cookies.clear()
    sign_in(site, "auditor")

    page = site.get("/audit/toegang", params={"subjectId": str(inspected.with_notes)})
    expected = api_as_auditor(site, "/audit/access-log", subjectId=str(inspected.with_notes))

    assert page.status_code == 200
    readers = {"dev-auditor", "test-api"}
    assert [line for line in _lines(page) if line[0] not in readers] == [
        (item["actor"], item["processingActivity"], item["operation"], item["subjectId"])
        for item in expected["items"]
        if item["actor"] not in readers
    ]
    assert ("dev-inspector", "PA-03-enforcement", "read", str(inspected.with_notes)) in _lines(page)
    caught_up(site)
    by_the_page = [
        (line.processing_activity, line.operation)
        for line in services.processing_log.lines(subject_id=inspected.with_notes)
        if line.actor == "dev-auditor"
    ]
    assert by_the_page == [("PA-04-audit", "read")]


def test_a_bad_subject_is_shown_at_its_field_and_nothing_is_read(site: TestClient, inspected: Inspected) -> None:
    services = services_of(site)
    sign_in(site, "auditor")

    page = site.get("/audit/toegang", params={"subjectId": "niet-een-id"})

    assert page.status_code == 400
    assert (
        field_error(page, "subjectId") == "Vul een id in zoals 3f2a…: 32 hexadecimale tekens, met of zonder streepjes."
    )
    assert [line for line in services.processing_log.lines() if line.actor == "dev-auditor"] == []


def test_the_access_log_page_without_a_subject_reads_nothing(site: TestClient, inspected: Inspected) -> None:
    sign_in(site, "auditor")
    page = site.get("/audit/toegang")
    assert page.status_code == 200
    assert _lines(page) == []
    assert 'id="subjectId"' in page.text


# -- Time travel on the audit pages (docs/audit.md § The audit pages as known at an instant) --------------------


@dataclass(frozen=True)
class Recorded:
    """A checkpoint, the instant after it, then more writes and a later checkpoint."""

    first_checkpoint: int
    then: datetime
    later_checkpoint: int


@pytest.fixture
def recorded(site: TestClient, inspected: Inspected) -> Recorded:
    ledger = services_of(site).ledger
    chain = AuditChain(ledger.recorder, ledger.database.engine)
    first = chain.checkpoint()
    assert first is not None
    sign_in(site, "inspector")
    assert site.get(f"/inspecties/{inspected.with_notes}").status_code == 200  # an access-log line before `then`
    then = datetime.now(UTC)
    ledger.register_employer(kvk_number=a_kvk_number(), name="Later B.V.")
    assert site.get(f"/inspecties/{inspected.with_notes}").status_code == 200  # and one after
    caught_up(site)
    later = chain.checkpoint()
    assert later is not None and later[0] > first[0]
    site.cookies.clear()
    return Recorded(first[0], then, later[0])


def test_the_audit_pages_offer_only_as_known_at_and_say_a_day_does_not_apply(
    site: TestClient, recorded: Recorded
) -> None:
    sign_in(site, "auditor")

    for path in ("/audit", "/audit/gebeurtenissen", "/audit/toegang"):
        page = site.get(path, params={"on": "2026-01-01"})

        assert page.status_code == 200, path
        assert 'id="asKnownAt"' in page.text, path
        assert 'id="on"' not in page.text, path  # a day does not apply to what was recorded
        assert "data-travel-day-not-applicable" in page.text, path
        assert "data-time-travel" not in page.text, path  # `on` alone moves nothing here


def test_the_chain_status_as_known_at_an_instant(site: TestClient, recorded: Recorded) -> None:
    sign_in(site, "auditor")

    now = site.get("/audit")
    then = site.get("/audit", params={"asKnownAt": recorded.then.isoformat()})

    assert figures(now)["checkpoint_position"] == recorded.later_checkpoint
    assert figures(now)["head"] == recorded.later_checkpoint
    assert figures(then)["checkpoint_position"] == recorded.first_checkpoint
    assert figures(then)["head"] == recorded.first_checkpoint  # nothing was recorded between the first and `then`
    assert "data-time-travel" in then.text


def test_the_event_feed_as_known_at_an_instant_ends_with_what_was_recorded_then(
    site: TestClient, recorded: Recorded
) -> None:
    sign_in(site, "admin")

    seen: list[int] = []
    path: str | None = "/audit/gebeurtenissen"
    params: dict[str, Any] | None = {"asKnownAt": recorded.then.isoformat(), "limit": 4}
    while path is not None:
        page = site.get(path, params=params)
        assert page.status_code == 200
        seen += [int(p) for p in re.findall(r'data-position="([0-9]+)"', page.text)]
        following = re.search(r'rel="next" href="([^"]+)"', page.text)
        path, params = (following.group(1).replace("&amp;", "&"), None) if following else (None, None)
        assert path is None or "asKnownAt=" in path  # the next page keeps the moment

    everything = [item["position"] for item in api_as_auditor(site, "/audit/events", limit=1000)["items"]]
    assert seen == [position for position in everything if position <= recorded.first_checkpoint]
    assert max(everything) > recorded.first_checkpoint


def test_the_access_log_as_known_at_an_instant_holds_the_lines_written_by_then(
    site: TestClient, recorded: Recorded, inspected: Inspected
) -> None:
    services = services_of(site)
    sign_in(site, "auditor")
    asked = {"subjectId": str(inspected.with_notes)}

    then = _lines(site.get("/audit/toegang", params={**asked, "asKnownAt": recorded.then.isoformat()}))

    written = services.processing_log.lines(subject_id=inspected.with_notes)
    by_then = [line for line in written if line.at <= recorded.then]
    assert then == [(line.actor, line.processing_activity, line.operation, str(line.subject_id)) for line in by_then]
    assert 0 < len(then) < len(written)


def _pretend_a_run(site: TestClient, monkeypatch: pytest.MonkeyPatch, *, running: bool) -> None:
    started = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
    run = Run(started_by="test-auditor", started_at=started, done=3, total=10)
    if not running:
        run = replace(run, done=10, finished_at=started, failed=True)
    monkeypatch.setattr(verification_of(site.app), "current", lambda: run)  # type: ignore[arg-type]


def test_a_running_verification_is_followed_by_its_own_fragment_not_the_whole_page(
    site: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(site, "auditor")
    _pretend_a_run(site, monkeypatch, running=True)

    page = site.get("/audit")
    assert 'hx-get="/audit/controle"' in page.text
    polled = site.get("/audit/controle", headers=HTMX)
    assert polled.status_code == 200
    assert 'data-verification="running"' in polled.text and 'hx-get="/audit/controle"' in polled.text
    assert "<html" not in polled.text
    assert "set-cookie" not in polled.headers  # a timer's poll keeps no session alive

    _pretend_a_run(site, monkeypatch, running=False)
    ended = site.get("/audit/controle", headers=HTMX)
    assert 'data-verification="failed"' in ended.text and "hx-get" not in ended.text


def test_the_verification_fragment_after_the_session_ended_or_for_another_role(site: TestClient) -> None:
    ended = site.get("/audit/controle", headers=HTMX)
    assert ended.status_code == 200 and 'href="/aanmelden' in ended.text and "hx-get" not in ended.text
    assert site.get("/audit/controle").status_code == 303

    sign_in(site, "inspector")
    assert site.get("/audit/controle", headers=HTMX).status_code == 403
