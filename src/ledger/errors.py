"""The ledger's errors, for callers outside the domain (application, projections, API).

Defined in `ledger.domain.errors` because the domain raises them too; this
module is the public name the outer layers import.
"""

from __future__ import annotations

from ledger.crypto.keystore import SubjectShredded
from ledger.crypto.sealing import SealBrokenError
from ledger.domain.errors import (
    AlreadyRegistered,
    ConcurrentModification,
    Conflict,
    LedgerError,
    NotFound,
    RuleViolated,
    Violation,
)
from ledger.persistence.claims import AnswerGiven, AnswerPending, DuplicateAddress, DuplicatePerson

__all__ = [
    "AlreadyRegistered",
    "AnswerGiven",
    "AnswerPending",
    "ConcurrentModification",
    "Conflict",
    "DuplicateAddress",
    "DuplicatePerson",
    "LedgerError",
    "NotFound",
    "RuleViolated",
    "SealBrokenError",
    "SubjectShredded",
    "Violation",
]
