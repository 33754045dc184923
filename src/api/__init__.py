"""The HTTP API of the ledger (docs/architecture.md, docs/http.md): FastAPI, `/api/v1`.

`create_app(settings)` builds the application; one router per resource, the
request/response schemas (lowerCamelCase members), authentication (OIDC JWT,
development tokens), the role matrix, and the exception handlers that turn the
ledger's errors into RFC 9457 problem details. It stays thin: parse, authorize,
call the application or a projection query, shape the answer.

The package itself imports nothing: `ledger token` and the other commands
load only what they use, not FastAPI (see `cli.server_commands`).
"""

from __future__ import annotations
