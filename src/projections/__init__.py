"""Read models of the ledger (docs/architecture.md, docs/projections.md): what the queries of the HTTP API read.

This package will hold one module per read model — occupancy, headcounts, the
bitemporal residence history, the worker register and alerts — each with its
SQLAlchemy Core tables (created by Alembic migrations), a view that writes its
rows together with its tracking position in one transaction, and the
eventsourcing `Projection` that fills it; plus the runner that catches up,
follows new events and rebuilds from zero. It imports `ledger`, never `api`.
"""
