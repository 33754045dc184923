"""Liveness, readiness and metrics: for the platform, not for people (no token needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from api.deps import ServicesDep
from api.policy import public
from api.problems import PROBLEM_JSON, problem

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def liveness(_: Annotated[None, Depends(public)]) -> dict[str, str]:
    """The process is alive."""
    # On the event loop, with no I/O: liveness must not queue behind writes busy in the thread pool.
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=dict[str, object],
    responses={
        503: {
            "description": "Not ready: a problem whose `checks` member says what is not",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    },
)
def readiness(
    services: ServicesDep, request: Request, _: Annotated[None, Depends(public)]
) -> dict[str, object] | JSONResponse:
    """Ready (200) or not (503), within a second: database, schema, and every view's runner, stop and lag.

    The checks are `api.readiness.check_readiness`; a view is behind when its oldest unprocessed
    event is older than `LEDGER_READY_MAX_LAG_S`.
    """
    verdict = services.readiness()
    if not verdict.ready:
        # An error answer like every other (a problem), with the checks as an extension member.
        return problem(request, 503, "not ready", checks=verdict.checks)
    return {"status": "ready", "checks": verdict.checks}


@router.get("/metrics", response_class=Response)
def metrics(services: ServicesDep, _: Annotated[None, Depends(public)]) -> Response:
    """Prometheus text: projection positions and lag, the log's head."""
    registry = CollectorRegistry()
    position = Gauge("ledger_projection_position", "Last event processed by the view", ["view"], registry=registry)
    lag = Gauge("ledger_projection_lag_events", "Events the view has not processed", ["view"], registry=registry)
    stopped = Gauge("ledger_projection_stopped", "1 when a failing event stopped the view", ["view"], registry=registry)
    lag_seconds = Gauge(
        "ledger_projection_lag_seconds",
        "Age of the oldest event the view has not processed",
        ["view"],
        registry=registry,
    )
    head = Gauge("ledger_events_head_position", "Notification id of the newest event", registry=registry)
    now = datetime.now(UTC)
    for status in (r.status() for r in services.runners):
        position.labels(status.name).set(status.position)
        lag.labels(status.name).set(status.lag)
        lag_seconds.labels(status.name).set(status.lag_seconds(now))
        stopped.labels(status.name).set(1 if status.stopped_at is not None else 0)
        head.set(status.head)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
