"""The scenarios, one module per subject: each answers report rows (`bench.report.Row`)."""
