"""`Idempotency-Key` on writes: a retried request is answered as the first was, and writes nothing new.

Every write route declares `_: Idempotent` after its policy dependency, so a
caller is authenticated and authorised before anything is replayed to it. The
key is scoped to the whole caller — subject, roles and employer — so an
employer never meets another's key, even with the same `sub`. The key is
claimed by the write itself, in the events' own transaction
(`Ledger.claiming`, `ledger.persistence.claims`): a retry, or a duplicate sent at the same
time, finds the first write's answer and writes nothing, also when the first
response never reached the client. A refusal (4xx) wrote nothing, so it is kept
in a small commit of its own; server errors and "try again" conflicts are not
kept: retrying them is right. Answers are kept `LEDGER_IDEMPOTENCY_RETENTION_H`
hours. The same key with another request (method, path, body) is 409.

Database work runs in the thread pool, never on the event loop.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from api.auth import Principal
from api.deps import ServicesDep
from api.policy import authenticate
from api.problems import PROBLEM_JSON, problem
from ledger.errors import ConcurrentModification, LedgerError
from ledger.persistence.claims import AnswerGiven, AnswerPending, IdempotencyClaim, KeptAnswer

MAX_KEY_LENGTH = 200
REPLAYED = "Idempotent-Replayed"


def principal_digest(principal: Principal) -> str:
    """The scope of a caller's keys: a digest of its subject, roles and employer."""
    parts = [
        principal.sub,
        sorted(role.value for role in principal.roles),
        principal.employer_id.hex if principal.employer_id else None,
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def request_hash(request: Request, body: bytes) -> str:
    """What tells two requests with one key apart: method, path and body."""
    return hashlib.sha256(b"\0".join([request.method.encode(), request.url.path.encode(), body])).hexdigest()


async def idempotency(
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(authenticate)],
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=MAX_KEY_LENGTH,
            description=(
                "A key of your choosing (e.g. a UUID) that makes retrying this write safe: a request repeated with"
                " the same key, within 24 hours by default, gets the first answer again (`Idempotent-Replayed:"
                " true`) and writes nothing. The same key with another request is 409; 409 with `Retry-After`"
                " while the first request's answer cannot be read yet."
            ),
        ),
    ] = None,
) -> AsyncIterator[None]:
    """Answer a repeated keyed request with its first answer; claim the key with the write otherwise."""
    if key is None:
        yield
        return
    claim = IdempotencyClaim(
        principal=principal_digest(principal),
        key=key,
        request_hash=request_hash(request, await request.body()),
        status_code=getattr(request.scope.get("route"), "status_code", None) or 200,
    )
    request.state.idempotency_hash = claim.request_hash
    ledger = services.ledger
    kept = await run_in_threadpool(ledger.kept_answer, claim)
    if kept is not None:
        raise AnswerGiven(kept)
    # Set here, on the event loop, the claim reaches the route's thread with the request's context.
    with ledger.claiming(idempotency=claim):
        try:
            yield
        except Exception as error:
            refusal = await _refusal(request, error)
            if refusal is None:
                raise
            first = await run_in_threadpool(
                lambda: ledger.keep_answer(claim, status_code=refusal.status_code, body=bytes(refusal.body))
            )
            if first is not None:
                # A duplicate sent at the same time wrote first: its answer is this request's answer.
                raise AnswerGiven(first) from None
            raise


Idempotent = Annotated[None, Depends(idempotency)]


async def _refusal(request: Request, error: Exception) -> Response | None:
    """The response a refusal gets, when it is one to keep: a 4xx that retrying would not change."""
    if not isinstance(error, HTTPException | RequestValidationError | LedgerError):
        return None
    if isinstance(error, AnswerGiven | AnswerPending):
        return None
    if isinstance(error, ConcurrentModification) and error.expected is None:
        return None  # another writer was first: retrying is right
    handlers = request.app.exception_handlers
    handler = next((handlers[c] for c in type(error).__mro__ if c in handlers), None)
    if handler is None:
        return None
    response = handler(request, error)
    if inspect.isawaitable(response):
        response = await response
    assert isinstance(response, Response)
    return response if 400 <= response.status_code < 500 else None


def install(app: FastAPI) -> None:
    """Register the answers of a repeated key."""

    @app.exception_handler(AnswerGiven)
    def replay(request: Request, given: AnswerGiven) -> Response:
        answer = given.answer
        if answer.request_hash != getattr(request.state, "idempotency_hash", None):
            return problem(request, 409, "this Idempotency-Key was used for another request")
        headers = {REPLAYED: "true"}
        if answer.body is not None:
            media_type = PROBLEM_JSON if answer.status_code >= 400 else "application/json"
            return Response(answer.body, status_code=answer.status_code, media_type=media_type, headers=headers)
        return JSONResponse(_receipt_body(request, answer), status_code=answer.status_code, headers=headers)

    @app.exception_handler(AnswerPending)
    def pending(request: Request, error: AnswerPending) -> Response:
        return problem(request, 409, str(error), headers={"Retry-After": "1"})


def _receipt_body(request: Request, answer: KeptAnswer) -> Any:
    """The first answer again, in the shape of the route's answer (`Created` or `Written`)."""
    model = request.scope["route"].response_model
    receipt = {"id": answer.aggregate_id, "version": answer.version, "position": answer.position}
    return model.model_validate(receipt).model_dump(mode="json")
