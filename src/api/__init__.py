"""The HTTP API of the ledger (DESIGN §8, api-contract.md): FastAPI, `/api/v1`.

This package will hold `create_app(settings)`, one router per resource, the
request/response schemas (lowerCamelCase members), authentication (OIDC JWT,
development tokens), the role matrix, and the exception handlers that turn the
ledger's errors into RFC 9457 problem details. It stays thin: parse, authorize,
call the application or a projection query, shape the answer.
"""
