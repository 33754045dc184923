"""The interactive docs: Swagger UI, every file of it served from this package.

FastAPI's own docs page loads Swagger UI from cdn.jsdelivr.net and its icon
from fastapi.tiangolo.com, and starts it with an inline script: on a municipal
intranet the page stays blank, and its Content-Security-Policy has to admit
both hosts and inline scripts. This page loads the vendored files
(src/api/static/swagger-ui, with their licence and version) by URLs relative
to itself, and starts Swagger UI from a file, so `api.middleware.DOCS_CSP`
admits this server only. The app mounts the router only when
`Settings.serves_api_docs` (`LEDGER_API_DOCS`; in development by default).
Public like the OpenAPI document it shows; not part of that document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import FileResponse, HTMLResponse

from api.policy import public

router = APIRouter(tags=["docs"], include_in_schema=False)

STATIC = Path(__file__).resolve().parent.parent / "static" / "swagger-ui"
# The files the page loads, and their media types; nothing else in the folder is served.
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "start-swagger-ui.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
# The vendored files change only with a new version of the package, which is a new release.
_CACHE = {"Cache-Control": "public, max-age=86400"}

# URLs relative to the page (`/api/v1/docs`), so that it works behind a proxy that moves the API too.
PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>westland-ledger API</title>
<link rel="icon" type="image/png" href="docs/favicon-32x32.png">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="openapi.json"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/start-swagger-ui.js"></script>
</body>
</html>
"""


@router.get("/docs")
def docs_page(_: Annotated[None, Depends(public)]) -> HTMLResponse:
    """The interactive docs of the API."""
    return HTMLResponse(PAGE)


@router.get("/docs/{name}")
def docs_asset(name: str, _: Annotated[None, Depends(public)]) -> FileResponse:
    """One of the files the docs page loads (404 for any other name)."""
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such file")
    return FileResponse(STATIC / name, media_type=media_type, headers=_CACHE)
