"""The application service: one method per command, load -> call -> save (docs/writes.md).

`Ledger` is composed of its seams: the core every command goes through
(`ledger.application.core`: the event store, keys, claims, and the boundary
that translates the library's errors), and the commands by what they are
about — `registrations`, `enforcement`, `erasure` — and the idempotent answers
and claims' backfill (`answers`). Open one with `ledger.system.open_ledger`.
"""

from __future__ import annotations

from ledger.application.answers import IdempotentAnswers
from ledger.application.enforcement import Enforcement
from ledger.application.erasure import Erasure
from ledger.application.registrations import Registrations
from ledger.settings import APPLICATION_NAME


class Ledger(Registrations, Enforcement, Erasure, IdempotentAnswers):
    """The westland-ledger write side."""

    name = APPLICATION_NAME
