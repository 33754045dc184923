"""B6's baseline (b): the occupancy query's SQL behind the same server stack, and nothing else.

No authentication, no processing-log lines, no names opened from the register:
`projections.occupancy.occupancy` on the ledger's engine, answered as JSON by
FastAPI under uvicorn, configured as `ledger serve` configures it. Run as
`python -m bench.raw_server --port N` with the ledger's `LEDGER_*` settings.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import uvicorn
from fastapi import FastAPI, HTTPException

from ledger.persistence.database import create_ledger_engine
from ledger.settings import Settings
from projections.occupancy import occupancy


def create_raw_app(settings: Settings) -> FastAPI:
    engine = create_ledger_engine(settings)
    norms = settings.floor_area_norms_m2
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/occupancy/{location_id}")
    def get_occupancy(location_id: UUID, on: date, asKnownAt: datetime | None = None) -> dict[str, Any]:  # noqa: N803
        found = occupancy(engine, location_id, on=on, as_known_at=asKnownAt or datetime.now(UTC), norms=norms)
        if found is None:
            raise HTTPException(404)
        return {
            "housingLocationId": str(found.housing_location_id),
            "headcount": found.headcount,
            "maxOccupants": found.max_occupants,
            "overCapacity": found.over_capacity,
            "occupants": [str(r.worker_id) for r in found.occupants],
        }

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    config = uvicorn.Config(
        create_raw_app(Settings()),
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
