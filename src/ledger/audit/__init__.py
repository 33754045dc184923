"""Accountability: the tamper-evident audit chain, the auditor's event documents and exports, the processing log.

`chain` links every stored event (written by the recorders in the events'
own transaction) and verifies the links, fast (`scan`); `tables` holds its
tables. `event_documents` is an event as the auditor reads it, `exports` the
auditor's export, pseudonymised unless opened for a reason, and
`processing_log` the log of every processing of personal data (AVG art. 30).
docs/audit.md.
"""
