"""The application layer of the write side: the `Ledger` service and the rules that span aggregates.

`service` composes `Ledger` from its seams: `core` (the event store, keys and
claims, and the boundary every command passes: load, call, save),
`registrations`, `enforcement`, `erasure` and `answers` (idempotent answers,
the claims' backfill). Beside it: the claims every save takes (`claims`), the
retries of overtaken writes (`overtaken`), and the retention policies
(`retention`, shipped as `retention.toml`) with a registration's retention
clock (`registration_clock`). docs/writes.md, docs/claims.md, docs/retention.md.
"""
