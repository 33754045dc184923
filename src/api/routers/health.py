"""Liveness, readiness and metrics: for the platform, not for people (no token needed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import text

from api.deps import ServicesDep
from api.policy import public
from api.problems import PROBLEM_JSON, problem
from ledger.migrations import current_revision, head_revision

router = APIRouter(tags=["operations"])

# Readiness tolerates this many unprocessed events (a busy moment, not a stuck runner).
READY_MAX_LAG = 1000


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
    """Ready when the database answers, the schema is migrated and the views are not far behind."""
    checks: dict[str, object] = {}
    try:
        with services.ledger.keys.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        migrated = current_revision(services.ledger.keys.engine) == head_revision()
        checks["migrations"] = "ok" if migrated else "behind"
        statuses = [r.status() for r in services.runners]
        checks["projections"] = {s.name: {"lag": s.lag, "stopped": s.stopped_at is not None} for s in statuses}
        ready = migrated and all(s.lag <= READY_MAX_LAG and s.stopped_at is None for s in statuses)
    except Exception as e:
        checks["database"] = type(e).__name__
        ready = False
    if not ready:
        # An error answer like every other (a problem), with the checks as an extension member.
        return problem(request, 503, "not ready", checks=checks)
    return {"status": "ready", "checks": checks}


@router.get("/metrics", response_class=Response)
def metrics(services: ServicesDep, _: Annotated[None, Depends(public)]) -> Response:
    """Prometheus text: projection positions and lag, the log's head."""
    registry = CollectorRegistry()
    position = Gauge("ledger_projection_position", "Last event processed by the view", ["view"], registry=registry)
    lag = Gauge("ledger_projection_lag_events", "Events the view has not processed", ["view"], registry=registry)
    stopped = Gauge("ledger_projection_stopped", "1 when a failing event stopped the view", ["view"], registry=registry)
    head = Gauge("ledger_events_head_position", "Notification id of the newest event", registry=registry)
    for status in (r.status() for r in services.runners):
        position.labels(status.name).set(status.position)
        lag.labels(status.name).set(status.lag)
        stopped.labels(status.name).set(1 if status.stopped_at is not None else 0)
        head.set(status.head)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
