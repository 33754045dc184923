"""The pages' files: the vendored NL Design System CSS and htmx, the Medemblik theme, the pages' own CSS.

Only the files listed are served (404 for any other name), from this package:
a municipal intranet has no internet, so no CDN, font or script from another
host. The vendored files (static/vendor, each folder with its package's
licence and version) change only with a new release, so they may be cached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import FileResponse

from api.policy import public

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).resolve().parent / "static"
_CSS = "text/css; charset=utf-8"
ASSETS = {
    "vendor/utrecht/index.css": _CSS,
    "vendor/voorbeeld/theme.css": _CSS,
    "vendor/htmx/htmx.min.js": "text/javascript; charset=utf-8",
    "medemblik.css": _CSS,
    "web.css": _CSS,
    "favicon.svg": "image/svg+xml",
}
_CACHE = {"Cache-Control": "public, max-age=86400"}


@router.get("/assets/{name:path}")
def asset(name: str, _: Annotated[None, Depends(public)]) -> FileResponse:
    """One of the pages' files (404 for any other name)."""
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such file")
    return FileResponse(STATIC / name, media_type=media_type, headers=_CACHE)
