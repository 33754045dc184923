"""One router per resource; `ROUTERS` is what the app mounts under `/api/v1`."""

from __future__ import annotations

from api.routers import (
    access_log,
    alerts,
    audit,
    employer_queries,
    employers,
    headcounts,
    housing_locations,
    inspection_queries,
    inspections,
    location_queries,
    occupancy,
    reports,
    retention,
    transfers,
    worker_queries,
    workers,
)

ROUTERS = [
    employers.router,
    employer_queries.router,
    housing_locations.router,
    location_queries.router,
    occupancy.router,
    workers.router,
    transfers.router,
    worker_queries.router,
    inspections.router,
    inspection_queries.router,
    headcounts.router,
    reports.router,
    alerts.router,
    access_log.router,
    audit.router,
    retention.router,
]
