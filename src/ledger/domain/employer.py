"""The Employer aggregate: a company (werkgever, uitzendbureau) that registers workers.

Its id is derived from the KvK number, so registering the same company twice
collides in the event store and is refused by construction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.domain.checks import checked_kvk_number, checked_text
from ledger.domain.errors import Violations

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:westland-ledger:employer")


def employer_id_for(kvk_number: str) -> UUID:
    """The employer id that a KvK number always maps to."""
    return uuid5(_NAMESPACE, kvk_number)


class Employer(Aggregate):
    """An employer known to the municipality."""

    class Registered(Aggregate.Created):
        """An employer was registered with its KvK number and trade name."""

        kvk_number: str
        name: str

        def apply(self, employer: Employer) -> None:
            employer.kvk_number = self.kvk_number
            employer.name = self.name

    if TYPE_CHECKING:
        kvk_number: str
        name: str

    @classmethod
    def register(cls, *, kvk_number: str, name: str) -> Employer:
        """Register an employer; the id follows from the KvK number."""
        v = Violations()
        kvk_number = checked_kvk_number(kvk_number.strip(), "kvk_number", v)
        name = checked_text(name, "name", v)
        v.raise_if_any()
        return cls._create(cls.Registered, id=employer_id_for(kvk_number), kvk_number=kvk_number, name=name)
