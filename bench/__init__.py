"""Benchmarks of westland-ledger: every figure beside its baseline, measured in the same run (`python -m bench`).

See `bench/README.md` for what each scenario compares and how to read the report.
"""
