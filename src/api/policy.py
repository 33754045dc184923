"""The role matrix of the contract, enforced in one place.

Every route depends on `allow(POLICY)`: it checks the bearer token (401) and
the caller's roles (403) and hands the route a `Principal`. Deny by default: a
test walks the app's routes and fails on any route without a policy. Scoping
an employer to its own workers (404 for others) is done where the object is
loaded, with `Principal.is_only_employer()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.dependencies.models import Dependant
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import AuthenticationError, Principal, Role, TokenVerifier

E, R, I, A, ADM = Role.EMPLOYER, Role.REGISTRAR, Role.INSPECTOR, Role.AUDITOR, Role.ADMIN  # noqa: E741


@dataclass(frozen=True)
class Policy:
    """Which roles may use an endpoint group."""

    name: str
    roles: frozenset[Role]


REGISTER_EMPLOYERS = Policy("register employers", frozenset({R, ADM}))
REGISTER_WORKERS_AND_HOUSING = Policy("register / change own workers, own housing locations", frozenset({E, R, ADM}))
OCCUPANCY_LIMITS = Policy("occupancy limits of housing locations", frozenset({R, ADM}))
ENFORCEMENT = Policy("inspections, sanctions, legal holds", frozenset({I, ADM}))
QUERIES = Policy("queries", frozenset({E, R, I, A, ADM}))
AUDIT = Policy("audit", frozenset({A, ADM}))
RETENTION = Policy("retention, erasure", frozenset({ADM}))
# The right of access (AVG art. 15) is answered by the municipality's registry desk.
SUBJECT_ACCESS = Policy("right of access export", frozenset({R, ADM}))

_bearer = HTTPBearer(auto_error=False, description="An OIDC (or, in development, a `ledger token`) JWT.")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def authenticate(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The caller, from the bearer token; 401 when there is none or it does not verify."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("a bearer token is required")
    verifier: TokenVerifier = request.app.state.services.verifier
    try:
        principal = verifier.verify(credentials.credentials)
    except AuthenticationError as e:
        raise _unauthorized(str(e)) from None
    request.state.principal = principal
    return principal


def allow(policy: Policy) -> Callable[[Principal], Principal]:
    """A dependency admitting callers with one of the policy's roles (403 otherwise)."""

    def authorize(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.roles & policy.roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"not allowed: {policy.name}")
        return principal

    authorize.policy = policy  # type: ignore[attr-defined]  # read by the deny-by-default test
    return authorize


def public() -> None:
    """Marks a route that needs no token (health, readiness, metrics)."""


public.policy = None  # type: ignore[attr-defined]

_UNSET = object()


def policies_of(dependant: Dependant) -> list[Policy | None]:
    """The policies in a route's dependency tree: `allow(POLICY)` carries its policy, `public` carries None."""
    found: list[Policy | None] = []
    for dependency in dependant.dependencies:
        policy = getattr(dependency.call, "policy", _UNSET)
        if policy is not _UNSET:
            found.append(policy)  # type: ignore[arg-type]
        found.extend(policies_of(dependency))
    return found
