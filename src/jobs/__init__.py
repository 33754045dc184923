"""Jobs of the ledger (docs/architecture.md, docs/retention.md): what runs on a schedule and reads the views.

The retention job (`retention`: which subjects are due, shredding them in
chunks under the job's own lock), the legal holds due for review
(`hold_reviews`), and the nightly scheduler (`scheduler`) that runs them in
`ledger scheduler` and, on the embedded default, in `ledger serve`. It imports
`ledger` and `projections`, never `api` or `cli`.
"""
