"""The event store: the eventsourcing library's recorders, for SQLite and PostgreSQL, extended for the ledger.

Each save's events are stored with their audit links (`ledger.audit.chain`)
and their claims (`ledger.persistence.claims`) in one transaction; the
settings name these recorders by topic (`PERSISTENCE_MODULE`,
`ledger.persistence.database_settings`).
"""
