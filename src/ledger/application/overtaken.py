"""Writes that another writer overtook, tried again: the ledger's retry rules in one place (docs/writes.md).

Two writers can load the same version of an aggregate; the event store takes
one event per version, so the second save fails and stores nothing. A change
without `If-Match` is applied again to the reloaded aggregate (its rules
checked anew), `CHANGE_ATTEMPTS` attempts in all, then answered 409; a change
with `If-Match` is tried once, and a save overtaken after its load answers 412
(the version the caller saw is gone). The bookkeeping event of a shredding,
whose key is gone already, is recorded again `SHRED_RECORD_ATTEMPTS` times.
The attempts are tenacity's, with no wait: the race is lost to a write that
has committed, so the next load sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import IntegrityError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from ledger.domain.errors import ConcurrentModification

R = TypeVar("R")

# A few rounds let a burst of writers to one aggregate through; a write overtaken every time is a 409.
CHANGE_ATTEMPTS = 4
# A shredding that races another writer records its bookkeeping event this often before giving up.
SHRED_RECORD_ATTEMPTS = 5


def retry_change(attempt: Callable[[], R], *, expected_version: int | None, what: str) -> R:
    """`attempt` (load, apply the command, save), tried again while another writer overtakes it.

    Without `expected_version` the last `ConcurrentModification` is raised as
    it is (409); with it, one attempt, and an overtaken save is raised as the
    precondition's failure (`expected` set: 412), naming `what`.
    """
    retrying = Retrying(
        stop=stop_after_attempt(1 if expected_version is not None else CHANGE_ATTEMPTS),
        retry=retry_if_exception_type(ConcurrentModification),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except ConcurrentModification as e:
        if expected_version is None or e.expected is not None:
            raise
        raise ConcurrentModification(
            f"{what} was changed after version {expected_version} was read", expected=expected_version
        ) from None


def retry_shredding(attempt: Callable[[], R], *, what: str) -> R:
    """`attempt` (load the subject, record its shredding, save), tried again while another writer overtakes it.

    Overtaken every time: `ConcurrentModification` saying to run again (the key
    is gone; the next run records the event).
    """
    retrying = Retrying(
        stop=stop_after_attempt(SHRED_RECORD_ATTEMPTS),
        retry=retry_if_exception_type((ConcurrentModification, IntegrityError)),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except (ConcurrentModification, IntegrityError):
        msg = f"could not record the shredding of {what}; the key is gone, run again to record it"
        raise ConcurrentModification(msg) from None
