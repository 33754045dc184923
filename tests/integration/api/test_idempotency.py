"""`Idempotency-Key`: a keyed write happens once, whatever the retries, races and crashes around it.

Writes are counted in the event store (events of the registered kind), not
in the answers: "exactly one write" is what a municipality relies on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import event, text

from api.app import create_app
from api.auth import DevelopmentTokens, Role
from api.deps import Processing
from ledger.domain.employer import Employer, employer_id_for
from ledger.domain.housing_location import housing_location_id_for
from ledger.domain.worker import Worker
from ledger.settings import Settings
from tests.conftest import FIXED_NOW, Api
from tests.factories import a_bag_id, a_kvk_number, an_address
from tests.integration.api.test_workers_writes import WORKERS, Setting, a_worker_body

EMPLOYERS = "/api/v1/employers"
CONCURRENT = 50
# A bound on waiting for what must happen; reached only when the code under test is wrong.
WAIT_S = 60.0


@pytest.fixture
def setting(api: Api) -> Setting:
    kvk = a_kvk_number()
    ledger = api.services.ledger
    employer = ledger.register_employer(kvk_number=kvk, name="Flexwerk Westfriesland B.V.")
    location = ledger.register_housing_location(
        bag_id=a_bag_id(), address=an_address(), kind="dwelling", max_occupants=4
    )
    return Setting(kvk=kvk, employer_id=employer.id, location_id=location.id)


def written(api: Api, kind: type[Any]) -> int:
    """How many events of `kind` the event store holds."""
    notifications = api.services.ledger.recorder.select_notifications(None, 100_000, topics=[get_topic(kind)])
    return len(notifications)


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def concurrently(send: Callable[[], Response], times: int) -> list[Response]:
    """`send` from `times` threads released at once."""
    start = threading.Barrier(times)

    def at_once(_: int) -> Response:
        start.wait(timeout=WAIT_S)
        return send()

    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(at_once, range(times)))


def assert_one_answer(answers: list[Response]) -> Response:
    """Every answer is the first write's (or 409 with Retry-After while it could not be read); return one."""
    created = [a for a in answers if a.status_code in (200, 201)]
    others = [a for a in answers if a.status_code not in (200, 201)]
    assert created, [a.text for a in answers[:3]]
    assert all(a.status_code == 409 and a.headers.get("retry-after") == "1" for a in others), [a.text for a in others]
    assert all(a.json() == created[0].json() for a in created)
    return created[0]


# -- once, whatever the retries ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["worker", "employer"])
def test_fifty_concurrent_requests_with_one_key_write_once(api: Api, setting: Setting, kind: str) -> None:
    if kind == "worker":
        path, body, headers = WORKERS, a_worker_body(setting), api.auth("employer", kvk=setting.kvk)
        counted: type[Any] = Worker.Registered
    else:
        # The employer's id follows from its KvK number: the losers collide on the event store's key.
        path, body, headers = EMPLOYERS, {"kvkNumber": a_kvk_number(), "name": "B.V."}, api.auth("admin")
        counted = Employer.Registered
    before = written(api, counted)
    headers = keyed(headers, "fifty-at-once")

    answers = concurrently(lambda: api.client.post(path, json=body, headers=headers), CONCURRENT)

    first = assert_one_answer(answers)
    assert first.status_code == 201
    assert written(api, counted) == before + 1


def test_a_hundred_immediate_retries_write_once(api: Api, setting: Setting) -> None:
    headers = keyed(api.auth("employer", kvk=setting.kvk), "retried-100")
    body = a_worker_body(setting)

    answers = [api.client.post(WORKERS, json=body, headers=headers) for _ in range(100)]

    assert {a.status_code for a in answers} == {201}
    assert {a.json()["id"] for a in answers} == {answers[0].json()["id"]}
    assert all(a.headers["idempotent-replayed"] == "true" for a in answers[1:])
    assert written(api, Worker.Registered) == 1


