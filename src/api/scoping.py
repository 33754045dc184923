"""Who may see and change which objects: an employer acts for its own workers only.

The role policies (`api.policy`) say which endpoint groups a caller may use;
scoping says which objects within them. A caller that is only an employer
reaches its own employer id and its own workers; anything else is answered
as unknown (`NotFound`, 404) — not 403, which would confirm that the worker
exists (the contract: "ids outside the caller's scope are 404"). Staff roles
are not scoped, but an id under /workers must still be a worker's.
"""

from __future__ import annotations

from uuid import UUID

from api.auth import Principal
from api.services import Services
from ledger.domain.worker import Worker
from ledger.errors import NotFound


def employer_scope(principal: Principal) -> UUID | None:
    """The one employer a caller is limited to, or None for a caller that sees every employer."""
    return principal.employer_id if principal.is_only_employer() else None


def require_employer_in_scope(principal: Principal, employer_id: UUID) -> None:
    """Refuse, as unknown, an employer id other than the calling employer's own."""
    scope = employer_scope(principal)
    if scope is not None and employer_id != scope:
        raise NotFound("employer", employer_id)


def require_worker_in_scope(services: Services, principal: Principal, worker_id: UUID) -> None:
    """Refuse, as unknown, an id that is not a worker's, or a worker of another employer."""
    # Checked for every caller, not only employers: some ledger commands take any
    # data subject (`shred_subject` also erases inspections), and a route under
    # /workers must never reach anything but a worker. The event store, not the
    # register view: a worker registered a moment ago is there before the views are.
    worker = services.ledger.get(Worker, worker_id)
    scope = employer_scope(principal)
    if scope is not None and worker.employer_id != scope:
        raise NotFound("worker", worker_id)
