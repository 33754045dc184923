"""The ledger never caches aggregates, whatever the process environment says.

A cached aggregate keeps its opened personal fields in memory past a shred.
The library reads `AGGREGATE_CACHE_MAXSIZE` (and the rest of its settings)
from `os.environ`; `Ledger.construct_env` takes only the settings' own
environment, so a variable left in a container's environment cannot switch
the cache on.
"""

from __future__ import annotations

import pytest
from eventsourcing.application import Application

from ledger.settings import Settings
from ledger.system import open_ledger


def test_a_cache_asked_for_in_the_process_environment_is_not_made(
    migrated: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(Application.AGGREGATE_CACHE_MAXSIZE, "1000")
    monkeypatch.setenv(Application.AGGREGATE_CACHE_FASTFORWARD, "y")
    with open_ledger(migrated) as ledger:
        # The guard is what stops it: the library's own reading of the environment would have the cache.
        assert Application.construct_env(ledger, ledger.name).get(Application.AGGREGATE_CACHE_MAXSIZE) == "1000"

        assert ledger.env.get(Application.AGGREGATE_CACHE_MAXSIZE) is None
        assert ledger.repository.cache is None