def test_a_retry_after_a_crash_between_commit_and_response_answers_the_first_result(
    api: Api, setting: Setting, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The route names the worker in the processing log after the ledger has committed the write.
    crashes = iter([True])
    record = Processing.record

    def crash_once(self: Processing, *args: Any, **kwargs: Any) -> None:
        if next(crashes, False):
            raise RuntimeError("the process died between the commit and the response")
        record(self, *args, **kwargs)

    monkeypatch.setattr(Processing, "record", crash_once)
    headers = keyed(api.auth("employer", kvk=setting.kvk), "crashed-once")
    body = a_worker_body(setting)

    crashed = api.client.post(WORKERS, json=body, headers=headers)
    retried = api.client.post(WORKERS, json=body, headers=headers)

    assert crashed.status_code == 500
    assert retried.status_code == 201, retried.text
    registered = api.services.ledger.recorder.select_notifications(None, 10, topics=[get_topic(Worker.Registered)])
    assert [UUID(retried.json()["id"])] == [n.originator_id for n in registered]
    assert retried.json()["position"] == registered[0].id


def test_a_repeated_change_answers_its_version_and_writes_once(api: Api, setting: Setting) -> None:
    worker = api.client.post(WORKERS, json=a_worker_body(setting), headers=api.auth("registrar")).json()["id"]
    headers = keyed(api.auth("registrar"), "departed")
    body = {"departedOn": "2026-06-10"}

    answers = [api.client.post(f"{WORKERS}/{worker}/departures", json=body, headers=headers) for _ in range(3)]

    assert [a.json() for a in answers] == [answers[0].json()] * 3
    assert answers[0].json()["version"] == 2
    assert written(api, Worker.Departed) == 1


# -- scope and authorization ----------------------------------------------------------------


def test_another_employer_with_the_same_sub_and_key_gets_404_not_the_first_answer(api: Api, setting: Setting) -> None:
    other_kvk = a_kvk_number()
    api.services.ledger.register_employer(kvk_number=other_kvk, name="Ander Uitzendbureau B.V.")
    body = a_worker_body(setting)
    first = api.client.post(
        WORKERS, json=body, headers=keyed(api.auth("employer", kvk=setting.kvk, sub="shared"), "k-1")
    )

    other = keyed(api.auth("employer", kvk=other_kvk, sub="shared"), "k-1")
    replayed = api.client.post(WORKERS, json=body, headers=other)
    own = api.client.post(
        WORKERS, json=a_worker_body(setting, employerId=str(employer_id_for(other_kvk))), headers=keyed(other, "k-2")
    )

    assert first.status_code == 201
    assert replayed.status_code == 404, replayed.text
    assert first.json()["id"] not in replayed.text
    assert own.status_code == 201, own.text
    assert own.json()["id"] != first.json()["id"]
    assert written(api, Worker.Registered) == 2


def test_a_replay_is_answered_only_after_the_route_authorised_the_caller(api: Api) -> None:
    body = {"kvkNumber": a_kvk_number(), "name": "Flexwerk B.V."}
    first = api.client.post(EMPLOYERS, json=body, headers=keyed(api.auth("registrar", sub="desk-7"), "k-2"))

    inspector = api.client.post(EMPLOYERS, json=body, headers=keyed(api.auth("inspector", sub="desk-7"), "k-2"))

    assert first.status_code == 201
    assert inspector.status_code == 403, inspector.text


def test_the_same_key_for_another_request_is_409(api: Api) -> None:
    headers = keyed(api.auth("registrar"), "k-3")
    first = api.client.post(EMPLOYERS, json={"kvkNumber": a_kvk_number(), "name": "A"}, headers=headers)

    other = api.client.post(EMPLOYERS, json={"kvkNumber": a_kvk_number(), "name": "B"}, headers=headers)

    assert first.status_code == 201
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert written(api, Employer.Registered) == 1


# -- refusals ---------------------------------------------------------------------------------


def test_a_refusal_is_replayed_even_once_retrying_would_succeed(api: Api, setting: Setting) -> None:
    bag_id = a_bag_id()
    body = a_worker_body(
        setting, housing={"housingLocationId": str(housing_location_id_for(bag_id)), "validFrom": "2026-04-01"}
    )
    headers = keyed(api.auth("employer", kvk=setting.kvk), "k-4")
    refused = api.client.post(WORKERS, json=body, headers=headers)
    api.services.ledger.register_housing_location(bag_id=bag_id, address=an_address(), kind="dwelling", max_occupants=4)

    again = api.client.post(WORKERS, json=body, headers=headers)
    fresh = api.client.post(WORKERS, json=body, headers=keyed(headers, "k-5"))

    assert refused.status_code == 400
    assert (again.status_code, again.json()) == (400, refused.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == "application/problem+json"
    assert fresh.status_code == 201
    assert written(api, Worker.Registered) == 1


# -- how long answers are kept ------------------------------------------------------------------


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_answers_are_kept_for_the_retention_period_then_purged(migrated: Settings) -> None:
    settings = migrated.model_copy(update={"idempotency_retention_h": 24})
    clock = Clock(FIXED_NOW)
    registrar = {"Authorization": f"Bearer {DevelopmentTokens(settings).issue(role=Role.REGISTRAR, sub='desk')}"}
    body = {"kvkNumber": a_kvk_number(), "name": "Flexwerk B.V."}
    with TestClient(create_app(settings, clock=clock), raise_server_exceptions=False) as client:
        headers = keyed(registrar, "kept-24h")
        first = client.post(EMPLOYERS, json=body, headers=headers)
        clock.now = FIXED_NOW + timedelta(hours=23)
        within = client.post(EMPLOYERS, json=body, headers=headers)
        clock.now = FIXED_NOW + timedelta(hours=25)
        other = client.post(EMPLOYERS, json={"kvkNumber": a_kvk_number(), "name": "B"}, headers=keyed(headers, "later"))
        with client.app.state.services.ledger.database.engine.connect() as conn:  # type: ignore[attr-defined]
            kept = conn.execute(text("SELECT count(*) FROM idempotency_keys")).scalar()
        after = client.post(EMPLOYERS, json=body, headers=headers)

    assert (first.status_code, within.status_code, other.status_code) == (201, 201, 201)
    assert within.json() == first.json()
    assert kept == 1  # the first answer was purged by the later write; the later one is kept
    assert after.status_code == 409  # forgotten: carried out again, and the KvK number is registered
    assert "idempotent-replayed" not in after.headers


# -- the event loop is never blocked ---------------------------------------------------------------


@pytest.fixture
def held_idempotency_reads(api: Api) -> Iterator[tuple[threading.Event, threading.Semaphore]]:
    """Every database statement on the kept answers waits until released; the semaphore counts them."""
    release, arrived = threading.Event(), threading.Semaphore(0)
    engine = api.services.ledger.database.engine

    def hold(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "idempotency_keys" in statement and not release.is_set():
            arrived.release()
            # Longer than the test waits for healthz: a blocked event loop must not be freed by this bound.
            release.wait(timeout=3 * WAIT_S)

    event.listen(engine, "before_cursor_execute", hold)
    try:
        yield release, arrived
    finally:
        release.set()
        event.remove(engine, "before_cursor_execute", hold)


def test_healthz_answers_while_fifty_keyed_writes_wait_on_the_database(
    api: Api, held_idempotency_reads: tuple[threading.Event, threading.Semaphore]
) -> None:
    release, arrived = held_idempotency_reads
    headers = api.auth("registrar")
    bodies = [{"kvkNumber": a_kvk_number(), "name": f"B.V. {i}"} for i in range(CONCURRENT)]
    with ThreadPoolExecutor(CONCURRENT) as pool:
        writes = [
            pool.submit(api.client.post, EMPLOYERS, json=body, headers=keyed(headers, f"w-{i}"))
            for i, body in enumerate(bodies)
        ]
        assert arrived.acquire(timeout=WAIT_S), "no keyed write reached the database"
        health: list[Response] = []
        probe = threading.Thread(target=lambda: health.append(api.client.get("/healthz")), daemon=True)
        probe.start()
        probe.join(timeout=WAIT_S)
        answered_while_held = list(health)  # before the writes are let go
        in_flight = not release.is_set() and not any(w.done() for w in writes)
        release.set()
        answers = [w.result(timeout=WAIT_S) for w in writes]

    assert answered_while_held, "healthz did not answer while the writes were waiting"
    assert answered_while_held[0].status_code == 200
    assert in_flight
    assert {a.status_code for a in answers} == {201}
    assert written(api, Employer.Registered) == CONCURRENT


# -- the contract ----------------------------------------------------------------------------------


def test_every_write_operation_declares_the_idempotency_key(api: Api) -> None:
    paths = api.client.get("/api/v1/openapi.json").json()["paths"]
    writes = {
        (path, method): operation
        for path, operations in paths.items()
        for method, operation in operations.items()
        if method in {"post", "put", "patch", "delete"} and not path.endswith("/_search")
    }

    assert writes
    for (path, method), operation in writes.items():
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in headers, f"{method.upper()} {path}"
