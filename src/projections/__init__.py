"""Read models of the ledger (docs/architecture.md, docs/projections.md): what the queries of the HTTP API read.

The read models — the bitemporal residence history (with occupancy and
headcounts), the worker register, the alerts (intervals, as known when), the inspections — each
with its SQLAlchemy Core tables (created by Alembic migrations), a view that
writes its rows together with its tracking position in one transaction, the
projection that fills it, and its queries; the alert rules as pure functions;
the `ViewRunner` that catches a view up or rebuilds it from zero and the
`LogFollower` that follows new events. It imports `ledger`, never `jobs`,
`api` or `cli`.
"""
