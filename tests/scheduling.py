"""How `pytest -n 4 --dist loadgroup` (as `make test` runs) shares the tests among its workers."""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

BROWSER_TESTS = "tests/browser/"


class BrowserModulesTogether(LoadScopeScheduling):
    """xdist's scheduling, with each browser test module given whole to one worker.

    A browser test module starts a server with demo data once for each worker
    that runs any of its tests (20-30 s each), so its tests belong on one
    worker; every other test is scheduled on its own. The biggest units go
    first, then the single tests in collection order (the slow ones first).

    xdist's own `--dist loadgroup` would do this from an `xdist_group` mark,
    but pytest-xdist 3.8 sets the group on `Item._nodeid`, which pytest 9.2 no
    longer reads: the marks were silently ignored and each module's server
    started on all four workers.
    """

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith(BROWSER_TESTS):
            return nodeid.split("::", 1)[0]
        return nodeid
