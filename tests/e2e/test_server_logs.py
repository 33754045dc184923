"""A request failing inside the app, served by uvicorn as `ledger serve` configures it, on both backends.

uvicorn runs in this process (in a thread, on a socket bound here), so that a
ledger method can be made to fail after it received a person with canary
values; logging is configured as `ledger serve` configures it, in development
(console) and in production (JSON lines), into a buffer. The failure must be
answered 500 problem+json with the API's headers, logged once by the app (not
again by uvicorn as "Exception in ASGI application"), small, without a
canary, without rendering a frame's locals; the next request is answered.
"""

from __future__ import annotations

import io
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import httpx
import pytest
import structlog
import uvicorn

from api.app import create_app
from api.auth import DevelopmentTokens, Role
from api.middleware import API_VERSION, SECURITY_HEADERS
from cli.server_commands import uvicorn_config
from ledger.application.service import Ledger
from ledger.domain.employer import employer_id_for
from ledger.logs import Renderer, configure_logging
from ledger.settings import Settings
from tests.integration.api.test_api_logs import CANARY_PEOPLE, KVK, Tripwire, canaries, worker_body


@pytest.fixture(params=["console", "json"])
def renderer(request: pytest.FixtureRequest) -> Iterator[Renderer]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield request.param
    finally:
        structlog.reset_defaults()
        root.handlers, root.level = handlers, level


@contextmanager
def serving(settings: Settings) -> Iterator[httpx.Client]:
    """uvicorn serving the app in a thread, configured as `ledger serve` configures it; a client of it."""
    listener = socket.create_server(("127.0.0.1", 0))
    host, port = listener.getsockname()[:2]
    server = uvicorn.Server(uvicorn_config(create_app(settings), host=host, port=port))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="uvicorn", daemon=True)
    thread.start()
    try:
        # Connections wait in the socket's backlog until the server has started.
        with httpx.Client(base_url=f"http://{host}:{port}", timeout=30.0) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()
    assert not thread.is_alive()


def test_a_failing_request_is_logged_once_by_the_app_without_personal_data(
    migrated: Settings, renderer: Renderer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tripwire = Tripwire()

    def register_worker_failing(self: Ledger, **command: Any) -> None:
        person = command["person"]
        evidence = tripwire
        raise RuntimeError(f"could not store {person.family_name} {person.id_document.number}", evidence)

    monkeypatch.setattr(Ledger, "register_worker", register_worker_failing)
    sink = io.StringIO()
    configure_logging("INFO", renderer=renderer, stream=sink)
    token = DevelopmentTokens(migrated).issue(role=Role.EMPLOYER, sub="flexwerk-hr", kvk=KVK)
    body = worker_body(str(employer_id_for(KVK)), str(uuid4()), CANARY_PEOPLE[0])

    with serving(migrated.model_copy(update={"api_run_projections": False})) as client:
        failed = client.post("/api/v1/workers", json=body, headers={"Authorization": f"Bearer {token}"})
        healthz = client.get("/healthz")
    captured = capsys.readouterr()
    logged = sink.getvalue() + captured.out + captured.err

    assert tripwire.rendered == 0
    assert [line for line in logged.splitlines() if any(c in line for c in canaries())] == []
    assert "Exception in ASGI application" not in logged
    assert logged.count("request_failed") == 1
    assert logged.count("register_worker_failing") == 1  # one traceback, naming the failing frame
    assert len(logged.encode()) < 20_000
    assert healthz.status_code == 200
    assert failed.status_code == 500, failed.text
    assert failed.headers["content-type"] == "application/problem+json"
    assert {"type", "title", "status", "detail", "instance"} <= failed.json().keys()
    assert failed.headers["api-version"] == API_VERSION
    assert all(failed.headers.get(name.decode()) == value.decode() for name, value in SECURITY_HEADERS)
