"""Persistence of the write side: the event store's recorders and everything stored beside the events.

The SQLite and PostgreSQL recorders (`sqlite_store`, `postgres_store`) store
each save's events with their audit links and claims in one transaction; the
`Database` object and its engines (`database`), the claims table
(`claim_store`), locks across processes (`exclusive`), the durability checks,
the transcodings of value objects, the UTC column type and the schema
migrations live here too.
"""
