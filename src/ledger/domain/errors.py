"""The ledger's error hierarchy, shared by the domain and the application.

Every refusal the ledger makes is one of these, so that the HTTP layer can map
them to problem details once: `RuleViolated` (bad input, 400), `NotFound`
(404), `Conflict` (409; `AlreadyRegistered` names the existing id) and
`ConcurrentModification` (409/412).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Violation:
    """One broken rule, naming the offending field by its dotted path."""

    field: str
    code: str
    reason: str


class LedgerError(Exception):
    """Base class of every error the ledger raises on purpose.

    Its message is answered to clients and kept in the logs (docs/logging.md),
    so it names rules, fields and ids, never a value a person gave.
    """


class RuleViolated(LedgerError):
    """Input breaks one or more domain rules; nothing was stored."""

    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations = tuple(violations)
        super().__init__("; ".join(f"{v.field}: {v.reason}" for v in self.violations))

    @classmethod
    def single(cls, field: str, code: str, reason: str) -> RuleViolated:
        """Build the error for one broken rule."""
        return cls([Violation(field, code, reason)])


class NotFound(LedgerError):
    """The addressed aggregate does not exist."""

    def __init__(self, kind: str, ident: object) -> None:
        self.kind = kind
        self.ident = str(ident)
        super().__init__(f"{kind} {ident} not found")


class Conflict(LedgerError):
    """The command conflicts with the current state (duplicate, hold, shredded)."""


class AlreadyRegistered(Conflict):
    """A registration of something the ledger already has: the existing id is named, to be used instead."""

    def __init__(self, message: str, *, existing_id: UUID) -> None:
        self.existing_id = existing_id
        super().__init__(message)


class ConcurrentModification(Conflict):
    """Another writer changed the aggregate first; reload and retry."""

    def __init__(self, message: str, *, expected: int | None = None, actual: int | None = None) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(message)


class Violations:
    """Collects broken rules so one refusal reports every bad field at once."""

    def __init__(self) -> None:
        self._items: list[Violation] = []

    def add(self, field: str, code: str, reason: str) -> None:
        """Record a broken rule."""
        self._items.append(Violation(field, code, reason))

    def check(self, ok: bool, field: str, code: str, reason: str) -> bool:
        """Record a broken rule unless `ok`; return `ok`."""
        if not ok:
            self.add(field, code, reason)
        return ok

    def has(self, field: str) -> bool:
        """Whether a rule on `field` is already broken."""
        return any(v.field == field for v in self._items)

    def raise_if_any(self) -> None:
        """Raise `RuleViolated` when anything was recorded."""
        if self._items:
            raise RuleViolated(self._items)
