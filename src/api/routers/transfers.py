"""Transfers: the municipality moves a worker to another employer, and the worker stays one worker.

A worker who moves to another agency is not registered again (the identity
document's claim refuses that, 409): the registrar (or an administrator)
transfers the registration (`ledger.domain.transfer`). From the transfer on
the new employer sees and changes the worker, and the old one no longer does
(404, as for any other employer's worker).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from api.auth import Principal
from api.deps import IfMatch, ProcessingDep, ServicesDep
from api.idempotency import Idempotent
from api.policy import TRANSFERS, allow
from api.routers.workers import WorkerId
from api.routing import ApiRoute
from api.schemas.common import Written
from api.schemas.workers import Transfer
from api.scoping import require_worker_in_scope
from ledger.processing_log import Activity, Operation

router = APIRouter(prefix="/workers", tags=["workers"], route_class=ApiRoute)


@router.post("/{workerId}/transfers", status_code=status.HTTP_201_CREATED)
def transfer_worker(
    worker_id: WorkerId,
    body: Transfer,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allow(TRANSFERS))],
    processing: ProcessingDep,
    expected: IfMatch,
    idempotent: Idempotent,
) -> Written:
    """Transfer the worker to another registered employer from `validFrom` on.

    409 when the registration has ended (a contract end or a departure is
    recorded): the new employer then registers the worker anew.
    """
    require_worker_in_scope(services, principal, worker_id)
    processing.record(Activity.REGISTRATION, Operation.UPDATE, worker_id)
    receipt = services.ledger.transfer_worker(
        worker_id, employer_id=body.employer_id, valid_from=body.valid_from, expected_version=expected
    )
    return Written(position=receipt.position, version=receipt.version)
