"""westland-ledger: the event-sourced registration ledger for labour migrants.

The package holds the write side: the domain (pure aggregates and events), the
application service that runs commands against the event store, the sealing of
personal data and the key store, settings, and the command-line entrypoints.
"""
