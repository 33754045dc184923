"""The domain model: aggregates, their events and value objects.

Pure Python with no I/O and no imports from the rest of the project: the
application layer loads aggregates, calls their command methods (which check
the rules and trigger past-tense events) and saves the pending events.
"""
