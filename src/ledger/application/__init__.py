"""The application layer of the write side: the `Ledger` service and the rules that span aggregates.

`service` holds `Ledger`, one method per command (load, call, save), with the
claims every save takes (`claims`), the retries of overtaken writes
(`overtaken`), and the retention policies (`retention`, shipped as
`retention.toml`) with a registration's retention clock
(`registration_clock`). docs/writes.md, docs/claims.md, docs/retention.md.
"""
