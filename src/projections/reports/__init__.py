"""The reports over periods (issue 18): the periods, the one table shape, small-cell suppression, and the queries.

The pure parts — the calendar's periods (`periods`), the result table
(`table`) and the disclosure rule (`suppression`) — know nothing of a
database; each report's query (`headcounts`, …) reads the views and returns
a `ReportTable`. How a table is written out (JSON, CSV, XLSX) is the API's
(`api.report_formats`). Definitions and worked examples: docs/reports.md.
"""
