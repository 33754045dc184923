"""One router per resource; `ROUTERS` is what the app mounts under `/api/v1`."""

from __future__ import annotations

from api.routers import employers

ROUTERS = [employers.router]
