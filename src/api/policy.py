"""The role matrix of the contract, enforced in one place.

Every route depends on `allow(POLICY)`: it checks the bearer token (401) and
the caller's roles (403) and hands the route a `Principal`. Deny by default: a
test walks the app's routes and fails on any route without a policy. The
route class of `/api/v1` (`api.routing.ApiRoute`) runs the same checks
(`check_caller`) before anything of the request is read — its query, its
`If-Match`, its body — so a caller who may not ask learns nothing about what
it sent; the dependency then finds the caller already known. Scoping an
employer to its own workers (404 for others) is done where the object is
loaded, with `Principal.is_only_employer()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.dependencies.models import Dependant
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.auth import AssuranceTooLow, AuthenticationError, Principal, Role, TokenVerifier
from ledger.domain.housing_location import MUNICIPALITY, Registrant

E, R, I, A, ADM = Role.EMPLOYER, Role.REGISTRAR, Role.INSPECTOR, Role.AUDITOR, Role.ADMIN  # noqa: E741


@dataclass(frozen=True)
class Policy:
    """Which roles may use an endpoint group."""

    name: str
    roles: frozenset[Role]


REGISTER_EMPLOYERS = Policy("register employers", frozenset({R, ADM}))
REGISTER_WORKERS_AND_HOUSING = Policy("register / change own workers, own housing locations", frozenset({E, R, ADM}))
OCCUPANCY_LIMITS = Policy("occupancy limits of housing locations", frozenset({R, ADM}))
# Only the municipality records BRP/RNI facts, from the BRP itself (later the BRP link does); an
# employer's word would silence the BRP alerts. An employer reports a declaration instead (issue 16).
POPULATION_REGISTER = Policy("BRP/RNI registrations and deregistrations", frozenset({R, ADM}))

# A worker moves to another employer by the municipality's hand only (ledger.domain.transfer).
TRANSFERS = Policy("transfer workers between employers", frozenset({R, ADM}))
ENFORCEMENT = Policy("inspections, sanctions, legal holds", frozenset({I, ADM}))
QUERIES = Policy("queries", frozenset({E, R, I, A, ADM}))
# Inspections and sanctions are the municipality's enforcement (issue 18): never an employer's to read,
# even its own sanctions (they reach it by the decision itself). Notes: inspectors and admins only (roles.md).
INSPECTION_RECORDS = Policy("read inspections and sanctions", frozenset({R, I, A, ADM}))
# Reports over periods are the municipality's (issue 18): its figures of everyone's workers, never an employer's.
REPORTS = Policy("reports", frozenset({R, I, A, ADM}))
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
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):  # authenticated by `check_caller` before the request was read
        return known
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("a bearer token is required")
    verifier: TokenVerifier = request.app.state.services.verifier
    try:
        principal = verifier.verify(credentials.credentials)
    except AuthenticationError as e:
        raise _unauthorized(str(e)) from None
    except AssuranceTooLow as e:
        # A genuine token, but not good enough for the role it claims: forbidden, not unauthenticated.
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(e)) from None
    request.state.principal = principal
    return principal


def allow(policy: Policy) -> Callable[[Principal], Principal]:
    """A dependency admitting callers with one of the policy's roles (403 otherwise)."""

    def authorize(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        return authorized(principal, policy)

    authorize.policy = policy  # type: ignore[attr-defined]  # read by the deny-by-default test and `api.routing`
    return authorize


def authorized(principal: Principal, policy: Policy) -> Principal:
    """The principal, if one of its roles is the policy's; 403 otherwise."""
    if not principal.roles & policy.roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"not allowed: {policy.name}")
    return principal


async def check_caller(request: Request, policy: Policy) -> Principal:
    """Authenticate (401) and authorise (403) the caller of a route with `policy`, before the request is read."""
    credentials = await _bearer(request)
    # Verifying may fetch the issuer's keys: in the thread pool, as FastAPI runs the dependency.
    principal = await run_in_threadpool(authenticate, request, credentials)
    return authorized(principal, policy)


async def public() -> None:
    """Marks a route that needs no token (health, readiness, metrics); async, so it takes no thread."""


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


# The roles that act for the municipality when registering: their maximum is a housing
# location's limit, and only they record a worker's BSN.
MUNICIPAL_ROLES = frozenset({Role.REGISTRAR, Role.ADMIN})


def registrant(principal: Principal) -> Registrant:
    """The municipality for a registrar or an admin; otherwise the caller's own employer."""
    if principal.roles & MUNICIPAL_ROLES:
        return MUNICIPALITY
    # Not the municipality: an employer (the policy admits no one else), with its employer id
    # (an employer token without one is refused at authentication; None would name no owner).
    return Registrant(municipal=False, employer_id=principal.employer_id)
