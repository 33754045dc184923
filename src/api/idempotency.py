"""`Idempotency-Key` on writes: a retried request answers as the first did and stores nothing new.

The first response to a (caller, key) is stored with a hash of the request
(method, path, body). A retry with the same key and the same request gets the
stored response again; the same key with another request is 409. Keys are
scoped to the caller's verified `sub`, so one caller can never replay another's.
Server errors (5xx) are not stored: the request did not happen, retrying is right.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Engine, Integer, LargeBinary, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.database import UTCDateTime

metadata = MetaData()

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("actor", String(200), primary_key=True),
    Column("idempotency_key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response_body", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class StoredResponse:
    """The first answer to a keyed request."""

    request_hash: str
    status_code: int
    body: bytes


class IdempotencyStore:
    """Stored first responses, by caller and key."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find(self, actor: str, key: str) -> StoredResponse | None:
        """The stored response for this caller's key, if any."""
        with self.engine.connect() as conn:
            keys = idempotency_keys.c
            columns = (keys.request_hash, keys.status_code, keys.response_body)
            row = conn.execute(
                select(*columns)
                .where(idempotency_keys.c.actor == actor)
                .where(idempotency_keys.c.idempotency_key == key)
            ).first()
        return None if row is None else StoredResponse(row[0], int(row[1]), bytes(row[2]))

    def store(self, actor: str, key: str, response: StoredResponse) -> None:
        """Keep the first response; a concurrent duplicate keeps the one stored first."""
        values = {
            "actor": actor,
            "idempotency_key": key,
            "request_hash": response.request_hash,
            "status_code": response.status_code,
            "response_body": response.body,
            "created_at": datetime.now(UTC),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(idempotency_keys).values(**values))
        except IntegrityError:
            return


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class Idempotency:
    """ASGI middleware applying `Idempotency-Key` to writes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if key is None or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        actor = _verified_actor(scope)
        if actor is None or not key or len(key) > MAX_KEY_LENGTH:
            await self.app(scope, receive, send)  # the route answers 401 (or ignores a bad key)
            return
        body = await _read_body(receive)
        request_hash = hashlib.sha256(b"\0".join([scope["method"].encode(), scope["path"].encode(), body])).hexdigest()
        store: IdempotencyStore = scope["app"].state.services.idempotency
        stored = store.find(actor, key)
        if stored is not None:
            await _replay(stored, request_hash, scope, send)
            return
        captured = await _call_capturing(self.app, scope, body, send)
        if captured is not None and captured.status_code < 500:
            store.store(actor, key, StoredResponse(request_hash, captured.status_code, captured.body))


def _verified_actor(scope: Scope) -> str | None:
    authorization = _header(scope, b"authorization") or ""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return str(scope["app"].state.services.verifier.verify(token).sub)
    except Exception:
        return None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _replay(stored: StoredResponse, request_hash: str, scope: Scope, send: Send) -> None:
    if stored.request_hash != request_hash:
        status, body = 409, _problem(scope, "this Idempotency-Key was used for another request")
        content_type = b"application/problem+json"
    else:
        status, body = stored.status_code, stored.body
        content_type = b"application/problem+json" if status >= 400 else b"application/json"
    headers = [(b"content-type", content_type), (b"idempotent-replayed", b"true" if status != 409 else b"false")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _problem(scope: Scope, detail: str) -> bytes:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": detail,
        "instance": scope["path"],
    }
    return json.dumps(body).encode()


async def _call_capturing(app: ASGIApp, scope: Scope, body: bytes, send: Send) -> StoredResponse | None:
    delivered = False

    async def replay_body() -> Message:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 500
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
        await send(message)

    await app(scope, replay_body, capture)
    return StoredResponse("", status, b"".join(chunks))
