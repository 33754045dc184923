"""westland-ledger: the event-sourced registration ledger for labour migrants.

The package holds the write side, in folders that are layers
(docs/architecture.md): the domain (pure aggregates, events and rules),
persistence, crypto (sealing and keys), the application service, the audit
chain and processing log, and the event store's recorders; beside them the
settings, the errors the outer layers catch, logging, and `system`, where a
process opens its database and ledger.
"""
